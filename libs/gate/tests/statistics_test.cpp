// Statistics checked against hand-computed values and textbook examples; the
// comparison with SciPy on more data sets is tests/scipy_reference.py.

#include "perftrack/gate/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace perftrack::gate {
namespace {

TEST(StatisticsTest, MannWhitneyExactForSmallSamplesWithoutTies) {
  // {1,2,3} vs {4,5,6}: U = 0; of the C(6,3) = 20 orderings one gives U = 9
  // (and one U = 0): two-sided p = 2/20.
  const std::vector<double> a{1, 2, 3}, b{4, 5, 6};
  const auto t = mann_whitney_u(a, b);
  EXPECT_TRUE(t.exact);
  EXPECT_DOUBLE_EQ(t.statistic, 0);
  EXPECT_DOUBLE_EQ(t.p_value, 0.1);
  // Interleaved: U = 4.5 is not possible without ties; {1,3,5} vs {2,4,6}: U1 = 3,
  // Umax = 6, P(U >= 6) = 7/20 for sizes 3 and 3 -> p = 0.7.
  const std::vector<double> c{1, 3, 5}, d{2, 4, 6};
  EXPECT_DOUBLE_EQ(mann_whitney_u(c, d).p_value, 0.7);
}

TEST(StatisticsTest, MannWhitneyNormalApproximationWithTies) {
  // n1 = n2 = 10 with ties: the normal approximation with tie and continuity
  // corrections. By hand: a's rank sum is 69, so U1 = 69 - 55 = 14, U2 = 86.
  const std::vector<double> a{1, 2, 2, 3, 4, 5, 5, 6, 7, 8}, b{4, 5, 6, 7, 8, 9, 9, 10, 11, 12};
  const auto t = mann_whitney_u(a, b);
  EXPECT_FALSE(t.exact);
  EXPECT_DOUBLE_EQ(t.statistic, 14);
  // mu = 50; ties: groups of 2 (2, 4, 6, 7, 8, 9) and 3 (5): sum t^3 - t = 6*6 + 24 = 60;
  // s = sqrt(100/12 * (21 - 60/380)); z = (86 - 50 - 0.5) / s.
  const double s = std::sqrt(100.0 / 12 * (21 - 60.0 / 380));
  const double z = 35.5 / s;
  EXPECT_NEAR(t.p_value, std::erfc(z / std::sqrt(2.0)), 1e-12);
}

TEST(StatisticsTest, WilcoxonSignedRankExactAndApproximate) {
  // Differences 1..6 with one negative (-2): r- = 2, r+ = 19, T = 2. Subsets of
  // {1..6} with sum <= 2: {}, {1}, {2} -> 3 of 64; p = 6/64.
  const std::vector<double> a{11, 10, 13, 14, 15, 16}, b{10, 12, 10, 10, 10, 10};
  const auto t = wilcoxon_signed_rank(a, b);
  EXPECT_TRUE(t.exact);
  EXPECT_DOUBLE_EQ(t.statistic, 2);
  EXPECT_DOUBLE_EQ(t.p_value, 6.0 / 64);
  // A zero difference is dropped and forces the approximation.
  std::vector<double> a2 = a, b2 = b;
  a2.push_back(5);
  b2.push_back(5);
  const auto u = wilcoxon_signed_rank(a2, b2);
  EXPECT_FALSE(u.exact);
  const double z = (2 - 6 * 7 / 4.0) / std::sqrt(6 * 7 * 13 / 24.0);
  EXPECT_NEAR(u.p_value, std::erfc(std::fabs(z) / std::sqrt(2.0)), 1e-12);
}

TEST(StatisticsTest, BenjaminiHochbergByHand) {
  const std::vector<double> p{0.01, 0.04, 0.03, 0.005};
  const auto q = benjamini_hochberg(p);
  ASSERT_EQ(q.size(), 4u);
  EXPECT_DOUBLE_EQ(q[0], 0.02);
  EXPECT_DOUBLE_EQ(q[1], 0.04);
  EXPECT_DOUBLE_EQ(q[2], 0.04);
  EXPECT_DOUBLE_EQ(q[3], 0.02);
  EXPECT_TRUE(benjamini_hochberg({}).empty());
}

TEST(StatisticsTest, FisherExactTextbookTable) {
  // [[8, 2], [1, 5]]: SciPy's fisher_exact gives 0.034965034965...
  EXPECT_NEAR(fisher_exact(8, 2, 1, 5), 0.03496503496503495, 1e-12);
  EXPECT_DOUBLE_EQ(fisher_exact(5, 5, 5, 5), 1.0);
  EXPECT_DOUBLE_EQ(fisher_exact(0, 10, 0, 10), 1.0);
}

TEST(StatisticsTest, BootstrapIsReproducibleAndCoversTheChange) {
  std::vector<double> base, cur;
  for (int i = 0; i < 20; ++i) {
    base.push_back(100 + (i % 5));
    cur.push_back(120 + (i % 5) * 1.2);
  }
  const auto a = bootstrap_median_ratio(base, cur, 42);
  const auto b = bootstrap_median_ratio(base, cur, 42);
  EXPECT_EQ(a.low, b.low);  // bit for bit
  EXPECT_EQ(a.high, b.high);
  EXPECT_NEAR(a.estimate, 122.4 / 102 - 1, 1e-12);
  EXPECT_LE(a.low, a.estimate);
  EXPECT_GE(a.high, a.estimate);
  EXPECT_GT(a.low, 0.15);
  EXPECT_LT(a.high, 0.25);
  const auto other_seed = bootstrap_median_ratio(base, cur, 43);
  EXPECT_NEAR(other_seed.low, a.low, 0.02);
}

TEST(StatisticsTest, EveryEstimateIsFiniteFromTwoToAMillionSamples) {
  // The Harrell-Davis weights underflowed to 0/0 beyond about 2,000 values;
  // above resample_limit the medians' bootstrap is drawn exactly. A 33%
  // slowdown must be seen at every size.
  std::mt19937_64 g(11);
  std::lognormal_distribution<double> latency(4.6, 0.3);
  for (const std::size_t n : {2ul, 5ul, 50ul, 2'000ul, 2'001ul, 100'000ul, 1'000'000ul}) {
    std::vector<double> base(n), cur(n);
    for (auto& v : base) v = latency(g);
    for (auto& v : cur) v = latency(g) * 1.33;
    const auto ci = bootstrap_median_ratio(base, cur, 5, n > 100'000 ? 1'000 : 10'000);
    SCOPED_TRACE(n);
    ASSERT_TRUE(std::isfinite(ci.estimate) && std::isfinite(ci.low) && std::isfinite(ci.high));
    EXPECT_LE(ci.low, ci.estimate);
    EXPECT_GE(ci.high, ci.estimate);
    if (n >= 50) EXPECT_GT(ci.low, 0.05);
    if (n >= 2'000) {
      EXPECT_GT(ci.low, 0.25);
      EXPECT_LT(ci.high, 0.42);
    }
    const double hd = harrell_davis_median(base);
    EXPECT_TRUE(std::isfinite(hd));
    EXPECT_NEAR(hd / median(base), 1, n >= 2'000 ? 0.01 : 0.5);
    const auto paired = paired_bootstrap_median_ratio(base, cur, 5, 1'000);
    EXPECT_TRUE(std::isfinite(paired.low) && std::isfinite(paired.high));
  }
}

TEST(StatisticsTest, AZeroMedianGivesNoIntervalRatherThanInfinity) {
  const std::vector<double> zeros(10, 0.0), ones(10, 1.0);
  const auto ci = bootstrap_median_ratio(zeros, ones, 1);
  EXPECT_TRUE(std::isnan(ci.estimate));
  EXPECT_TRUE(std::isnan(ci.low));
  EXPECT_TRUE(std::isnan(ci.high));
}

TEST(StatisticsTest, PairedBootstrapCancelsWhatThePairsShare) {
  // Each pair shares a large run effect (the machine's state); the current side
  // is 5% slower within every pair. Unpaired, the run effects swamp the change;
  // paired, the interval is tight around +5%.
  std::vector<double> base, cur;
  for (int i = 0; i < 20; ++i) {
    const double machine = 1000 * (1 + 0.3 * ((i * 7) % 10) / 10.0);
    base.push_back(machine * (1 + 0.002 * (i % 3)));
    cur.push_back(machine * 1.05 * (1 + 0.002 * ((i + 1) % 3)));
  }
  const auto paired = paired_bootstrap_median_ratio(base, cur, 9);
  const auto unpaired = bootstrap_median_ratio(base, cur, 9);
  EXPECT_GT(paired.low, 0.03);
  EXPECT_LT(paired.high, 0.07);
  EXPECT_GT(unpaired.high - unpaired.low, 4 * (paired.high - paired.low));
  EXPECT_DOUBLE_EQ(paired.estimate, unpaired.estimate);
  EXPECT_EQ(paired_bootstrap_median_ratio(base, cur, 9).low, paired.low);  // reproducible
}

TEST(StatisticsTest, MedianAndCv) {
  EXPECT_DOUBLE_EQ(median(std::vector<double>{3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median(std::vector<double>{4, 1, 3, 2}), 2.5);
  EXPECT_TRUE(std::isnan(median(std::vector<double>{})));
  EXPECT_NEAR(coefficient_of_variation(std::vector<double>{9, 10, 11}), 0.1, 1e-12);
  EXPECT_EQ(seed_for("a"), seed_for("a"));
  EXPECT_NE(seed_for("a"), seed_for("b"));
}

}  // namespace
}  // namespace perftrack::gate
