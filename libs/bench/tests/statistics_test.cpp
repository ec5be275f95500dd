#include "perftrack/bench/statistics.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace perftrack::bench {
namespace {

TEST(StatisticsTest, MatchesHandComputedValues) {
  // 2 4 4 4 5 5 7 9: mean 5, sample variance 32/7, median 4.5;
  // numpy quartiles (linear): q1 at h=1.75 -> 4, q3 at h=5.25 -> 5.5.
  const std::vector<double> v{9, 4, 2, 4, 5, 7, 4, 5};
  const summary s = summarize(v);
  EXPECT_EQ(s.n, 8u);
  EXPECT_DOUBLE_EQ(s.min, 2);
  EXPECT_DOUBLE_EQ(s.max, 9);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_DOUBLE_EQ(s.median, 4.5);
  EXPECT_NEAR(s.stddev, 2.138089935299395, 1e-12);  // sqrt(32/7)
  EXPECT_NEAR(s.cv, 2.138089935299395 / 5, 1e-12);
  EXPECT_DOUBLE_EQ(s.q1, 4);
  EXPECT_DOUBLE_EQ(s.q3, 5.5);
  EXPECT_DOUBLE_EQ(s.iqr, 1.5);
  // Fences: mild beyond 1.5*1.5 = 2.25 (below 1.75, above 7.75), severe beyond 4.5
  // (below -0.5, above 10): 9 is mild; 2 is inside.
  EXPECT_EQ(s.mild_outliers, 1u);
  EXPECT_EQ(s.severe_outliers, 0u);
}

TEST(StatisticsTest, SevereOutliersAreCountedApart) {
  const std::vector<double> v{10, 10, 11, 11, 12, 12, 100};
  const summary s = summarize(v);  // q1 10.5, q3 12, iqr 1.5: 100 is far beyond 3 IQR
  EXPECT_EQ(s.severe_outliers, 1u);
  EXPECT_EQ(s.mild_outliers, 0u);
}

TEST(StatisticsTest, OneSampleAndNoSamples) {
  const std::vector<double> one{3};
  const summary s = summarize(one);
  EXPECT_EQ(s.n, 1u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
  EXPECT_EQ(summarize({}).n, 0u);
}

TEST(StatisticsTest, LatencyPercentilesAreNearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  const auto p = latency_summary(v);
  EXPECT_DOUBLE_EQ(p.p50, 500);
  EXPECT_DOUBLE_EQ(p.p90, 900);
  EXPECT_DOUBLE_EQ(p.p95, 950);
  EXPECT_DOUBLE_EQ(p.p99, 990);
  EXPECT_DOUBLE_EQ(p.p999, 999);
}

}  // namespace
}  // namespace perftrack::bench
