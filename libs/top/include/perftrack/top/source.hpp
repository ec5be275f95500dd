#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/exposition/parse.hpp"

/// perftrack top: a live terminal view of agent operations (docs/top.md).
namespace perftrack::top {

/// One operation's counters since its source started: a duration histogram
/// and its failures.
struct operation_totals {
  /// Ascending upper bounds in seconds (without +Inf).
  std::vector<double> bounds;
  /// Each bucket's own count (not cumulative): one per bound, then +Inf.
  std::vector<std::uint64_t> buckets;
  std::uint64_t errors = 0;

  std::uint64_t count() const noexcept;
};

/// Every operation's counters at one moment, by operation name.
using reading = std::map<std::string, operation_totals, std::less<>>;

/// Where readings come from: metrics files, or an exporter's /metrics.
class source {
public:
  virtual ~source() = default;
  /// The counters now; an error says what is wrong (the caller keeps asking).
  virtual expected<reading> read() = 0;
  /// What is being watched, for the screen's header.
  virtual const std::string& name() const noexcept = 0;
};

/// Follows metrics files (or directories of *.jsonl) written by any tracker,
/// from their beginnings, through perftrack serve's tailer: rotation-safe, and
/// files that do not exist yet are waited for.
expected<std::unique_ptr<source>> file_source(const std::vector<std::filesystem::path>& paths);

/// Which families of a scrape hold the operations.
struct scrape_names {
  std::string histogram = "agent_operation_duration_seconds";
  std::string errors = "agent_operation_errors_total";  ///< empty: none
  std::string label = "operation";
};

/// Scrapes `url` (an exporter's /metrics: perftrack serve, or any program
/// exporting a duration histogram per operation) with libcurl.
std::unique_ptr<source> url_source(std::string url, scrape_names names = {});

/// The operations in a scrape: `names.histogram`'s buckets by `names.label`
/// (series that differ in other labels are added together) and the errors
/// counter's values. An error when the histogram family is absent.
expected<reading> reading_from_samples(const std::vector<exposition::sample>& samples,
                                       const scrape_names& names);

}  // namespace perftrack::top
