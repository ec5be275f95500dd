#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

/// Exact percentiles. Pure: no I/O, no state.
namespace perftrack::stats {

enum class percentile_method {
  /// The ceil(q*N)-th smallest value (1-based; q = 0 gives the minimum).
  nearest_rank,
  /// Interpolates between the closest ranks at h = (N-1)*q: numpy's default,
  /// PostgreSQL's percentile_cont.
  linear,
};

/// The 1-based nearest rank ceil(q*N), computed without floating-point surprises
/// (0.95 * 100 is 95, not 96), clamped to [1, N]. Requires n > 0.
std::size_t nearest_rank(std::size_t n, double q) noexcept;

/// The q-quantile of ascending `sorted` (non-empty), q in [0, 1].
double percentile_sorted(std::span<const double> sorted, double q,
                         percentile_method method) noexcept;

/// Writes the quantiles `qs` (ascending, each in [0, 1]) of `values` (non-empty) to
/// `out` (same size as qs). Reorders `values`; O(N) per quantile by selection
/// rather than an O(N log N) sort.
void percentiles(std::span<double> values, std::span<const double> qs, percentile_method method,
                 std::span<double> out) noexcept;

/// The q-quantile of `values` (non-empty; reordered), q in [0, 1].
double percentile(std::span<double> values, double q, percentile_method method) noexcept;

/// The median of `values` (non-empty; reordered): the middle value, or the mean
/// of the two middle values of an even count.
double median(std::span<double> values) noexcept;

/// The distribution-free interval of the median of ascending `sorted`
/// (non-empty): the k-th smallest and k-th largest value, k the largest rank
/// with P(Binomial(n, 1/2) < k) <= (1 - confidence) / 2, or 1 (the extremes)
/// when n is too small for that confidence (n < 6 at 95%).
std::pair<double, double> median_interval(std::span<const double> sorted,
                                          double confidence = 0.95) noexcept;

/// The q-quantile of a histogram, estimated as Prometheus' histogram_quantile()
/// does: `counts` holds each bucket's own count (not cumulative), one per bound
/// of ascending `bounds` and a last one for +Inf; the rank q*total falls in a
/// bucket and is interpolated linearly between its bounds (the first bucket
/// starts at 0); a rank in the +Inf bucket gives the greatest bound. NaN when
/// the histogram is empty.
double bucket_quantile(std::span<const double> bounds, std::span<const std::uint64_t> counts,
                       double q) noexcept;

/// The same over values of any ordered type that `to_double` maps monotonically to
/// the values they stand for (e.g. whole microseconds to milliseconds); the
/// interpolation of `linear` happens on the mapped doubles.
template <class T, class ToDouble>
void percentiles(std::span<T> values, std::span<const double> qs, percentile_method method,
                 std::span<double> out, ToDouble to_double) noexcept {
  const std::size_t n = values.size();
  auto first = values.begin();  // everything before `first` is <= everything after
  for (std::size_t k = 0; k < qs.size(); ++k) {
    std::size_t lo;
    double frac = 0;
    if (method == percentile_method::nearest_rank) {
      lo = nearest_rank(n, qs[k]) - 1;
    } else {
      const double h = static_cast<double>(n - 1) * qs[k];
      lo = static_cast<std::size_t>(h);
      frac = h - static_cast<double>(lo);
    }
    const auto nth = values.begin() + static_cast<std::ptrdiff_t>(lo);
    if (nth >= first) {
      std::nth_element(first, nth, values.end());
      first = nth;
    }
    double v = to_double(*nth);
    if (frac > 0 && lo + 1 < n) {
      // The next rank is the smallest value above position lo.
      const double next = to_double(*std::min_element(nth + 1, values.end()));
      v += frac * (next - v);
    }
    out[k] = v;
  }
}

}  // namespace perftrack::stats
