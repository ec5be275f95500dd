#pragma once

#include <cstddef>
#include <span>

/// Summary statistics of a benchmark's samples (docs/results-format.md).
namespace perftrack::bench {

struct summary {
  std::size_t n = 0;
  double min = 0, max = 0, mean = 0, median = 0;
  double stddev = 0;               ///< sample standard deviation (n - 1)
  double cv = 0;                   ///< stddev / mean (0 when the mean is 0)
  double q1 = 0, q3 = 0, iqr = 0;  ///< quartiles by linear interpolation (numpy's default)
  /// Tukey's fences: mild outliers lie beyond 1.5 IQR from the quartiles (but
  /// within 3), severe ones beyond 3 IQR.
  std::size_t mild_outliers = 0, severe_outliers = 0;
};

/// Summarises `samples` (empty gives n = 0 and zeros).
summary summarize(std::span<const double> samples);

/// Latency percentiles (nearest rank, as in perftrack report).
struct latency_percentiles {
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0;
};
latency_percentiles latency_summary(std::span<const double> latencies);

}  // namespace perftrack::bench
