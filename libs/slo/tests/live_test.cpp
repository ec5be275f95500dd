#include "perftrack/slo/live.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "perftrack/exposition/format.hpp"

namespace perftrack::slo {
namespace {

constexpr std::int64_t minute_ns = 60'000'000'000;

objective_set objectives() {
  auto set = parse_objectives(
      "min_events = 10\n"
      "[[objective]]\nname = \"ok\"\nkind = \"success\"\noperations = [\"a\"]\ntarget = 0.99\n"
      "[[objective]]\nname = \"fast\"\nkind = \"latency\"\noperations = [\"a\"]\n"
      "threshold = \"50ms\"\ntarget = 0.95\n"
      "[[objective]]\nname = \"errors\"\nkind = \"error_rate\"\nwarning = 0.01\ncritical = 0.10\n",
      "test");
  EXPECT_TRUE(set) << set.error().message;
  return std::move(set).value();
}

/// `n` operations "a", `failed` of them failed and `slow` over 50 ms, on top of `base`.
tail::aggregator::snapshot add(tail::aggregator::snapshot base, int n, int failed, int slow) {
  tail::aggregator agg;
  agg.restore(base);
  {
    tail::aggregator::batch b(agg);
    for (int i = 0; i < n; ++i) b.add("a", i < slow ? 80 : 3, i >= failed);
  }
  return agg.save();
}

std::string scrape(const live_evaluator& live) {
  std::vector<exposition::family> fams;
  live.collect(fams);
  std::string text;
  exposition::write(fams, exposition::format::text, text);
  return text;
}

TEST(LiveTest, WindowsAreCountsSinceTheirStartAndTiersFollowTheBacktestsRules) {
  live_evaluator live(objectives());
  tail::aggregator::snapshot counts;
  live.observe(0, counts);
  // An hour of clean traffic, one sample a minute.
  for (int m = 1; m <= 60; ++m) {
    counts = add(counts, 100, 0, 0);
    live.observe(m * minute_ns, counts);
  }
  auto now = live.now();
  EXPECT_FALSE(now[0]);
  EXPECT_FALSE(now[1]);
  EXPECT_FALSE(now[2]);
  // Then five minutes in which half fail and a tenth are slow.
  for (int m = 61; m <= 65; ++m) {
    counts = add(counts, 100, 50, 10);
    live.observe(m * minute_ns, counts);
  }
  now = live.now();
  // Success: 250 of the last hour's 6000 failed (0.042): under 14.4x and 6x the
  // 1% budget (0.144, 0.06 over 6 h), over 3x (0.03 over 1 d and 2 h): warning.
  ASSERT_TRUE(now[0]);
  EXPECT_EQ(*now[0], severity::warning);
  ASSERT_TRUE(now[2]);
  EXPECT_EQ(*now[2], severity::critical);  // 50% failed over 5 m
  const std::string text = scrape(live);
  EXPECT_NE(text.find("perftrack_slo_violation{slo=\"ok\",severity=\"warning\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("perftrack_slo_violation{slo=\"errors\",severity=\"critical\"} 1"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("perftrack_slo_violation{slo=\"errors\",severity=\"error\"}"),
            std::string::npos);  // no such tier
  EXPECT_NE(text.find("perftrack_slo_burn_rate{slo=\"ok\",window=\"5m\"} 50"), std::string::npos)
      << text;
  EXPECT_NE(text.find("perftrack_slo_error_budget_remaining_ratio{slo=\"ok\"}"), std::string::npos);
}

// Scrapes (collect) and the alert thread (firing) read while the evaluation
// observes: run under TSan (scripts/checks.sh tsan).
TEST(LiveTest, ObserveWhileScrapesAndAlertsRead) {
  live_evaluator live(objectives());
  tail::aggregator::snapshot counts = add({}, 100, 50, 10);
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      (void)scrape(live);
      (void)live.firing();
    }
  });
  for (int m = 0; m < 2000; ++m) {
    counts = add(counts, 20, 10, 2);
    live.observe(m * minute_ns / 4, counts);
  }
  done = true;
  reader.join();
  EXPECT_FALSE(live.firing().empty());
}

}  // namespace
}  // namespace perftrack::slo
