#include "perftrack/gate/statistics.hpp"

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "perftrack/stats/percentile.hpp"

namespace perftrack::gate {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr ratio_interval no_interval{nan, nan, nan, nan, nan};

/// Average ranks (1-based) of `values`, and the sizes of the tie groups.
struct ranking {
  std::vector<double> ranks;
  std::vector<double> tie_sizes;  ///< only groups of 2 or more
};

ranking rank(std::span<const double> values) {
  const std::size_t n = values.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t i, std::size_t j) { return values[i] < values[j]; });
  ranking r;
  r.ranks.resize(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && values[order[j]] == values[order[i]]) ++j;
    const double average = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) r.ranks[order[k]] = average;
    if (j - i > 1) r.tie_sizes.push_back(static_cast<double>(j - i));
    i = j;
  }
  return r;
}

/// P(U >= u) under the null for sample sizes m and n: counts of arrangements
/// by U from the recurrence c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u).
double mann_whitney_sf(std::size_t m, std::size_t n, std::size_t u) {
  if (m > n) std::swap(m, n);  // U's distribution is symmetric in the sizes
  const std::size_t max_u = m * n;
  // layer[i][v]: arrangements of i values of the smaller side among `cols` of the
  // larger one with U = v; grown one column of the larger side at a time.
  std::vector<std::vector<double>> layer(m + 1, std::vector<double>(max_u + 1, 0.0));
  for (std::size_t i = 0; i <= m; ++i) layer[i][0] = 1;  // zero columns: U = 0
  for (std::size_t cols = 1; cols <= n; ++cols) {
    // c(i, cols, v) = c(i - 1, cols, v - cols) + c(i, cols - 1, v); i ascending
    // reads the already updated c(i - 1, cols, .).
    for (std::size_t i = 1; i <= m; ++i) {
      for (std::size_t v = max_u + 1; v-- > 0;) {
        if (v >= cols) layer[i][v] += layer[i - 1][v - cols];
      }
    }
  }
  const auto& counts = layer[m];
  double total = 0, tail = 0;
  for (std::size_t v = 0; v <= max_u; ++v) {
    total += counts[v];
    if (v >= u) tail += counts[v];
  }
  return tail / total;
}

/// Counts of subsets of {1..n} by their sum: the exact null distribution of the
/// signed-rank statistic.
std::vector<double> signed_rank_counts(std::size_t n) {
  const std::size_t max_t = n * (n + 1) / 2;
  std::vector<double> c(max_t + 1, 0.0);
  c[0] = 1;
  for (std::size_t k = 1; k <= n; ++k) {
    for (std::size_t t = max_t + 1; t-- > k;) c[t] += c[t - k];
  }
  return c;
}

// xoshiro256** (Blackman and Vigna), seeded through splitmix64: fast, and the
// same stream on every machine.
class generator {
public:
  explicit generator(std::uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, n) by multiply-shift (Lemire); the bias is below 2^-50 for
  /// the sample sizes used here.
  std::uint32_t below(std::uint32_t n) noexcept {
    __extension__ using wide = unsigned __int128;
    return static_cast<std::uint32_t>((static_cast<wide>(next()) * n) >> 64);
  }

private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

/// Harrell-Davis weights for the median of n values: w[i] is the Beta((n+1)/2,
/// (n+1)/2) probability of [i/n, (i+1)/n], by composite Simpson integration
/// (the integrand is smooth: both shape parameters are at least 1). The density
/// is taken relative to its peak at 1/2, in logarithms, so it never underflows
/// (t(1-t))^(a-1) does for n beyond about 2,000; intervals more than 12 standard
/// deviations from 1/2 (weight below 1e-30) are left at zero, so large n cost
/// O(sqrt(n)) integrations.
std::vector<double> harrell_davis_weights(std::size_t n) {
  std::vector<double> w(n, 0.0);
  if (n == 1) {
    w[0] = 1;
    return w;
  }
  const double a = (static_cast<double>(n) + 1) / 2;
  const auto density = [a](double t) {
    if (t <= 0 || t >= 1) return 0.0;
    return std::exp((a - 1) * (std::log(t) + std::log1p(-t) + std::log(4.0)));
  };
  const double sd = 0.5 / std::sqrt(2 * a + 1);
  const double nd = static_cast<double>(n);
  const auto first = static_cast<std::size_t>(std::max(0.0, std::floor((0.5 - 12 * sd) * nd)));
  const auto last = std::min(n, static_cast<std::size_t>(std::ceil((0.5 + 12 * sd) * nd)) + 1);
  constexpr int steps = 64;  // per interval, even
  const double h = 1.0 / nd / steps;
  double total = 0;
  for (std::size_t i = first; i < last; ++i) {
    const double lo = static_cast<double>(i) / nd;
    double sum = density(lo) + density(lo + steps * h);
    for (int k = 1; k < steps; ++k) sum += density(lo + k * h) * (k % 2 ? 4 : 2);
    w[i] = sum * h / 3;
    total += w[i];
  }
  for (auto& x : w) x /= total;
  return w;
}

/// Draws from the exact bootstrap distribution of the sample median of
/// `sorted`: a resample's median is its m-th smallest value, which is at most
/// sorted[k] exactly when at least m of the n draws land at or below k, so
/// P(median <= sorted[k]) = P(Binomial(n, (k+1)/n) >= m). Used above
/// `resample_limit` values, where resampling itself would cost n per draw;
/// there the Harrell-Davis and sample medians differ by far less than their
/// spread. An even n's two middle values are drawn with one uniform (they move
/// together), and averaged.
class exact_median_draws {
public:
  explicit exact_median_draws(std::span<const double> sorted) : sorted_(sorted) {
    const std::size_t n = sorted.size();
    low_ = cdf(n, n / 2 + (n % 2));  // the m-th smallest, m = ceil(n/2)
    high_ = n % 2 ? low_ : cdf(n, n / 2 + 1);
  }
  double draw(generator& g) const {
    const double u = (static_cast<double>(g.next() >> 11) + 0.5) * 0x1.0p-53;
    return (at(low_, u) + at(high_, u)) / 2;
  }

private:
  struct table {
    std::size_t first = 0;
    std::vector<double> cdf;  ///< P(median <= sorted[first + j])
  };
  static table cdf(std::size_t n, std::size_t m) {
    const double nd = static_cast<double>(n);
    const double spread = 16 * std::sqrt(nd) / 2 + 2;  // 16 standard deviations of the index
    table t;
    t.first = static_cast<std::size_t>(std::max(0.0, std::floor(nd / 2 - spread)));
    const auto last = std::min(n, static_cast<std::size_t>(std::ceil(nd / 2 + spread)));
    for (std::size_t k = t.first; k < last; ++k) {
      const double p = static_cast<double>(k + 1) / nd;
      t.cdf.push_back(
          p >= 1 ? 1.0
                 : boost::math::ibeta(static_cast<double>(m), static_cast<double>(n - m + 1), p));
    }
    return t;
  }
  double at(const table& t, double u) const {
    const auto it = std::lower_bound(t.cdf.begin(), t.cdf.end(), u);
    const auto j =
        std::min<std::size_t>(static_cast<std::size_t>(it - t.cdf.begin()), t.cdf.size() - 1);
    return sorted_[t.first + j];
  }
  std::span<const double> sorted_;
  table low_, high_;
};

/// The Harrell-Davis median of resamples of `sorted`, without sorting: counts
/// how often each position was drawn; the resample's order statistics are then
/// runs of equal values, each weighted by the sum of its positions' weights.
class resampled_median {
public:
  explicit resampled_median(std::span<const double> sorted)
      : sorted_(sorted), counts_(sorted.size()), cumulative_(sorted.size() + 1, 0.0) {
    const auto w = harrell_davis_weights(sorted.size());
    for (std::size_t i = 0; i < w.size(); ++i) cumulative_[i + 1] = cumulative_[i] + w[i];
  }

  double draw(generator& g) {
    const auto n = static_cast<std::uint32_t>(sorted_.size());
    std::fill(counts_.begin(), counts_.end(), 0u);
    // Two draws per 64 random bits: each 32-bit half scaled to [0, n) by
    // multiply-shift (bias below n / 2^32).
    std::uint32_t i = 0;
    for (; i + 1 < n; i += 2) {
      const std::uint64_t r = g.next();
      ++counts_[((r & 0xffffffffu) * n) >> 32];
      ++counts_[((r >> 32) * n) >> 32];
    }
    if (i < n) ++counts_[g.below(n)];
    // Branch-free (an undrawn value adds 0), two sums to halve the add chain.
    double even = 0, odd = 0;
    std::uint32_t at = 0;
    std::uint32_t k = 0;
    for (; k + 1 < n; k += 2) {
      const std::uint32_t mid = at + counts_[k];
      even += sorted_[k] * (cumulative_[mid] - cumulative_[at]);
      at = mid + counts_[k + 1];
      odd += sorted_[k + 1] * (cumulative_[at] - cumulative_[mid]);
    }
    if (k < n) even += sorted_[k] * (cumulative_[at + counts_[k]] - cumulative_[at]);
    return even + odd;
  }

private:
  std::span<const double> sorted_;
  std::vector<std::uint32_t> counts_;
  std::vector<double> cumulative_;  ///< cumulative_[k]: weight of the first k positions
};

/// numpy.percentile's default (linear interpolation between order statistics).
double percentile(std::vector<double>& v, double q) {
  return stats::percentile(v, q, stats::percentile_method::linear);
}

}  // namespace

double harrell_davis_median(std::span<const double> values) {
  if (values.empty()) return nan;
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  const auto w = harrell_davis_weights(v.size());
  double sum = 0;
  for (std::size_t i = 0; i < v.size(); ++i) sum += w[i] * v[i];
  return sum;
}

double median(std::span<const double> values) {
  if (values.empty()) return nan;
  std::vector<double> v(values.begin(), values.end());
  return stats::median(v);
}

double coefficient_of_variation(std::span<const double> values) {
  if (values.size() < 2) return 0;
  const double n = static_cast<double>(values.size());
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double ss = 0;
  for (const double v : values) ss += (v - mean) * (v - mean);
  if (mean == 0) return 0;
  return std::sqrt(ss / (n - 1)) / std::fabs(mean);
}

std::uint64_t seed_for(std::string_view name) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

rank_test mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  const std::size_t n1 = a.size(), n2 = b.size();
  if (n1 == 0 || n2 == 0) return {};
  std::vector<double> all(a.begin(), a.end());
  all.insert(all.end(), b.begin(), b.end());
  const auto r = rank(all);
  const double r1 =
      std::accumulate(r.ranks.begin(), r.ranks.begin() + static_cast<std::ptrdiff_t>(n1), 0.0);
  const double u1 = r1 - static_cast<double>(n1 * (n1 + 1)) / 2;
  const double u2 = static_cast<double>(n1 * n2) - u1;
  const double u = std::max(u1, u2);

  rank_test out{u1, 1, false};
  if ((n1 <= 8 || n2 <= 8) && r.tie_sizes.empty()) {
    out.exact = true;
    out.p_value = std::min(1.0, 2 * mann_whitney_sf(n1, n2, static_cast<std::size_t>(u)));
    return out;
  }
  const double n = static_cast<double>(n1 + n2);
  double ties = 0;
  for (const double t : r.tie_sizes) ties += t * t * t - t;
  const double s = std::sqrt(static_cast<double>(n1 * n2) / 12 * ((n + 1) - ties / (n * (n - 1))));
  if (s == 0) return out;  // every value equal: no evidence either way
  const double z = (u - static_cast<double>(n1 * n2) / 2 - 0.5) / s;
  out.p_value = std::clamp(2 * normal_sf(z), 0.0, 1.0);
  return out;
}

rank_test wilcoxon_signed_rank(std::span<const double> a, std::span<const double> b) {
  std::vector<double> d;
  const std::size_t pairs = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < pairs; ++i) {
    if (a[i] != b[i]) d.push_back(a[i] - b[i]);
  }
  if (d.empty()) return {};
  std::vector<double> magnitude(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) magnitude[i] = std::fabs(d[i]);
  const auto r = rank(magnitude);
  double r_plus = 0, r_minus = 0;
  for (std::size_t i = 0; i < d.size(); ++i) (d[i] > 0 ? r_plus : r_minus) += r.ranks[i];
  const double t = std::min(r_plus, r_minus);
  const std::size_t count = d.size();
  rank_test out{t, 1, false};
  const bool had_zeros = d.size() < pairs;
  if (count <= 50 && r.tie_sizes.empty() && !had_zeros) {
    out.exact = true;
    const auto counts = signed_rank_counts(count);
    const double total = std::ldexp(1.0, static_cast<int>(count));
    double tail = 0;
    for (std::size_t v = 0; v <= static_cast<std::size_t>(t); ++v) tail += counts[v];
    out.p_value = std::min(1.0, 2 * tail / total);  // the distribution is symmetric
    return out;
  }
  const double n = static_cast<double>(count);
  double se = n * (n + 1) * (2 * n + 1);
  for (const double k : r.tie_sizes) se -= 0.5 * k * (k * k - 1);
  se = std::sqrt(se / 24);
  if (se == 0) return out;
  const double z = (t - n * (n + 1) / 4) / se;
  out.p_value = std::clamp(2 * normal_sf(std::fabs(z)), 0.0, 1.0);
  return out;
}

namespace {

/// A side's bootstrap medians: resampled Harrell-Davis medians up to
/// resample_limit values, the exact distribution of the sample median above.
class median_draws {
public:
  explicit median_draws(std::span<const double> sorted) {
    if (sorted.size() <= resample_limit) {
      resampled_.emplace(sorted);
    } else {
      exact_.emplace(sorted);
    }
  }
  double draw(generator& g) { return resampled_ ? resampled_->draw(g) : exact_->draw(g); }

private:
  std::optional<resampled_median> resampled_;
  std::optional<exact_median_draws> exact_;
};

/// The percentile interval of `ratios` (reordered), with `estimate`; an
/// interval that is not finite (a zero median) is NaN, never a number.
ratio_interval percentile_interval(double estimate, std::vector<double>& ratios,
                                   double confidence) {
  const double alpha = (1 - confidence) / 2;
  ratio_interval out{estimate, percentile(ratios, alpha), percentile(ratios, 1 - alpha),
                     percentile(ratios, 1 - confidence), percentile(ratios, confidence)};
  const double all[] = {out.estimate, out.low, out.high, out.above, out.below};
  if (!std::all_of(std::begin(all), std::end(all), [](double v) { return std::isfinite(v); }))
    return no_interval;
  return out;
}

}  // namespace

ratio_interval bootstrap_median_ratio(std::span<const double> baseline,
                                      std::span<const double> current, std::uint64_t seed,
                                      int resamples, double confidence) {
  if (baseline.empty() || current.empty()) return no_interval;
  const double estimate = harrell_davis_median(current) / harrell_davis_median(baseline) - 1;
  std::vector<double> base(baseline.begin(), baseline.end());
  std::vector<double> cur(current.begin(), current.end());
  std::sort(base.begin(), base.end());
  std::sort(cur.begin(), cur.end());
  median_draws mb(base), mc(cur);
  generator g(seed);
  std::vector<double> ratios(static_cast<std::size_t>(std::max(resamples, 1)));
  for (auto& r : ratios) {
    const double b = mb.draw(g);
    r = mc.draw(g) / b - 1;
  }
  return percentile_interval(estimate, ratios, confidence);
}

ratio_interval paired_bootstrap_median_ratio(std::span<const double> baseline,
                                             std::span<const double> current, std::uint64_t seed,
                                             int resamples, double confidence) {
  const std::size_t n = std::min(baseline.size(), current.size());
  if (n == 0) return no_interval;
  baseline = baseline.first(n);
  current = current.first(n);
  // Resampling pairs costs n per draw; beyond resample_limit the unpaired
  // interval (never narrower: pairing only removes shared variation) is used.
  if (n > resample_limit)
    return bootstrap_median_ratio(baseline, current, seed, resamples, confidence);
  const double estimate = harrell_davis_median(current) / harrell_davis_median(baseline) - 1;
  // Each side's values in sorted order, remembering which pair each came from:
  // a resample draws pairs, and each side walks its own order.
  const auto sorted_order = [n](std::span<const double> v) {
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](auto i, auto j) { return v[i] < v[j]; });
    return order;
  };
  const auto order_b = sorted_order(baseline), order_c = sorted_order(current);
  const auto w = harrell_davis_weights(n);
  std::vector<double> cumulative(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) cumulative[i + 1] = cumulative[i] + w[i];
  const auto weigh = [&](std::span<const double> v, const std::vector<std::uint32_t>& order,
                         const std::vector<std::uint32_t>& counts) {
    double sum = 0;
    std::uint32_t at = 0;
    for (const auto i : order) {
      sum += v[i] * (cumulative[at + counts[i]] - cumulative[at]);
      at += counts[i];
    }
    return sum;
  };
  generator g(seed);
  std::vector<std::uint32_t> counts(n);
  std::vector<double> ratios(static_cast<std::size_t>(std::max(resamples, 1)));
  for (auto& r : ratios) {
    std::fill(counts.begin(), counts.end(), 0u);
    for (std::size_t i = 0; i < n; ++i) ++counts[g.below(static_cast<std::uint32_t>(n))];
    r = weigh(current, order_c, counts) / weigh(baseline, order_b, counts) - 1;
  }
  return percentile_interval(estimate, ratios, confidence);
}

std::vector<double> benjamini_hochberg(std::span<const double> p_values) {
  const std::size_t m = p_values.size();
  std::vector<double> q(m, 1.0);
  if (m == 0) return q;
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  const auto p = [&](std::size_t i) { return std::isnan(p_values[i]) ? 1.0 : p_values[i]; };
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return p(i) < p(j); });
  double running = 1.0;
  for (std::size_t k = m; k-- > 0;) {
    const std::size_t i = order[k];
    running = std::min(running, p(i) * static_cast<double>(m) / static_cast<double>(k + 1));
    q[i] = std::min(running, 1.0);
  }
  return q;
}

double fisher_exact(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d) {
  if (a < 0 || b < 0 || c < 0 || d < 0) return nan;
  const std::int64_t row1 = a + b, row2 = c + d, col1 = a + c, n = row1 + row2;
  if (row1 == 0 || row2 == 0 || col1 == 0 || col1 == n) return 1.0;
  const auto lchoose = [](std::int64_t k_n, std::int64_t k) {
    return std::lgamma(static_cast<double>(k_n + 1)) - std::lgamma(static_cast<double>(k + 1)) -
           std::lgamma(static_cast<double>(k_n - k + 1));
  };
  const double denominator = lchoose(n, col1);
  const auto log_pmf = [&](std::int64_t x) {
    return lchoose(row1, x) + lchoose(row2, col1 - x) - denominator;
  };
  const double observed = log_pmf(a);
  double p = 0;
  for (std::int64_t x = std::max<std::int64_t>(0, col1 - row2); x <= std::min(row1, col1); ++x) {
    const double lp = log_pmf(x);
    if (lp <= observed + 1e-7) p += std::exp(lp);  // relative tolerance, as SciPy
  }
  return std::min(p, 1.0);
}

double normal_sf(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

// By bisection on erfc: a few calls per comparison, so simplicity wins over a
// rational approximation.
double normal_quantile(double p) {
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (1 - normal_sf(mid) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace perftrack::gate
