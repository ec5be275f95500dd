#pragma once

// What a history store does (SQLite in a file, or a PostgreSQL server shared by
// CI runners); history.cpp computes the rest (noise, change points) from it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "perftrack/gate/history.hpp"

namespace perftrack::gate {

/// One metric of a recorded run, summarized.
struct metric_summary {
  std::string benchmark, metric, unit;
  bool lower_is_better = true;
  std::int64_t n = 0;
  double median = 0, mean = 0, stddev = 0;
  std::string samples;  ///< a JSON array, or empty
};

struct run_header {
  std::int64_t recorded_ns = 0;
  std::string time, git_sha, branch, comparability, source, status;
};

struct history::impl {
  virtual ~impl() = default;
  /// Stores the run and its metrics atomically; the run's id.
  virtual expected<std::int64_t> record(const run_header& run,
                                        const std::vector<metric_summary>& metrics) = 0;
  virtual expected<std::vector<history_run>> runs(std::size_t limit) = 0;
  /// The latest `limit` medians of a metric, newest first, each with its
  /// stored samples (a JSON array; empty once pruned).
  virtual expected<std::vector<std::pair<trend_point, std::string>>> latest(
      std::string_view benchmark, std::string_view metric, std::size_t limit) = 0;
  /// (benchmark, metric, median) of runs with this key: by metric, newest first.
  virtual expected<std::vector<std::tuple<std::string, std::string, double>>> medians(
      std::string_view comparability) = 0;
  virtual expected<std::vector<std::pair<std::string, std::string>>> metric_names() = 0;
  /// Drops samples of runs recorded before `cutoff_ns`; how many runs are that old.
  virtual expected<std::int64_t> drop_samples_before(std::int64_t cutoff_ns) = 0;
};

expected<std::unique_ptr<history::impl>> open_sqlite_history(const std::string& file);
expected<std::unique_ptr<history::impl>> open_postgres_history(const std::string& url);

}  // namespace perftrack::gate
