#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/stats/percentile.hpp"

namespace perftrack::report {

/// Per-operation figures of one period. Durations in milliseconds.
struct operation_summary {
  std::string operation;
  std::uint64_t count = 0;
  std::uint64_t successes = 0;
  double avg_ms = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double min_ms = 0;
  double max_ms = 0;
  /// The same operation in the period of equal length just before; 0 if none.
  std::uint64_t previous_count = 0;
  double previous_avg_ms = 0;

  double success_rate() const noexcept {
    return count == 0 ? 0.0 : static_cast<double>(successes) / static_cast<double>(count);
  }
  double error_rate() const noexcept { return count == 0 ? 0.0 : 1.0 - success_rate(); }
};

struct slow_record {
  std::string operation;
  double duration_ms = 0;
  std::string timestamp;  ///< as written in the file
};

enum class degradation_rule {
  p95_outlier,   ///< p95 above a multiple of the period's average
  avg_increase,  ///< average up against the previous period of the same length
  error_rate,    ///< failed / count above a fraction
};

/// The name used in JSON output: "p95_outlier", "avg_increase", "error_rate".
std::string_view name(degradation_rule rule) noexcept;

struct degradation {
  std::string operation;
  degradation_rule rule = degradation_rule::p95_outlier;
  /// p95_outlier: p95/avg; avg_increase: avg/previous_avg - 1; error_rate: failed/count.
  double value = 0;
  double threshold = 0;
};

struct degradation_thresholds {
  double p95_over_avg = 2.0;    ///< p95 > 2x the average
  double avg_increase = 0.20;   ///< average up more than 20%
  double error_rate = 0.01;     ///< more than 1% failed
  std::uint64_t min_count = 1;  ///< operations with fewer records are not judged
};

struct trend_point {
  std::int64_t start_ns = 0;
  std::uint64_t count = 0;
  double p95_ms = 0;  ///< meaningless when count == 0
};

struct operation_trend {
  std::string operation;
  std::vector<trend_point> points;  ///< one per bucket, oldest first
};

/// A finished report: plain data, rendered by a renderer, never mutated by one.
struct period_report {
  std::string kind;           ///< "monthly", "weekly", "trends"
  std::int64_t since_ns = 0;  ///< window [since, until)
  std::int64_t until_ns = 0;
  std::int64_t generated_ns = 0;
  stats::percentile_method method = stats::percentile_method::nearest_rank;
  degradation_thresholds thresholds;
  std::vector<std::filesystem::path> files;

  std::uint64_t total = 0;
  std::uint64_t successful = 0;
  std::uint64_t failed = 0;
  std::uint64_t malformed_lines = 0;

  std::vector<operation_summary> operations;  ///< by count, descending, then name
  std::vector<slow_record> slowest;           ///< slowest first
  std::vector<degradation> degradations;
  std::size_t top = 10;  ///< rows in the slowest / frequent lists

  bool has_trends = false;
  std::int64_t trend_bucket_ns = 0;  ///< a day or a week
  std::vector<operation_trend> trends;

  double error_rate() const noexcept {
    return total == 0 ? 0.0 : static_cast<double>(failed) / static_cast<double>(total);
  }
};

}  // namespace perftrack::report
