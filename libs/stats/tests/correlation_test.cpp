#include "perftrack/stats/correlation.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace perftrack::stats {
namespace {

TEST(CorrelationTest, RanksAverageTies) {
  const double v[] = {10, 30, 20, 30};
  EXPECT_EQ(ranks(v), (std::vector<double>{1, 3.5, 2, 3.5}));
}

TEST(CorrelationTest, SpearmanAgreesWithScipy) {
  // scipy.stats.spearmanr on the same data (SciPy 1.10, Debian 12).
  const double a[] = {1, 2, 3, 4, 5}, b[] = {5, 6, 7, 8, 7};
  EXPECT_NEAR(spearman(a, b), 0.8207826816681233, 1e-12);
  const double c[] = {3, 1, 4, 1, 5, 9, 2, 6}, d[] = {2, 7, 1, 8, 2, 8, 1, 8};
  EXPECT_NEAR(spearman(c, d), 0.19885368120992467, 1e-12);
  const double up[] = {1, 5, 9}, down[] = {7, 3, 0};
  EXPECT_DOUBLE_EQ(spearman(up, down), -1);
  const double flat[] = {2, 2, 2};
  EXPECT_TRUE(std::isnan(spearman(up, flat)));
}

}  // namespace
}  // namespace perftrack::stats
