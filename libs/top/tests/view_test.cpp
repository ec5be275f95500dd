#include "perftrack/top/view.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace perftrack::top {
namespace {

constexpr std::int64_t second = 1'000'000'000;

/// An operation with `fast` events in (0, 1 ms], `slow` in (1, 10 ms] and none above.
operation_totals totals(std::uint64_t fast, std::uint64_t slow, std::uint64_t errors = 0) {
  return {.bounds = {0.001, 0.010}, .buckets = {fast, slow, 0}, .errors = errors};
}

TEST(ViewTest, TheFirstReadingIsTheStartingPoint) {
  view v;
  v.add(0, {{"claim", totals(1000, 0)}});
  const auto rows = v.rows(sort_key::p99);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].total, 1000u);
  EXPECT_EQ(rows[0].rate, 0);
  EXPECT_TRUE(std::isnan(rows[0].p99));  // nothing happened since the start
}

TEST(ViewTest, RatesAndWindowedPercentilesComeFromTheDifferences) {
  view v({.window = std::chrono::seconds(10)});
  v.add(0, {{"claim", totals(1000, 0)}});
  v.add(2 * second, {{"claim", totals(1100, 100, 4)}});
  auto rows = v.rows(sort_key::p99);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(rows[0].rate, 100.0);  // 200 events in 2 s
  EXPECT_DOUBLE_EQ(rows[0].error_rate, 2.0);
  EXPECT_EQ(rows[0].total, 1200u);
  EXPECT_DOUBLE_EQ(rows[0].p50, 0.001);                     // rank 100 of 200: the first's top
  EXPECT_DOUBLE_EQ(rows[0].p99, 0.001 + 0.009 * 98 / 100);  // rank 198: 98 of 100 in the second
  ASSERT_EQ(rows[0].trend.size(), 1u);
  // 11 s later the slow events have left the window; only the new fast ones count.
  v.add(13 * second, {{"claim", totals(1200, 100, 4)}});
  rows = v.rows(sort_key::p99);
  EXPECT_DOUBLE_EQ(rows[0].p99, 0.001 * 0.99);
  EXPECT_EQ(rows[0].trend.size(), 2u);
}

TEST(ViewTest, ACounterThatGoesDownIsAResetNotANegativeRate) {
  view v;
  v.add(0, {{"claim", totals(1000, 10)}});
  v.add(second, {{"claim", totals(5, 0)}});  // the exporter restarted
  const auto rows = v.rows(sort_key::rate);
  EXPECT_DOUBLE_EQ(rows[0].rate, 5.0);
  EXPECT_EQ(rows[0].total, 5u);
}

TEST(ViewTest, AnOperationThatAppearsLaterCountsEverythingItHas) {
  view v;
  v.add(0, {{"claim", totals(10, 0)}});
  v.add(second, {{"claim", totals(10, 0)}, {"elect", totals(0, 3)}});
  v.add(2 * second, {{"elect", totals(0, 3)}});  // claim is gone from this reading
  const auto rows = v.rows(sort_key::name);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].operation, "claim");
  EXPECT_EQ(rows[0].rate, 0);
  EXPECT_EQ(rows[1].operation, "elect");
  EXPECT_EQ(rows[1].total, 3u);
  EXPECT_GT(rows[1].p99, 0.001);  // its 3 events are still in the window
}

TEST(ViewTest, SortsLargestFirstAndQuietOperationsLast) {
  view v;
  v.add(0, {{"a", totals(0, 0)}, {"b", totals(0, 0)}, {"c", totals(0, 0)}});
  v.add(second, {{"a", totals(100, 0)}, {"b", totals(1, 5, 3)}, {"c", totals(0, 0)}});
  const auto by_p99 = v.rows(sort_key::p99);
  EXPECT_EQ(by_p99[0].operation, "b");
  EXPECT_EQ(by_p99[1].operation, "a");
  EXPECT_EQ(by_p99[2].operation, "c");
  EXPECT_EQ(v.rows(sort_key::rate)[0].operation, "a");
  EXPECT_EQ(v.rows(sort_key::errors)[0].operation, "b");
  EXPECT_EQ(v.rows(sort_key::name)[0].operation, "a");
}

TEST(ViewTest, TheTrendKeepsTheConfiguredHistory) {
  view v({.history = 3});
  v.add(0, {{"a", totals(0, 0)}});
  for (std::uint64_t i = 1; i <= 5; ++i)
    v.add(static_cast<std::int64_t>(i) * second, {{"a", totals(i, 0)}});
  EXPECT_EQ(v.rows(sort_key::p99)[0].trend.size(), 3u);
}

}  // namespace
}  // namespace perftrack::top
