#include "perftrack/report/builder.hpp"

#include <gtest/gtest.h>

#include "fixture.hpp"

namespace perftrack::report {
namespace {

using testing::at;
using testing::line;

class BuilderTest : public testing::temp_files {
protected:
  report_request request(period_kind kind = period_kind::weekly) {
    report_request r;
    r.kind = kind;
    r.inputs = {dir_};
    r.now_ns = at("2026-01-08T00:00:00Z");
    return r;
  }
  period_report build(const report_request& r) {
    read_warnings w;
    auto report = build_report(r, w);
    EXPECT_TRUE(report) << (report ? "" : report.error().message);
    return report ? std::move(report).value() : period_report{};
  }
};

TEST_F(BuilderTest, ComputesExactStatisticsPerOperation) {
  std::string content;
  for (int i = 1; i <= 100; ++i) {
    content += line("2026-01-05T10:00:00.000Z", "task_claim", i, i != 50);
  }
  content += line("2026-01-05T10:00:00.000Z", "agent_register", 7, true);
  write("a.jsonl", content);
  const auto r = build(request());
  EXPECT_EQ(r.total, 101u);
  EXPECT_EQ(r.successful, 100u);
  EXPECT_EQ(r.failed, 1u);
  ASSERT_EQ(r.operations.size(), 2u);
  const auto& claim = r.operations[0];  // sorted by count
  EXPECT_EQ(claim.operation, "task_claim");
  EXPECT_EQ(claim.count, 100u);
  EXPECT_EQ(claim.successes, 99u);
  EXPECT_DOUBLE_EQ(claim.avg_ms, 50.5);
  EXPECT_DOUBLE_EQ(claim.p50_ms, 50);
  EXPECT_DOUBLE_EQ(claim.p95_ms, 95);
  EXPECT_DOUBLE_EQ(claim.p99_ms, 99);
  EXPECT_DOUBLE_EQ(claim.min_ms, 1);
  EXPECT_DOUBLE_EQ(claim.max_ms, 100);
  ASSERT_EQ(r.slowest.size(), 10u);
  EXPECT_DOUBLE_EQ(r.slowest[0].duration_ms, 100);
  EXPECT_EQ(r.slowest[0].timestamp, "2026-01-05T10:00:00.000Z");
}

TEST_F(BuilderTest, LinearPercentilesInterpolate) {
  std::string content;
  for (int i = 1; i <= 4; ++i) content += line("2026-01-05T10:00:00Z", "x", i, true);
  write("a.jsonl", content);
  auto req = request();
  req.method = stats::percentile_method::linear;
  const auto r = build(req);
  ASSERT_EQ(r.operations.size(), 1u);
  EXPECT_DOUBLE_EQ(r.operations[0].p50_ms, 2.5);
  EXPECT_DOUBLE_EQ(r.operations[0].p95_ms, 3.85);
}

TEST_F(BuilderTest, WindowIsHalfOpenAndPreviousPeriodFeedsAvgIncrease) {
  write("a.jsonl", line("2026-01-01T00:00:00Z", "x", 10, true) +        // first instant: in
                       line("2026-01-08T00:00:00Z", "x", 99, true) +    // until: out
                       line("2025-12-28T00:00:00Z", "x", 5, true) +     // previous week
                       line("2025-12-20T00:00:00Z", "x", 1000, true));  // older: ignored
  const auto r = build(request());
  ASSERT_EQ(r.operations.size(), 1u);
  EXPECT_EQ(r.operations[0].count, 1u);
  EXPECT_EQ(r.operations[0].previous_count, 1u);
  EXPECT_DOUBLE_EQ(r.operations[0].previous_avg_ms, 5);
  ASSERT_EQ(r.degradations.size(), 1u);
  EXPECT_EQ(r.degradations[0].rule, degradation_rule::avg_increase);
  EXPECT_DOUBLE_EQ(r.degradations[0].value, 1.0);
  EXPECT_DOUBLE_EQ(r.degradations[0].threshold, 0.2);
}

TEST_F(BuilderTest, AppliesAllThreeDegradationRules) {
  std::vector<operation_summary> ops(3);
  ops[0] = {.operation = "spiky", .count = 100, .successes = 100, .avg_ms = 10, .p95_ms = 25};
  ops[1] = {.operation = "failing", .count = 100, .successes = 98, .avg_ms = 10, .p95_ms = 12};
  ops[2] = {.operation = "steady",
            .count = 100,
            .successes = 100,
            .avg_ms = 10,
            .p95_ms = 12,
            .previous_count = 50,
            .previous_avg_ms = 9};
  const auto found = find_degradations(ops, {});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].operation, "spiky");
  EXPECT_EQ(found[0].rule, degradation_rule::p95_outlier);
  EXPECT_DOUBLE_EQ(found[0].value, 2.5);
  EXPECT_EQ(found[1].operation, "failing");
  EXPECT_EQ(found[1].rule, degradation_rule::error_rate);
  EXPECT_NEAR(found[1].value, 0.02, 1e-12);
  degradation_thresholds strict;
  strict.avg_increase = 0.1;
  strict.error_rate = 0.05;
  strict.p95_over_avg = 3;
  const auto strict_found = find_degradations(ops, strict);
  ASSERT_EQ(strict_found.size(), 1u);
  EXPECT_EQ(strict_found[0].operation, "steady");
  EXPECT_EQ(strict_found[0].rule, degradation_rule::avg_increase);
}

TEST_F(BuilderTest, SinceAndUntilOverrideThePeriod) {
  write("a.jsonl", line("2026-01-02T00:00:00Z", "x", 1, true) +
                       line("2026-01-03T00:00:00Z", "x", 2, true) +
                       line("2026-01-04T00:00:00Z", "x", 3, true));
  auto req = request();
  req.since_ns = at("2026-01-03T00:00:00Z");
  req.until_ns = at("2026-01-04T00:00:00Z");
  const auto r = build(req);
  ASSERT_EQ(r.total, 1u);
  EXPECT_DOUBLE_EQ(r.operations[0].max_ms, 2);
}

TEST_F(BuilderTest, TrendsBucketByDayOrWeek) {
  write("a.jsonl", line("2026-01-05T01:00:00Z", "x", 1, true) +
                       line("2026-01-05T02:00:00Z", "x", 3, true) +
                       line("2026-01-07T00:00:00Z", "x", 9, true));
  auto req = request(period_kind::trends);
  req.days = 7;
  auto r = build(req);
  ASSERT_TRUE(r.has_trends);
  ASSERT_EQ(r.trends.size(), 1u);
  ASSERT_EQ(r.trends[0].points.size(), 7u);
  EXPECT_EQ(r.trends[0].points[4].count, 2u);  // Jan 5 is day 4 of [Jan 1, Jan 8)
  EXPECT_DOUBLE_EQ(r.trends[0].points[4].p95_ms, 3);
  EXPECT_EQ(r.trends[0].points[6].count, 1u);
  EXPECT_EQ(r.trends[0].points[0].count, 0u);
  req.days = 90;
  r = build(req);
  EXPECT_EQ(r.trend_bucket_ns, 7 * 86'400'000'000'000LL);
  EXPECT_EQ(r.trends[0].points.size(), 13u);  // ceil(90 / 7)
}

TEST_F(BuilderTest, MalformedLinesAreCountedAndNamed) {
  write("a.jsonl",
        line("2026-01-05T00:00:00Z", "x", 1, true) + "oops\n" +
            R"({"timestamp":"never","operation_type":"x","duration_ms":1,"success":true})" + "\n");
  read_warnings w;
  const auto r = build_report(request(), w);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->malformed_lines, 2u);
  EXPECT_EQ(r->total, 1u);
  ASSERT_EQ(w.first_malformed.size(), 2u);
  EXPECT_EQ(w.first_malformed[0].line, 2u);
  EXPECT_EQ(w.first_malformed[1].error, reader::line_error::bad_timestamp);
}

TEST_F(BuilderTest, EmptyWindowIsAValidEmptyReport) {
  write("a.jsonl", "");
  const auto r = build(request());
  EXPECT_EQ(r.total, 0u);
  EXPECT_TRUE(r.operations.empty());
  EXPECT_DOUBLE_EQ(r.error_rate(), 0);
}

TEST_F(BuilderTest, MissingInputIsAnErrorNamingIt) {
  auto req = request();
  req.inputs = {dir_ / "absent.jsonl"};
  read_warnings w;
  const auto r = build_report(req, w);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("absent.jsonl"), std::string::npos);
}

TEST_F(BuilderTest, ManyThreadsGiveTheSameReportAsOne) {
  std::string content;
  for (int i = 0; i < 30000; ++i) {
    content += line("2026-01-0" + std::to_string(1 + i % 7) + "T00:00:00.000Z",
                    "op" + std::to_string(i % 5), (i * 7919) % 1000 / 10.0, i % 13 != 0);
  }
  write("a.jsonl", content);
  auto req = request(period_kind::trends);
  req.days = 7;
  req.threads = 1;
  const auto one = build(req);
  req.threads = 3;
  const auto three = build(req);
  ASSERT_EQ(one.operations.size(), three.operations.size());
  for (std::size_t i = 0; i < one.operations.size(); ++i) {
    EXPECT_EQ(one.operations[i].count, three.operations[i].count);
    EXPECT_DOUBLE_EQ(one.operations[i].p99_ms, three.operations[i].p99_ms);
    EXPECT_NEAR(one.operations[i].avg_ms, three.operations[i].avg_ms, 1e-9);
  }
  EXPECT_EQ(one.slowest.size(), three.slowest.size());
  EXPECT_EQ(one.trends.size(), three.trends.size());
}

}  // namespace
}  // namespace perftrack::report

namespace perftrack::report {
namespace {

class BuilderExactnessTest : public testing::temp_files {};

TEST_F(BuilderExactnessTest, KeepsDurationsThatAreNotWholeMicrosecondsExact) {
  // 0.0005 ms cannot be stored as whole microseconds: the operation switches to
  // doubles in one thread while the other may still hold microseconds.
  std::string content;
  for (int i = 0; i < 40000; ++i) {
    const double ms = i == 39999 ? 0.0005 : (i % 100 + 1) / 8.0;
    content += testing::line("2026-01-05T00:00:00.000Z", "x", ms, true);
  }
  write("a.jsonl", content);
  report_request req;
  req.inputs = {dir_};
  req.now_ns = testing::at("2026-01-08T00:00:00Z");
  req.threads = 2;
  read_warnings w;
  const auto r = build_report(req, w);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->operations.size(), 1u);
  EXPECT_EQ(r->operations[0].min_ms, 0.0005);
  EXPECT_EQ(r->operations[0].p50_ms, 50 / 8.0);
  EXPECT_EQ(r->operations[0].p99_ms, 99 / 8.0);
}

}  // namespace
}  // namespace perftrack::report
