#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

/// The regression gate's statistics (docs/compare.md). Pure functions: no I/O,
/// no clocks, no global state; results are reproducible bit for bit.
namespace perftrack::gate {

/// P(Z > z) of the standard normal.
double normal_sf(double z);

/// The standard normal's quantile: the z with P(Z <= z) = p.
double normal_quantile(double p);

/// A two-sided rank test's result.
struct rank_test {
  double statistic = 0;  ///< U (of the first sample) or the signed-rank T
  double p_value = 1;
  bool exact = false;  ///< exact null distribution, else the normal approximation
};

/// Two-sided Mann-Whitney U test of `a` against `b`. Exact when a side has at
/// most 8 values and there are no ties; otherwise the normal approximation with
/// tie correction and continuity correction (SciPy's `mannwhitneyu`, method
/// "auto"). Needs both sides non-empty (p = 1 otherwise).
rank_test mann_whitney_u(std::span<const double> a, std::span<const double> b);

/// Two-sided Wilcoxon signed-rank test of the pairs (a[i], b[i]); zero
/// differences are dropped. Exact for at most 50 non-zero differences without
/// ties, else the normal approximation with tie correction (SciPy's `wilcoxon`,
/// zero_method "wilcox", no continuity correction). Needs a.size() == b.size().
rank_test wilcoxon_signed_rank(std::span<const double> a, std::span<const double> b);

/// Above this many values a side's bootstrap medians come from the exact
/// bootstrap distribution of its sample median (binomial order-statistic
/// probabilities) instead of resampling, which would cost n per draw.
inline constexpr std::size_t resample_limit = 2'000;

/// The ratio of medians minus one, median(current) / median(baseline) - 1, and
/// its bootstrap percentile interval: each side resampled with replacement
/// `resamples` times from a generator seeded with `seed`. Medians are
/// Harrell-Davis estimates (harrell_davis_median), whose bootstrap distribution
/// is smooth where the sample median's is lumpy at small n; a side larger than
/// resample_limit draws its sample median's exact bootstrap distribution.
/// `low` and `high` bound the two-sided interval at the confidence; the
/// one-sided bounds at the same confidence (the change is above `above`, and
/// below `below`, each with that confidence) are the narrower pair a question
/// with one side asks for: "can this be a critical regression?" (the
/// non-inferiority test, as TOST uses the 90% interval for a 5% test).
/// Any non-finite result (a zero median, an empty side) is all NaN.
struct ratio_interval {
  double estimate = 0;
  double low = 0;
  double high = 0;
  double above = 0;
  double below = 0;
};
ratio_interval bootstrap_median_ratio(std::span<const double> baseline,
                                      std::span<const double> current, std::uint64_t seed,
                                      int resamples = 10'000, double confidence = 0.95);

/// The same for paired samples (baseline[i] with current[i], e.g. interleaved
/// A/B runs): each resample draws pairs, so what the pairs share (the machine's
/// state at that moment) cancels out of the interval.
ratio_interval paired_bootstrap_median_ratio(std::span<const double> baseline,
                                             std::span<const double> current, std::uint64_t seed,
                                             int resamples = 10'000, double confidence = 0.95);

/// Benjamini-Hochberg adjusted p-values (q-values), in the input's order.
std::vector<double> benjamini_hochberg(std::span<const double> p_values);

/// Two-sided Fisher's exact test of the 2x2 table [[a, b], [c, d]], e.g.
/// failures and successes of the baseline and of the current run.
double fisher_exact(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d);

/// The Harrell-Davis estimate of the median: a weighted sum of all order
/// statistics (Beta((n+1)/2, (n+1)/2) weights); NaN when empty. As SciPy's
/// `scipy.stats.mstats.hdquantiles(x, 0.5)`.
double harrell_davis_median(std::span<const double> values);
/// Median (the mean of the middle two for an even count); NaN when empty.
double median(std::span<const double> values);
/// Coefficient of variation (sample stddev / mean); 0 for fewer than 2 values.
double coefficient_of_variation(std::span<const double> values);

/// A stable 64-bit seed for a name (FNV-1a), so each benchmark's bootstrap is
/// the same whatever else is in the comparison.
std::uint64_t seed_for(std::string_view name) noexcept;

}  // namespace perftrack::gate
