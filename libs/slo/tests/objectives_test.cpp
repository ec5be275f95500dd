#include "perftrack/slo/objectives.hpp"

#include <gtest/gtest.h>

namespace perftrack::slo {
namespace {

expected<objective_set> parse(const std::string& text) { return parse_objectives(text, "b.toml"); }

std::string one(const std::string& body) { return "[[objective]]\nname = \"x\"\n" + body; }

TEST(DecimalTest, ExactArithmeticAndShortestText) {
  EXPECT_EQ(decimal::from_double(0.999).text(), "0.999");
  EXPECT_EQ((decimal{1, 0} - decimal::from_double(0.999)).text(), "0.001");
  EXPECT_EQ((decimal{144, 1} * (decimal{1, 0} - decimal::from_double(0.999))).text(), "0.0144");
  EXPECT_EQ((decimal{144, 1} * decimal::from_double(0.05)).text(), "0.72");
  EXPECT_EQ(decimal::from_double(268435456).text(), "268435456");
  EXPECT_EQ(decimal::from_double(1e-4).text(), "0.0001");
  EXPECT_EQ((decimal::from_double(0.01) + decimal::from_double(0.05)).text(), "0.06");
}

TEST(ObjectivesTest, TheShippedBaselinesLoad) {
  auto set = parse_objectives(default_baselines_toml(), "built-in");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->period, seconds(30 * 86400));
  ASSERT_GE(set->objectives.size(), 17u);
  const objective& p95 = set->objectives.front();
  EXPECT_EQ(p95.name, "task_completion_p95");
  EXPECT_EQ(p95.kind, objective_kind::latency);
  EXPECT_EQ(p95.le, "10.0");
  EXPECT_EQ(p95.target.text(), "0.95");
  EXPECT_EQ(p95.min_events, 100u);
}

void expect_error(const std::string& text, const std::string& part) {
  auto set = parse(text);
  ASSERT_FALSE(set) << "accepted:\n" << text;
  EXPECT_NE(set.error().message.find(part), std::string::npos) << set.error().message;
}

TEST(ObjectivesTest, BadFilesAreRefusedNamingTheLine) {
  // Not a bucket bound: the message names the line and the nearest bounds.
  expect_error(
      one("kind = \"latency\"\noperations = [\"a\"]\nthreshold = \"35ms\"\ntarget = 0.95\n"),
      "b.toml:5: threshold 0.035 s is not a bucket bound");
  expect_error(
      one("kind = \"latency\"\noperations = [\"a\"]\nthreshold = \"35ms\"\ntarget = 0.95\n"),
      "nearest bounds are 0.03 s and 0.04 s");
  expect_error(one("kind = \"success\"\noperations = [\"a\"]\ntarget = 0.95\ncolour = 1\n"),
               "b.toml:6: unknown key \"colour\"");
  expect_error(one("kind = \"success\"\noperations = [\"a\"]\ntarget = 1.5\n"),
               "b.toml:5: \"target\" must be a share between 0 and 1");
  expect_error(one("kind = \"success\"\noperations = [\"a\"]\ntarget = -0.1\n"), "between 0 and 1");
  expect_error(one("kind = \"success\"\noperations = [\"a\"]\ntarget = 0.9\n"), "could never fire");
  expect_error(one("kind = \"success\"\ntarget = 0.99\n"), "has no \"operations\"");
  expect_error(one("kind = \"latency\"\noperations = []\nthreshold = \"1s\"\ntarget = 0.99\n"),
               "empty \"operations\"");
  expect_error(one("kind = \"fast\"\n"), "use latency, success, error_rate, gauge or ratio");
  expect_error(one("kind = \"gauge\"\nquery = \"up\"\n"), "has no tier");
  expect_error(one("kind = \"error_rate\"\nwarning = 0.05\ncritical = 0.01\n"),
               "must get stricter");
  expect_error(
      "[[objective]]\nname = \"x\"\nkind = \"success\"\noperations = [\"a\"]\ntarget = 0.99\n"
      "[[objective]]\nname = \"x\"\nkind = \"success\"\noperations = [\"a\"]\ntarget = 0.99\n",
      "b.toml:6: a second objective named \"x\"");
  expect_error("period = \"30d\"\n", "no [[objective]]");
  expect_error("period = [\n", "b.toml:");
}

TEST(ObjectivesTest, ThresholdsAtBoundsAndDurationsInAnyUnit) {
  auto set =
      parse(one("kind = \"latency\"\noperations = [\"a\"]\nthreshold = 0.05\ntarget = 0.99\n"));
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->objectives[0].le, "0.05");
  EXPECT_EQ(parse_duration_seconds("250ms"), 0.25);
  EXPECT_EQ(parse_duration_seconds("3d"), 3 * 86400.0);
  EXPECT_DOUBLE_EQ(*parse_duration_seconds("100us"), 1e-4);
  EXPECT_FALSE(parse_duration_seconds("fast"));
  EXPECT_EQ(prometheus_duration(seconds(86400)), "1d");
  EXPECT_EQ(prometheus_duration(seconds(1800)), "30m");
  EXPECT_EQ(prometheus_duration(seconds(90)), "90s");
}

TEST(ObjectivesTest, RatioObjectivesTakeTheirOwnCounters) {
  auto set =
      parse(one("kind = \"ratio\"\nbad_query = 'http_requests_total{code=~\"5..\"}'\n"
                "total_query = \"http_requests_total\"\ntarget = 0.999\n"));
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_FALSE(set->objectives[0].from_records());
  EXPECT_TRUE(set->objectives[0].burns_budget());
  set =
      parse(one("kind = \"ratio\"\ngood_query = \"sum(rate(ok[{{.window}}]))\"\n"
                "total_query = \"sum(rate(all[{{.window}}]))\"\ntarget = 0.99\n"));
  ASSERT_TRUE(set) << set.error().message;
  // An expression without the window, both good and bad, or no total.
  for (const char* bad : {"good_query = \"sum(rate(ok[5m]))\"\ntotal_query = \"all\"\n",
                          "good_query = \"ok\"\nbad_query = \"ko\"\ntotal_query = \"all\"\n",
                          "good_query = \"ok\"\n"}) {
    auto refused = parse(one(std::string("kind = \"ratio\"\ntarget = 0.99\n") + bad));
    EXPECT_FALSE(refused) << bad;
    if (!refused) {
      EXPECT_NE(refused.error().message.find("b.toml:"), std::string::npos);
    }
  }
}

TEST(ObjectivesTest, BurnTiersAreTheWorkbooksAndTheirWindowsSorted) {
  ASSERT_EQ(burn_tiers().size(), 4u);
  EXPECT_EQ(burn_tiers()[0].factor.text(), "14.4");
  EXPECT_EQ(burn_tiers()[0].level, severity::critical);
  std::vector<std::string> w;
  for (const auto s : burn_windows()) w.push_back(prometheus_duration(s));
  EXPECT_EQ(w, (std::vector<std::string>{"5m", "30m", "1h", "2h", "6h", "1d", "3d"}));
}

}  // namespace
}  // namespace perftrack::slo
