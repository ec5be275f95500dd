#include "perftrack/stats/percentile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace perftrack::stats {
namespace {

TEST(PercentileTest, NearestRankIsExactForDecimalQuantiles) {
  EXPECT_EQ(nearest_rank(100, 0.95), 95u);
  EXPECT_EQ(nearest_rank(100, 0.99), 99u);
  EXPECT_EQ(nearest_rank(1000, 0.999), 999u);
  EXPECT_EQ(nearest_rank(20, 0.95), 19u);
  EXPECT_EQ(nearest_rank(21, 0.95), 20u);  // ceil(19.95)
  EXPECT_EQ(nearest_rank(7, 0.0), 1u);
  EXPECT_EQ(nearest_rank(7, 1.0), 7u);
  EXPECT_EQ(nearest_rank(1, 0.5), 1u);
}

TEST(PercentileTest, LinearMatchesNumpy) {
  const std::vector<double> v{1, 2, 3, 4};
  // numpy.percentile([1,2,3,4], [50, 95, 99]) == [2.5, 3.85, 3.97]
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.50, percentile_method::linear), 2.5);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.95, percentile_method::linear), 3.85);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.99, percentile_method::linear), 3.97);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.95, percentile_method::nearest_rank), 4);
}

TEST(PercentileTest, SelectionAgreesWithSortingForBothMethods) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(1.0, 1.0);
  const double qs[] = {0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0};
  for (const std::size_t n : {1u, 2u, 3u, 10u, 101u, 5000u}) {
    std::vector<double> values(n);
    for (auto& x : values) x = std::round(dist(rng) * 1000) / 1000;  // ties happen
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (const auto method : {percentile_method::nearest_rank, percentile_method::linear}) {
      std::vector<double> work = values;
      double out[std::size(qs)];
      percentiles(work, qs, method, out);
      for (std::size_t k = 0; k < std::size(qs); ++k) {
        EXPECT_DOUBLE_EQ(out[k], percentile_sorted(sorted, qs[k], method))
            << "n=" << n << " q=" << qs[k];
      }
    }
  }
}

}  // namespace
}  // namespace perftrack::stats

namespace perftrack::stats {
namespace {

TEST(PercentileTest, MappedIntegersGiveTheSameResultAsTheirDoubles) {
  std::vector<std::uint32_t> micros{45123, 1, 999999, 30500, 12000, 8000, 250000};
  std::vector<double> ms;
  for (const auto u : micros) ms.push_back(u / 1000.0);
  const double qs[] = {0.5, 0.95, 0.99};
  for (const auto method : {percentile_method::nearest_rank, percentile_method::linear}) {
    double a[3];
    double b[3];
    auto work = micros;
    percentiles(std::span<std::uint32_t>(work), qs, method, a,
                [](std::uint32_t u) { return u / 1000.0; });
    auto dwork = ms;
    percentiles(dwork, qs, method, b);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(a[k], b[k]);
  }
}

TEST(BucketQuantileTest, InterpolatesWithinTheBucketLikePrometheus) {
  const std::vector<double> bounds{0.001, 0.002, 0.004};
  // 10 in (0, 1 ms], 10 in (1, 2 ms], none in (2, 4 ms], 5 over 4 ms.
  const std::vector<std::uint64_t> counts{10, 10, 0, 5};
  EXPECT_DOUBLE_EQ(bucket_quantile(bounds, counts, 0.2), 0.0005);  // rank 5 of 10 in the first
  EXPECT_DOUBLE_EQ(bucket_quantile(bounds, counts, 0.6), 0.0015);  // rank 15: 5 of 10 in the second
  EXPECT_DOUBLE_EQ(bucket_quantile(bounds, counts, 0.8), 0.002);   // rank 20: the second's top
  EXPECT_DOUBLE_EQ(bucket_quantile(bounds, counts, 0.99), 0.004);  // in +Inf: the greatest bound
  const std::vector<std::uint64_t> none{0, 0, 0, 0};
  EXPECT_TRUE(std::isnan(bucket_quantile(bounds, none, 0.5)));
}

TEST(MedianIntervalTest, OrderStatisticsOfTheBinomialTables) {
  std::vector<double> v(100);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i + 1);
  // The published 95% ranks: n = 8 -> (1, 8), n = 10 -> (2, 9), n = 100 -> (40, 61).
  EXPECT_EQ(median_interval(std::span<const double>(v.data(), 8)), std::make_pair(1.0, 8.0));
  EXPECT_EQ(median_interval(std::span<const double>(v.data(), 10)), std::make_pair(2.0, 9.0));
  EXPECT_EQ(median_interval(v), std::make_pair(40.0, 61.0));
  EXPECT_EQ(median_interval(std::span<const double>(v.data(), 3)), std::make_pair(1.0, 3.0));
  EXPECT_EQ(median_interval(std::span<const double>(v.data(), 1)), std::make_pair(1.0, 1.0));
}

}  // namespace
}  // namespace perftrack::stats
