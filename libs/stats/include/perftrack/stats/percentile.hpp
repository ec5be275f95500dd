#pragma once

#include <cstddef>
#include <span>

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

}  // namespace perftrack::stats
