#include "perftrack/bench/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "perftrack/stats/percentile.hpp"

namespace perftrack::bench {

summary summarize(std::span<const double> samples) {
  summary s;
  s.n = samples.size();
  if (s.n == 0) return s;
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  using stats::percentile_method;
  s.min = sorted.front();
  s.max = sorted.back();
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(s.n);
  s.median = stats::percentile_sorted(sorted, 0.5, percentile_method::linear);
  if (s.n > 1) {
    double ss = 0;
    for (double v : sorted) ss += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(s.n - 1));
  }
  s.cv = s.mean != 0 ? s.stddev / std::abs(s.mean) : 0;
  s.q1 = stats::percentile_sorted(sorted, 0.25, percentile_method::linear);
  s.q3 = stats::percentile_sorted(sorted, 0.75, percentile_method::linear);
  s.iqr = s.q3 - s.q1;
  for (double v : sorted) {
    const double below = s.q1 - v;
    const double above = v - s.q3;
    const double out = std::max(below, above);
    if (out > 3 * s.iqr) {
      ++s.severe_outliers;
    } else if (out > 1.5 * s.iqr) {
      ++s.mild_outliers;
    }
  }
  return s;
}

latency_percentiles latency_summary(std::span<const double> latencies) {
  latency_percentiles p;
  if (latencies.empty()) return p;
  std::vector<double> v(latencies.begin(), latencies.end());
  const double qs[] = {0.5, 0.9, 0.95, 0.99, 0.999};
  double out[5];
  stats::percentiles(std::span<double>(v), qs, stats::percentile_method::nearest_rank, out);
  p = {out[0], out[1], out[2], out[3], out[4]};
  return p;
}

}  // namespace perftrack::bench
