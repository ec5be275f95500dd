#include "perftrack/top/source.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "perftrack/exposition/agent_metrics.hpp"
#include "perftrack/exposition/format.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::top {
namespace {

std::string record(int n, std::string_view op, double ms, bool ok) {
  return "{\"timestamp\":\"2026-11-27T10:00:00." + std::to_string(100000 + n) +
         "Z\",\"operation_type\":\"" + std::string(op) +
         "\",\"duration_ms\":" + std::to_string(ms) + ",\"success\":" + (ok ? "true" : "false") +
         ",\"session_id\":null,\"error\":null}\n";
}

TEST(SourceTest, FilesAreCountedFromTheirBeginningAndFollowed) {
  testing::temp_dir dir;
  const auto file = dir.path() / "perf-metrics.jsonl";
  auto src = file_source({file});
  ASSERT_TRUE(src) << src.error().message;
  auto empty = (*src)->read();
  ASSERT_TRUE(empty);  // a file that does not exist yet is waited for
  EXPECT_TRUE(empty->empty());
  {
    std::ofstream out(file);
    for (int i = 0; i < 10; ++i) out << record(i, "task_claim", 4.5, i != 0);
    out << "not json\n";
  }
  auto r = (*src)->read();
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const auto& claim = r->at("task_claim");
  EXPECT_EQ(claim.count(), 10u);
  EXPECT_EQ(claim.errors, 1u);
  EXPECT_EQ(claim.bounds, exposition::agent_metrics::duration_layout()->bounds());
  EXPECT_EQ(claim.buckets.size(), claim.bounds.size() + 1);
}

TEST(SourceTest, AScrapeOfTheExporterFamiliesGivesTheSameCounts) {
  // What the tailer exports, written and read back as a scraper sees it.
  auto layout = exposition::agent_metrics::duration_layout();
  exposition::family d = exposition::agent_metrics::duration_family();
  exposition::family e = exposition::agent_metrics::errors_family();
  exposition::series s{.labels = exposition::one_label("operation", "task_claim"), .sum = 1};
  s.cumulative.assign(layout->bounds().size(), 0);
  for (std::size_t i = 3; i < s.cumulative.size(); ++i) s.cumulative[i] = 7;
  s.count = 9;  // 2 above the greatest bound
  d.samples.push_back(s);
  e.samples.push_back({.labels = s.labels, .value = 2});
  std::string text;
  exposition::write({d, e}, exposition::format::openmetrics, text);
  auto samples = exposition::parse(text);
  ASSERT_TRUE(samples);
  auto r = reading_from_samples(*samples, {});
  ASSERT_TRUE(r) << r.error().message;
  const auto& claim = r->at("task_claim");
  EXPECT_EQ(claim.bounds, layout->bounds());
  EXPECT_EQ(claim.count(), 9u);
  EXPECT_EQ(claim.buckets[3], 7u);
  EXPECT_EQ(claim.buckets.back(), 2u);
  EXPECT_EQ(claim.errors, 2u);
}

TEST(SourceTest, SeriesThatDifferInOtherLabelsAreAddedTogether) {
  auto samples = exposition::parse(
      "rpc_seconds_bucket{op=\"get\",instance=\"a\",le=\"0.1\"} 1\n"
      "rpc_seconds_bucket{op=\"get\",instance=\"a\",le=\"+Inf\"} 2\n"
      "rpc_seconds_bucket{op=\"get\",instance=\"b\",le=\"0.1\"} 3\n"
      "rpc_seconds_bucket{op=\"get\",instance=\"b\",le=\"+Inf\"} 3\n");
  ASSERT_TRUE(samples);
  auto r =
      reading_from_samples(*samples, {.histogram = "rpc_seconds", .errors = "", .label = "op"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("get").buckets, (std::vector<std::uint64_t>{4, 1}));
}

TEST(SourceTest, AScrapeWithoutTheHistogramSaysWhichNameItLookedFor) {
  auto r = reading_from_samples({}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("agent_operation_duration_seconds"), std::string::npos);
  EXPECT_NE(r.error().message.find("--metric"), std::string::npos);
}

TEST(SourceTest, AnExporterThatIsDownIsAnErrorNamingTheUrl) {
  auto src = url_source("http://127.0.0.1:1/metrics");
  auto r = src->read();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("127.0.0.1:1"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace perftrack::top
