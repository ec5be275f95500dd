#pragma once

// Results files (docs/results-format.md), Google Benchmark's JSON, and targets.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/bench/environment.hpp"
#include "perftrack/bench/runner.hpp"

namespace perftrack::bench {

inline constexpr int results_schema_version = 1;

/// A floor from the performance plan: `benchmark`'s `statistic`, in `unit`, must
/// stay below or above a value.
struct target {
  std::string benchmark;
  std::string statistic = "median";  ///< median, mean, min, max, p50, p90, p95, p99, p99.9
  std::string unit;                  ///< ns, us, ms, s, B, KB, MB, or the result's own unit
  std::optional<double> below;
  std::optional<double> above;
  std::string description;
};

struct target_check {
  bench::target target;
  std::string status;   ///< pass, fail, missing (benchmark not run, failed or not comparable)
  double measured = 0;  ///< in the target's unit
};

/// Reads targets from TOML ([[target]] tables); `source` names it in errors.
expected<std::vector<target>> parse_targets(std::string_view toml, std::string_view source);
std::vector<target_check> check_targets(const std::vector<target>& targets,
                                        const std::vector<result>& results);

struct run_info {
  std::string perftrack_version;
  bool quick = false;
  int repetitions = 0;
  int processes = 1;              ///< the repetitions were spread over this many processes
  std::vector<warning> warnings;  ///< run-wide (build_warnings)
};

std::string results_json(const environment& env, const run_info& info,
                         const std::vector<result>& results,
                         const std::vector<target_check>& targets);
/// Google Benchmark's JSON: per-repetition "iteration" rows plus mean, median,
/// stddev and cv "aggregate" rows for each benchmark that ran.
std::string google_benchmark_json(const environment& env, const std::vector<result>& results);

/// A value with its unit scaled for reading: ns as ns/us/ms/s, bytes as
/// B/KB/MB, rates with k/M; "-" when not finite.
std::string show_value(double v, const std::string& unit);

/// The console's Markdown tables, one per category in the results' order:
/// median, cv, p95 (latency), instructions per unit of work (counted
/// benchmarks, the median of the counts) and the warnings' codes.
std::string results_tables(const std::vector<result>& results);

/// Side-by-side pairs of a run: `<x>_<ours>_<y>` next to `<x>_<theirs>_<y>`
/// (peers/ping_pong_perftrack_1t next to peers/ping_pong_caf_1t), under `title`.
struct side_by_side {
  std::string title;
  std::string ours, theirs;              ///< as the names have them
  std::string ours_label, theirs_label;  ///< as the table's columns say them
};

/// The pairs' Markdown table: each median and ours / theirs, above 1 when ours
/// is better whatever the direction; empty when no pair ran.
std::string ratio_table(const std::vector<result>& results, const side_by_side& pairs);

/// The targets' Markdown table: measured value and PASS, FAIL or MISSING.
std::string targets_table(const std::vector<target_check>& checks);

/// The console report of a run: a summary line, results_tables, each ratio
/// table, the targets, `after_targets` (the SLO baselines' table) and the
/// run's warnings.
std::string console_report(const environment& env, const run_info& info,
                           const std::vector<result>& results,
                           const std::vector<target_check>& checks,
                           const std::vector<side_by_side>& pairs,
                           std::string_view after_targets = {});

/// A value of `r` by statistic name, converted to `unit`; nothing when unknown.
std::optional<double> statistic_of(const result& r, std::string_view statistic,
                                   std::string_view unit);

}  // namespace perftrack::bench
