#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/slo/objectives.hpp"

/// `perftrack slo check`: what the objectives' alerts would have done over
/// recorded operations, evaluated the way Prometheus evaluates the generated
/// rules (every minute, on minute boundaries, over whole-minute windows).
namespace perftrack::slo {

struct check_options {
  std::vector<std::filesystem::path> files;  ///< JSONL files or directories of *.jsonl
  std::optional<std::int64_t> since_ns;      ///< records before are ignored
  std::optional<std::int64_t> until_ns;      ///< records after are ignored
  std::optional<std::int64_t> now_ns;        ///< default: until, else the last record
};

/// One window's view at an evaluation time.
struct window_burn {
  seconds window;
  std::uint64_t events = 0;
  std::uint64_t bad = 0;
  double error_ratio = 0;  ///< bad / events; NaN without events
  double burn_rate = 0;    ///< error_ratio / (1 - target); NaN without events or budget
};

/// A tier that fired, from the evaluation at which it first held to the one at
/// which it stopped holding (none: still firing at `now`).
struct incident {
  severity level;
  std::string condition;  ///< "14.4x over 1h and 5m", ">= 0.05 over 5m"
  std::int64_t fired_ns = 0;
  std::optional<std::int64_t> resolved_ns;
  double peak = 0;  ///< the highest burn rate (or error ratio) while it held
};

struct objective_result {
  objective spec;
  bool evaluated = false;    ///< gauges are live-only: not in recorded operations
  std::uint64_t events = 0;  ///< in the compliance period
  std::uint64_t bad = 0;
  double compliance = 0;        ///< good / events; NaN without events
  double budget_remaining = 0;  ///< 1 - (bad / events) / (1 - target); ratio kinds only
  std::vector<window_burn> now_windows;
  std::optional<severity> now;  ///< the highest tier holding at now
  std::vector<incident> timeline;
};

struct check_report {
  std::string source;  ///< the baselines
  std::vector<std::filesystem::path> files;
  std::int64_t first_ns = 0;  ///< the first evaluation's minute
  std::int64_t now_ns = 0;    ///< the last evaluation (now, rounded up to its minute)
  std::int64_t period_start_ns = 0;
  seconds period{0};
  std::uint64_t records = 0;    ///< read and in range
  std::uint64_t malformed = 0;  ///< lines skipped
  std::vector<objective_result> objectives;

  /// True when an objective is at error or critical now: exit 1.
  bool failing() const noexcept;
};

expected<check_report> run_check(const objective_set& objectives, const check_options& options);

std::string render_markdown(const check_report& report);
std::string render_json(const check_report& report);

}  // namespace perftrack::slo
