#include "perftrack/slo/backtest.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "perftrack/store/timestamp.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::slo {
namespace {

constexpr std::int64_t minute_ns = 60'000'000'000;
// 2026-01-01T00:00:00Z
constexpr std::int64_t t0 = 1'767'225'600'000'000'000;

std::string line(std::int64_t ns, std::string_view op, double ms, bool ok) {
  char ts[store::timestamp_length];
  store::format_timestamp(ns, ts);
  return fmt::format(R"({{"timestamp":"{}","operation_type":"{}","duration_ms":{},"success":{}}})",
                     std::string_view(ts, sizeof ts), op, ms, ok ? "true" : "false") +
         "\n";
}

objective_set success_objective() {
  auto set = parse_objectives(
      "min_events = 10\n[[objective]]\nname = \"a_success\"\nkind = \"success\"\n"
      "operations = [\"a\"]\ntarget = 0.99\n",
      "test");
  EXPECT_TRUE(set) << set.error().message;
  return std::move(set).value();
}

// 200 minutes of 100 operations a minute; minutes 60-79 all fail.
std::string outage_file() {
  std::string text;
  for (int m = 0; m < 200; ++m) {
    for (int i = 0; i < 100; ++i) {
      text += line(t0 + m * minute_ns + std::int64_t{i} * 500'000'000, "a", 5, m < 60 || m >= 80);
      if (i % 10 == 0)
        text += line(t0 + m * minute_ns + std::int64_t{i} * 500'000'000, "other", 5, false);
    }
  }
  return text;
}

TEST(BacktestTest, AnOutageFiresAndResolvesEachTierAtTheMinuteTheRulesWould) {
  testing::temp_dir dir;
  const auto file = dir.write("m.jsonl", outage_file());
  auto report = run_check(success_objective(), {.files = {file}});
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->objectives.size(), 1u);
  const objective_result& r = report->objectives[0];
  EXPECT_EQ(r.events, 20000u);
  EXPECT_EQ(r.bad, 2000u);
  EXPECT_DOUBLE_EQ(r.compliance, 0.9);
  EXPECT_NEAR(r.budget_remaining, -9, 1e-9);
  // By the last minute the fast tiers recovered; the slow one (1x over 3d and
  // 6h: 10% bad against a 1% budget) still holds: a warning does not fail.
  ASSERT_TRUE(r.now);
  EXPECT_EQ(*r.now, severity::warning);
  EXPECT_FALSE(report->failing());
  const incident* critical = nullptr;
  const incident* error = nullptr;
  for (const auto& inc : r.timeline) {
    if (inc.level == severity::critical) critical = &inc;
    if (inc.level == severity::error) error = &inc;
  }
  ASSERT_NE(critical, nullptr);
  // 9 failing minutes of the last 60 (900 / 6000 = 0.15 > 0.144) first at minute 68's end.
  EXPECT_EQ(critical->fired_ns, t0 + 69 * minute_ns);
  // The 5-minute window is clean again at minute 84's end.
  ASSERT_TRUE(critical->resolved_ns);
  EXPECT_EQ(*critical->resolved_ns, t0 + 85 * minute_ns);
  ASSERT_NE(error, nullptr);
  // 6x: the whole history's share passes 0.06 at minute 63 (400 / 6400).
  EXPECT_EQ(error->fired_ns, t0 + 64 * minute_ns);
}

TEST(BacktestTest, StillFailingAtNowMakesTheCheckFail) {
  testing::temp_dir dir;
  const auto file = dir.write("m.jsonl", outage_file());
  auto report =
      run_check(success_objective(), {.files = {file}, .now_ns = t0 + 70 * minute_ns + 1});
  ASSERT_TRUE(report) << report.error().message;
  const objective_result& r = report->objectives[0];
  ASSERT_TRUE(r.now);
  EXPECT_EQ(*r.now, severity::critical);
  EXPECT_TRUE(report->failing());
  const std::string md = render_markdown(*report);
  EXPECT_NE(md.find("| a_success |"), std::string::npos) << md;
  EXPECT_NE(md.find("firing"), std::string::npos) << md;
  EXPECT_NE(render_json(*report).find("\"failing\": true"), std::string::npos);
}

TEST(BacktestTest, FewEventsNeverFireAndMissingFilesAreAnError) {
  testing::temp_dir dir;
  std::string text;
  for (int m = 0; m < 5; ++m) text += line(t0 + m * minute_ns, "a", 5, false);  // 5 events, all bad
  const auto file = dir.write("m.jsonl", text + "not json\n");
  auto report = run_check(success_objective(), {.files = {file}});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->objectives[0].timeline.empty());
  EXPECT_EQ(report->malformed, 1u);
  EXPECT_FALSE(run_check(success_objective(), {.files = {dir.path() / "missing.jsonl"}}));
}

TEST(BacktestTest, LatencyCountsWhatTheHistogramBucketWouldNot) {
  testing::temp_dir dir;
  std::string text;
  // At the bound is within it (le is <=); just past it is not.
  for (int i = 0; i < 100; ++i)
    text += line(t0 + std::int64_t{i} * 1'000'000'000, "a", i < 90 ? 50 : 50.001, true);
  const auto file = dir.write("m.jsonl", text);
  auto set = parse_objectives(
      "[[objective]]\nname = \"p\"\nkind = \"latency\"\noperations = "
      "[\"a\"]\nthreshold = \"50ms\"\ntarget = 0.95\n",
      "test");
  ASSERT_TRUE(set) << set.error().message;
  auto report = run_check(*set, {.files = {file}});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->objectives[0].bad, 10u);
}

}  // namespace
}  // namespace perftrack::slo
