#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/reader/scanner.hpp"
#include "perftrack/report/period_report.hpp"

namespace perftrack::report {

/// A reporting period: monthly is 30 days, weekly 7, trends `days` (default 90).
enum class period_kind { monthly, weekly, trends };

struct report_request {
  period_kind kind = period_kind::weekly;
  std::vector<std::filesystem::path> inputs;  ///< files or directories of *.jsonl
  std::int64_t now_ns = 0;                    ///< the clock; the window ends here
  std::int64_t days = 90;                     ///< trends only
  std::optional<std::int64_t> since_ns;       ///< overrides the window's start
  std::optional<std::int64_t> until_ns;       ///< overrides the window's end
  stats::percentile_method method = stats::percentile_method::nearest_rank;
  std::size_t top = 10;
  degradation_thresholds thresholds;
  unsigned threads = 0;  ///< 0: one per hardware thread
};

/// What reading the inputs found wrong without failing: malformed lines.
struct read_warnings {
  std::uint64_t malformed = 0;
  std::vector<reader::malformed_line> first_malformed;
};

/// Reads the inputs and computes the report: exact percentiles, the previous
/// period for avg_increase, trends per day (windows up to 31 days) or per week.
/// Memory grows with the records in the window, not with the file size.
/// Fails on an input that does not exist or cannot be read.
expected<period_report> build_report(const report_request& request, read_warnings& warnings);

/// Applies the three degradation rules to `report.operations` (pure).
std::vector<degradation> find_degradations(const std::vector<operation_summary>& operations,
                                           const degradation_thresholds& thresholds);

std::string_view name(period_kind kind) noexcept;

}  // namespace perftrack::report
