#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/gate/results.hpp"

namespace perftrack::gate {

struct history_run {
  std::int64_t id = 0;
  std::string time;  ///< when it was recorded (UTC, ISO-8601)
  std::string git_sha, branch;
  std::string comparability;
  std::string source;
  std::string status;  ///< the comparison's overall status
  std::size_t benchmarks = 0;
};

struct trend_point {
  std::int64_t run = 0;
  std::string time, git_sha;
  double median = 0;
  std::size_t n = 0;
  /// The 95% distribution-free interval of the median from the run's stored
  /// samples (stats::median_interval); NaN once they are pruned or for a
  /// summary-only metric.
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
};

/// A step in a benchmark's history: the median moved by `change` between two
/// consecutive runs, lastingly (change-point detection).
struct change_point {
  std::string benchmark, metric;
  trend_point before, after;
  double change = 0;  ///< median after the step / median before - 1
};

/// Every compared run (docs/compare.md): raw samples for `keep_samples` (90
/// days by default), summaries (median, mean, stddev, n) for good. In an SQLite
/// file, or on a PostgreSQL server that many CI runners share. One object per
/// thread.
class history {
public:
  /// Opens (creating) a history: a file path (SQLite) or a PostgreSQL URL
  /// (postgresql://...; tables perftrack_runs and perftrack_metrics are created
  /// on first use). A file that is not a history database is an error that says
  /// to move it aside; it is never overwritten.
  static expected<std::unique_ptr<history>> open(const std::string& location);
  ~history();
  history(const history&) = delete;
  history& operator=(const history&) = delete;

  /// Stores a run with every metric's samples, in one transaction.
  expected<std::int64_t> record(const result_set& run, std::string_view status,
                                std::int64_t now_ns);
  /// The latest runs, newest first.
  expected<std::vector<history_run>> runs(std::size_t limit);
  /// A metric's medians over the latest runs that have it, oldest first.
  expected<std::vector<trend_point>> trend(std::string_view benchmark, std::string_view metric,
                                           std::size_t limit);
  /// Every (benchmark, metric) the history holds.
  expected<std::vector<std::pair<std::string, std::string>>> metrics();
  /// A/A noise of each benchmark metric ("benchmark\tmetric"): the mean of
  /// |median_i / median_{i-1} - 1| over its latest `window` runs with the same
  /// comparability key; only metrics with at least 5 runs.
  expected<std::map<std::string, double>> noise(std::string_view comparability,
                                                std::size_t window = 20);
  /// Steps of at least `min_step` in any metric's median, each lasting at least
  /// `min_runs` runs on both sides (binary segmentation; a Mann-Whitney test
  /// between the sides at 0.01 keeps noise out).
  expected<std::vector<change_point>> changes(double min_step = 0.05, std::size_t min_runs = 3);
  /// Drops raw samples of runs older than `keep_samples` (summaries stay);
  /// returns how many runs lost their samples.
  expected<std::int64_t> prune(std::int64_t now_ns, std::chrono::seconds keep_samples);

  struct impl;

private:
  explicit history(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace perftrack::gate
