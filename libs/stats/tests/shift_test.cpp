#include "perftrack/stats/shift.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace perftrack::stats {
namespace {

TEST(ShiftTest, MatchesAnIndependentComputation) {
  // numpy over the same 42 log ratios: exp(median), and the 7th smallest and
  // largest (k = floor(21 - 1.96 * sqrt(6 * 7 * 14 / 12)) = 7).
  const std::vector<double> base{10, 11, 12, 13, 9, 10.5};
  const std::vector<double> head{12, 13.5, 14, 15, 11, 12.2, 13};
  const auto r = hodges_lehmann_ratio(base, head);
  EXPECT_NEAR(r.estimate, 1.1908743922772957, 1e-12);
  EXPECT_NEAR(r.low, 1.0, 1e-12);
  EXPECT_NEAR(r.high, 1.4, 1e-12);
}

TEST(ShiftTest, AScaledSampleGivesItsScaleInsideTheInterval) {
  std::vector<double> base, head;
  for (int i = 1; i <= 30; ++i) {
    base.push_back(100 + i * 1.7);
    head.push_back(1.33 * (100 + i * 1.7));
  }
  const auto r = hodges_lehmann_ratio(base, head);
  EXPECT_NEAR(r.estimate, 1.33, 1e-12);
  EXPECT_LT(r.low, 1.33);
  EXPECT_GT(r.high, 1.33);
  EXPECT_GT(r.low, 1.2);  // 30 a side pins it down
  const auto same = hodges_lehmann_ratio(base, base);
  EXPECT_NEAR(same.estimate, 1.0, 1e-12);
}

TEST(ShiftTest, EmptyOrNonPositiveSamplesHaveNoEstimate) {
  const std::vector<double> some{1, 2}, none, zero{0, 1};
  EXPECT_TRUE(std::isnan(hodges_lehmann_ratio(none, some).estimate));
  EXPECT_TRUE(std::isnan(hodges_lehmann_ratio(some, zero).estimate));
  const auto tiny = hodges_lehmann_ratio(std::vector<double>{1}, std::vector<double>{2});
  EXPECT_DOUBLE_EQ(tiny.estimate, 2);  // one pair: the interval is that pair
  EXPECT_DOUBLE_EQ(tiny.low, 2);
  EXPECT_DOUBLE_EQ(tiny.high, 2);
}

}  // namespace
}  // namespace perftrack::stats
