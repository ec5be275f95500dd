#include "perftrack/stats/percentile.hpp"

#include <algorithm>
#include <cmath>

namespace perftrack::stats {

std::size_t nearest_rank(std::size_t n, double q) noexcept {
  // Work in millionths so that decimal quantiles (0.95, 0.999) are exact.
  constexpr long double scale = 1e6L;
  const auto q_millionths = static_cast<unsigned long long>(std::llround(q * 1e6));
  const unsigned long long numerator = q_millionths * n;
  auto rank = static_cast<std::size_t>((numerator + static_cast<unsigned long long>(scale) - 1) /
                                       static_cast<unsigned long long>(scale));
  return std::clamp<std::size_t>(rank, 1, n);
}

double percentile_sorted(std::span<const double> sorted, double q,
                         percentile_method method) noexcept {
  const std::size_t n = sorted.size();
  if (method == percentile_method::nearest_rank) return sorted[nearest_rank(n, q) - 1];
  const double h = static_cast<double>(n - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= n) return sorted[n - 1];
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

void percentiles(std::span<double> values, std::span<const double> qs, percentile_method method,
                 std::span<double> out) noexcept {
  percentiles(values, qs, method, out, [](double v) { return v; });
}

double percentile(std::span<double> values, double q, percentile_method method) noexcept {
  double out = 0;
  percentiles(values, std::span<const double>(&q, 1), method, std::span<double>(&out, 1));
  return out;
}

double median(std::span<double> values) noexcept {
  const std::size_t mid = values.size() / 2;
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(mid);
  std::nth_element(values.begin(), nth, values.end());
  if (values.size() % 2 == 1) return *nth;
  return (*std::max_element(values.begin(), nth) + *nth) / 2;
}

double bucket_quantile(std::span<const double> bounds, std::span<const std::uint64_t> counts,
                       double q) noexcept {
  std::uint64_t total = 0;
  for (const auto c : counts) total += c;
  if (total == 0 || counts.size() != bounds.size() + 1) return std::nan("");
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
  double below = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    const auto here = static_cast<double>(counts[i]);
    if (here > 0 && below + here >= rank) {
      const double lower = i == 0 ? 0.0 : bounds[i - 1];
      return lower + (bounds[i] - lower) * (rank - below) / here;
    }
    below += here;
  }
  return bounds.empty() ? std::nan("") : bounds.back();
}

std::pair<double, double> median_interval(std::span<const double> sorted,
                                          double confidence) noexcept {
  const std::size_t n = sorted.size();
  const double alpha = (1 - confidence) / 2;
  const auto nn = static_cast<double>(n);
  std::size_t k = 1;
  double at_most_j = 0;  // P(B <= j), the binomial probabilities summed in log space
  for (std::size_t j = 0; j < n; ++j) {
    const auto jj = static_cast<double>(j);
    at_most_j += std::exp(std::lgamma(nn + 1) - std::lgamma(jj + 1) - std::lgamma(nn - jj + 1) +
                          nn * std::log(0.5));
    if (at_most_j > alpha) break;
    k = j + 1;  // P(B < k) = P(B <= j) <= alpha
  }
  k = std::min(k, (n + 1) / 2);
  return {sorted[k - 1], sorted[n - k]};
}

}  // namespace perftrack::stats
