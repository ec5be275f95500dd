#include "perftrack/exposition/format.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace perftrack::exposition {
namespace {

family errors_family() {
  family f{.name = "agent_operation_errors_total",
           .help = "Operations that failed, by operation.",
           .type = metric_type::counter};
  f.samples.push_back({.labels = one_label("operation", "task_claim"), .value = 3});
  return f;
}

family duration_family() {
  family f{.name = "agent_operation_duration_seconds",
           .help = "Duration of operations.",
           .type = metric_type::histogram,
           .unit = "seconds",
           .layout = std::make_shared<bucket_layout>(std::vector<double>{0.001, 0.5, 2})};
  f.samples.push_back({.labels = one_label("operation", "task_claim"),
                       .cumulative = {1, 3, 4},
                       .count = 5,
                       .sum = 7.25});
  return f;
}

std::string render(const std::vector<family>& fs, format f) {
  std::string out;
  write(fs, f, out);
  return out;
}

TEST(FormatTest, TextFormatNamesCountersWithTotalAndHasNoEof) {
  EXPECT_EQ(render({errors_family()}, format::text),
            "# HELP agent_operation_errors_total Operations that failed, by operation.\n"
            "# TYPE agent_operation_errors_total counter\n"
            "agent_operation_errors_total{operation=\"task_claim\"} 3\n");
}

TEST(FormatTest, OpenMetricsNamesTheCounterFamilyWithoutTotalAndEndsWithEof) {
  EXPECT_EQ(render({errors_family()}, format::openmetrics),
            "# HELP agent_operation_errors Operations that failed, by operation.\n"
            "# TYPE agent_operation_errors counter\n"
            "agent_operation_errors_total{operation=\"task_claim\"} 3\n"
            "# EOF\n");
}

TEST(FormatTest, HistogramBucketsAreCumulativeAndInfEqualsCount) {
  EXPECT_EQ(render({duration_family()}, format::openmetrics),
            "# HELP agent_operation_duration_seconds Duration of operations.\n"
            "# TYPE agent_operation_duration_seconds histogram\n"
            "# UNIT agent_operation_duration_seconds seconds\n"
            "agent_operation_duration_seconds_bucket{operation=\"task_claim\",le=\"0.001\"} 1\n"
            "agent_operation_duration_seconds_bucket{operation=\"task_claim\",le=\"0.5\"} 3\n"
            "agent_operation_duration_seconds_bucket{operation=\"task_claim\",le=\"2.0\"} 4\n"
            "agent_operation_duration_seconds_bucket{operation=\"task_claim\",le=\"+Inf\"} 5\n"
            "agent_operation_duration_seconds_sum{operation=\"task_claim\"} 7.25\n"
            "agent_operation_duration_seconds_count{operation=\"task_claim\"} 5\n"
            "# EOF\n");
}

TEST(FormatTest, BoundsAreWrittenInOneCanonicalFormWithoutFloatNoise) {
  const bucket_layout layout({0.00001, 0.025, 0.1, 1, 30});
  EXPECT_EQ(layout.le(0), "0.00001");
  EXPECT_EQ(layout.le(1), "0.025");
  EXPECT_EQ(layout.le(2), "0.1");
  EXPECT_EQ(layout.le(3), "1.0");
  EXPECT_EQ(layout.le(4), "30.0");
  EXPECT_EQ(layout.bucket_of(0.025), 1u);  // le is inclusive
  EXPECT_EQ(layout.bucket_of(0.0251), 2u);
  EXPECT_EQ(layout.bucket_of(31), 5u);  // +Inf
  EXPECT_THROW(bucket_layout({1, 1}), std::invalid_argument);
}

TEST(FormatTest, LabelValuesEscapeBackslashQuoteNewlineAndRepairUtf8) {
  EXPECT_EQ(one_label("operation", "a\\b\"c\nd").text(), R"(operation="a\\b\"c\nd")");
  EXPECT_EQ(one_label("operation", "caf\xC3\xA9").text(), "operation=\"caf\xC3\xA9\"");
  EXPECT_EQ(one_label("operation", "x\xFFy").text(), "operation=\"x\xEF\xBF\xBDy\"");
  EXPECT_EQ((label_set{{"a", "1"}, {"b", "2"}}.text()), R"(a="1",b="2")");
}

TEST(FormatTest, HelpEscapesQuotesOnlyInOpenMetrics) {
  family f{.name = "g", .help = "say \"hi\"\\\n", .type = metric_type::gauge};
  f.samples.push_back({.value = 1});
  EXPECT_EQ(render({f}, format::text), "# HELP g say \"hi\"\\\\\\n\n# TYPE g gauge\ng 1\n");
  EXPECT_EQ(render({f}, format::openmetrics),
            "# HELP g say \\\"hi\\\"\\\\\\n\n# TYPE g gauge\ng 1\n# EOF\n");
}

TEST(FormatTest, NonFiniteValuesAndEmptyFamilies) {
  family f{.name = "g", .help = "h", .type = metric_type::gauge};
  f.samples.push_back({.labels = one_label("k", "nan"), .value = std::nan("")});
  f.samples.push_back({.labels = one_label("k", "inf"), .value = -INFINITY});
  family empty{.name = "e", .help = "h", .type = metric_type::gauge};
  EXPECT_EQ(render({f, empty}, format::text),
            "# HELP g h\n# TYPE g gauge\ng{k=\"nan\"} NaN\ng{k=\"inf\"} -Inf\n");
}

TEST(FormatTest, NegotiatesAsPrometheusAsks) {
  // Prometheus 2.42's scrape Accept header.
  EXPECT_EQ(negotiate("application/openmetrics-text;version=1.0.0,application/"
                      "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/"
                      "*;q=0.1"),
            format::openmetrics);
  EXPECT_EQ(negotiate("text/plain;version=0.0.4;q=1,*/*;q=0.1"), format::text);
  EXPECT_EQ(negotiate(""), format::text);
  EXPECT_EQ(negotiate("*/*"), format::text);
  EXPECT_EQ(negotiate("application/openmetrics-text; version=1.0.0; q=0"), format::text);
  EXPECT_EQ(negotiate("application/openmetrics-text;version=2.0.0"), format::text);
  EXPECT_EQ(negotiate("text/plain;q=0.2, application/openmetrics-text;q=0.9"), format::openmetrics);
  EXPECT_EQ(content_type(format::text), "text/plain; version=0.0.4; charset=utf-8");
}

TEST(FormatTest, GzipIsAcceptedUnlessRefused) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, gzip;q=0.5"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
}

}  // namespace
}  // namespace perftrack::exposition
