// The run history on each backend (history_location.hpp): recording, trends,
// A/A noise, change points, pruning. SQLite only: a damaged database file.

#include "perftrack/gate/history.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "history_location.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::gate {
namespace {

constexpr std::int64_t day_ns = 86'400'000'000'000;

result_set run_with(double center, std::mt19937_64& g, const std::string& sha) {
  std::normal_distribution<double> noise(0, 0.01);
  metric m{.name = "latency", .unit = "ns"};
  for (int i = 0; i < 10; ++i) m.samples.push_back(center * (1 + noise(g)));
  result_set r;
  r.git_sha = sha;
  r.comparability["cpu"] = "test";
  r.benchmarks.push_back({.name = "db/insert", .category = "db", .metrics = {m}});
  return r;
}

class HistoryTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto where = testing::fresh_history(dir_.path());
    if (where.location.empty()) {
      if (where.required) FAIL() << where.reason;
      GTEST_SKIP() << where.reason;
    }
    location_ = where.location;
  }
  void TearDown() override {
    if (!location_.empty()) testing::drop_history(location_);
  }
  perftrack::testing::temp_dir dir_;
  std::string location_;
};

TEST_F(HistoryTest, RecordsTrendsNoiseAndChangePoints) {
  auto h = history::open(location_);
  ASSERT_TRUE(h) << h.error().message;
  std::mt19937_64 g(5);
  // 8 runs around 1000, then a lasting 8% step up from run 9 on.
  for (int i = 0; i < 16; ++i) {
    auto id = (*h)->record(run_with(i < 8 ? 1000 : 1080, g, "sha" + std::to_string(i)), "pass",
                           (i + 1) * day_ns);
    ASSERT_TRUE(id) << id.error().message;
  }
  auto runs = (*h)->runs(5);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 5u);
  EXPECT_EQ(runs->front().git_sha, "sha15");  // newest first
  EXPECT_EQ(runs->front().benchmarks, 1u);

  auto trend = (*h)->trend("db/insert", "latency", 100);
  ASSERT_TRUE(trend);
  ASSERT_EQ(trend->size(), 16u);
  EXPECT_NEAR(trend->front().median, 1000, 15);
  EXPECT_NEAR(trend->back().median, 1080, 15);

  auto noise = (*h)->noise("cpu=test");
  ASSERT_TRUE(noise);
  ASSERT_EQ(noise->count("db/insert\tlatency"), 1u);
  EXPECT_LT(noise->at("db/insert\tlatency"), 0.02);  // run-to-run, not the step
  EXPECT_TRUE((*h)->noise("cpu=other")->empty());

  auto changes = (*h)->changes();
  ASSERT_TRUE(changes) << changes.error().message;
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->front().before.git_sha, "sha7");
  EXPECT_EQ(changes->front().after.git_sha, "sha8");
  EXPECT_NEAR(changes->front().change, 0.08, 0.02);
}

TEST_F(HistoryTest, PruneKeepsSummaries) {
  auto h = history::open(location_);
  ASSERT_TRUE(h) << h.error().message;
  std::mt19937_64 g(6);
  ASSERT_TRUE((*h)->record(run_with(1000, g, "old"), "pass", 1 * day_ns));
  ASSERT_TRUE((*h)->record(run_with(1000, g, "new"), "pass", 100 * day_ns));
  auto pruned = (*h)->prune(100 * day_ns, std::chrono::hours(24 * 90));
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ((*h)->trend("db/insert", "latency", 10)->size(), 2u);  // summaries stay
}

}  // namespace
}  // namespace perftrack::gate
