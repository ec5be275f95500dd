#include "perftrack/report/renderer.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "fixture.hpp"

namespace perftrack::report {
namespace {

using testing::at;

period_report sample() {
  period_report r;
  r.kind = "weekly";
  r.since_ns = at("2026-01-01T00:00:00Z");
  r.until_ns = at("2026-01-08T00:00:00Z");
  r.generated_ns = r.until_ns;
  r.total = 3;
  r.successful = 2;
  r.failed = 1;
  r.malformed_lines = 1;
  r.operations = {{.operation = "task_claim",
                   .count = 2,
                   .successes = 1,
                   .avg_ms = 15,
                   .p50_ms = 10,
                   .p95_ms = 20,
                   .p99_ms = 20,
                   .min_ms = 10,
                   .max_ms = 20},
                  {.operation = "agent|x",
                   .count = 1,
                   .successes = 1,
                   .avg_ms = 1.5,
                   .p50_ms = 1.5,
                   .p95_ms = 1.5,
                   .p99_ms = 1.5,
                   .min_ms = 1.5,
                   .max_ms = 1.5}};
  r.slowest = {{"task_claim", 20, "2026-01-02T00:00:00.000Z"}};
  r.degradations = {{"task_claim", degradation_rule::error_rate, 0.5, 0.01}};
  r.top = 1;
  return r;
}

TEST(MarkdownRendererTest, RendersEverySection) {
  std::ostringstream out;
  markdown_renderer{}.render(sample(), out);
  EXPECT_EQ(
      out.str(),
      "# Performance Report: weekly (2026-01-01 to 2026-01-08)\n\n"
      "Generated 2026-01-08T00:00:00.000Z from 3 records. Window "
      "[2026-01-01T00:00:00.000Z, 2026-01-08T00:00:00.000Z). Percentiles: nearest-rank.\n\n"
      "## Operations\n\n"
      "| Operation | Count | Success | Avg (ms) | P95 (ms) | P99 (ms) | Min (ms) | Max (ms) |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n"
      "| task_claim | 2 | 50.00% | 15.000 | 20.000 | 20.000 | 10.000 | 20.000 |\n"
      "| agent\\|x | 1 | 100.00% | 1.500 | 1.500 | 1.500 | 1.500 | 1.500 |\n\n"
      "## Reliability\n\n"
      "| Total | Successful | Failed | Error rate | Malformed lines |\n"
      "|---:|---:|---:|---:|---:|\n"
      "| 3 | 2 | 1 | 33.33% | 1 |\n\n"
      "## Slowest Operations\n\n"
      "| # | Operation | Duration (ms) | Timestamp |\n|---:|---|---:|---|\n"
      "| 1 | task_claim | 20.000 | 2026-01-02T00:00:00.000Z |\n\n"
      "## Most Frequent Operations\n\n"
      "| # | Operation | Count | Share |\n|---:|---|---:|---:|\n"
      "| 1 | task_claim | 2 | 66.67% |\n\n"
      "## Degradation\n\n"
      "| Operation | Rule | Value | Threshold |\n|---|---|---:|---:|\n"
      "| task_claim | Error rate | 50.00% | 1.00% |\n");
}

TEST(MarkdownRendererTest, TrendsShowASparklinePerOperation) {
  period_report r = sample();
  r.kind = "trends";
  r.has_trends = true;
  r.trend_bucket_ns = 86'400'000'000'000;
  r.trends = {{"task_claim", {{0, 1, 10}, {0, 0, 0}, {0, 2, 20}, {0, 1, 15}}}};
  std::ostringstream out;
  markdown_renderer{}.render(r, out);
  EXPECT_NE(out.str().find("## Trends (P95 per day)"), std::string::npos);
  EXPECT_NE(out.str().find("| task_claim | `▁·█▅` | 10.000 | 15.000 | +50.0% |"), std::string::npos)
      << out.str();
}

TEST(JsonRendererTest, WritesTheDocumentedFields) {
  std::ostringstream out;
  json_renderer{}.render(sample(), out);
  const std::string s = out.str();
  for (
      const char* needle :
      {R"("period":{"since":"2026-01-01T00:00:00.000Z","until":"2026-01-08T00:00:00.000Z"})",
       R"("total":3,"successful":2,"failed":1,"error_rate":0.3333333333333333,"malformed_lines":1)",
       R"({"operation":"task_claim","count":2,"successes":1,"success_rate":0.5,"avg_ms":15,)"
       R"("p50_ms":10,"p95_ms":20,"p99_ms":20,"min_ms":10,"max_ms":20)",
       R"("slowest":[{"operation":"task_claim","duration_ms":20,"timestamp":"2026-01-02T00:00:00.000Z"}])",
       R"("degradations":[{"operation":"task_claim","rule":"error_rate","value":0.5,"threshold":0.01}])"}) {
    EXPECT_NE(s.find(needle), std::string::npos) << needle << "\n" << s;
  }
  EXPECT_EQ(s.back(), '\n');
}

TEST(RendererTest, FactoryKnowsTheFormats) {
  EXPECT_NE(make_renderer("markdown"), nullptr);
  EXPECT_NE(make_renderer("json"), nullptr);
  EXPECT_EQ(make_renderer("html"), nullptr);
}

}  // namespace
}  // namespace perftrack::report
