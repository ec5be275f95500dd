#include "perftrack/slo/openslo.hpp"

#include <gtest/gtest.h>

#include "perftrack/slo/rules.hpp"

namespace perftrack::slo {
namespace {

objective_set defaults() {
  auto set = default_objectives();
  EXPECT_TRUE(set) << set.error().message;
  return std::move(set).value();
}

/// The rules without their header line (which names the source).
std::string rules_body(const objective_set& set) {
  const std::string rules = generate_rules(set, {}).rules;
  return rules.substr(rules.find("groups:"));
}

TEST(OpenSloTest, ExportThenImportGivesTheSameObjectives) {
  const objective_set original = defaults();
  const std::string yaml = export_openslo(original);
  EXPECT_NE(yaml.find("apiVersion: openslo/v1"), std::string::npos);
  EXPECT_NE(yaml.find("name: task-completion-p95"), std::string::npos) << yaml.substr(0, 2000);
  auto imported = import_openslo(yaml, "exported.yaml");
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->objectives, original.objectives.size());
  auto again = parse_objectives(imported->toml, "imported.toml");
  ASSERT_TRUE(again) << again.error().message << "\n" << imported->toml;
  EXPECT_EQ(again->period, original.period);
  ASSERT_EQ(again->objectives.size(), original.objectives.size());
  for (std::size_t i = 0; i < original.objectives.size(); ++i) {
    const objective &a = original.objectives[i], &b = again->objectives[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.kind, b.kind) << a.name;
    EXPECT_EQ(a.operations, b.operations) << a.name;
    EXPECT_EQ(a.target.text(), b.target.text()) << a.name;
    EXPECT_EQ(a.le, b.le) << a.name;
    EXPECT_EQ(a.min_events, b.min_events) << a.name;
    EXPECT_EQ(a.query, b.query) << a.name;
    EXPECT_EQ(a.below, b.below) << a.name;
    EXPECT_EQ(a.for_duration, b.for_duration) << a.name;
    EXPECT_EQ(a.window, b.window) << a.name;
    EXPECT_EQ(a.benchmarks.has_value(), b.benchmarks.has_value()) << a.name;
    ASSERT_EQ(a.tiers.size(), b.tiers.size()) << a.name;
    for (std::size_t t = 0; t < a.tiers.size(); ++t)
      EXPECT_EQ(a.tiers[t].threshold.text(), b.tiers[t].threshold.text()) << a.name;
  }
  EXPECT_EQ(rules_body(original), rules_body(*again));
}

// A Sloth-style SLO from another tool: its own counters, an SLI by reference,
// a DataSource by reference, a 4-week window.
constexpr const char* foreign = R"yaml(apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prom
spec:
  type: Prometheus
  connectionDetails: {url: "http://127.0.0.1:9090"}
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: api-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        metricSourceRef: prom
        spec:
          query: http_requests_total{code=~"5.."}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: api-availability
  displayName: API availability
spec:
  service: api
  indicatorRef: api-errors
  timeWindow:
    - duration: 4w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: three nines
      target: 0.999
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: disk
spec:
  service: api
  indicator:
    metadata: {name: disk-free}
    spec:
      thresholdMetric:
        metricSource:
          type: prometheus
          spec: {query: "min(node_filesystem_avail_bytes)"}
  timeWindow: [{duration: 4w, isRolling: true}]
  budgetingMethod: Timeslices
  objectives:
    - {displayName: warning, op: gte, value: 1000000000, target: 0.99, timeSliceWindow: 10m}
    - {displayName: critical, op: gte, value: 100000000, target: 0.99}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: api}
spec: {description: the API}
)yaml";

TEST(OpenSloTest, OtherToolsSlosBecomeRatioAndGaugeObjectives) {
  auto imported = import_openslo(foreign, "foreign.yaml");
  ASSERT_TRUE(imported) << imported.error().message;
  auto set = parse_objectives(imported->toml, "imported.toml");
  ASSERT_TRUE(set) << set.error().message << imported->toml;
  EXPECT_EQ(set->period, seconds(28 * 86400));
  ASSERT_EQ(set->objectives.size(), 2u);
  const objective& api = set->objectives[0];
  EXPECT_EQ(api.name, "api-availability");
  EXPECT_EQ(api.kind, objective_kind::ratio);
  EXPECT_EQ(api.bad_query, "http_requests_total{code=~\"5..\"}");
  EXPECT_EQ(api.total_query, "http_requests_total");
  EXPECT_EQ(api.target.text(), "0.999");
  const objective& disk = set->objectives[1];
  EXPECT_EQ(disk.kind, objective_kind::gauge);
  EXPECT_TRUE(disk.below);
  EXPECT_EQ(disk.for_duration, seconds(600));
  ASSERT_EQ(disk.tiers.size(), 2u);
  EXPECT_EQ(disk.tiers[1].level, severity::critical);
  EXPECT_EQ(disk.tiers[1].threshold.text(), "100000000");
  ASSERT_EQ(imported->notes.size(), 1u);
  EXPECT_NE(imported->notes[0].find("Service"), std::string::npos);
  const std::string rules = generate_rules(*set, {}).rules;
  EXPECT_NE(rules.find("sum(rate(http_requests_total{code=~\\\"5..\\\"}[5m])) / "
                       "sum(rate(http_requests_total[5m]))"),
            std::string::npos)
      << rules;
}

TEST(OpenSloTest, WhatCannotBeReadIsRefusedNamingTheLine) {
  const auto refused = [](const std::string& yaml) {
    auto r = import_openslo(yaml, "in.yaml");
    EXPECT_FALSE(r) << yaml;
    return r ? std::string() : r.error().message;
  };
  const std::string head =
      "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  indicator:\n"
      "    spec:\n      ratioMetric:\n        counter: true\n";
  const std::string tail =
      "  timeWindow: [{duration: 30d, isRolling: true}]\n  objectives: [{target: 0.99}]\n";
  EXPECT_NE(refused(head +
                    "        good: {metricSource: {type: Datadog, spec: {query: q}}}\n"
                    "        total: {metricSource: {type: Datadog, spec: {query: q}}}\n" +
                    tail)
                .find("in.yaml:9: ratioMetric.good's source is \"Datadog\""),
            std::string::npos);
  EXPECT_NE(refused("apiVersion: openslo/v1alpha\nkind: SLO\n").find("in.yaml:1: apiVersion"),
            std::string::npos);
  EXPECT_NE(refused("kind: [\n").find("in.yaml:"), std::string::npos);
  EXPECT_NE(refused("apiVersion: openslo/v1\nkind: Service\nmetadata: {name: s}\n")
                .find("no SLO document"),
            std::string::npos);
  // A target perftrack cannot alert on: refused as --slo would refuse it.
  EXPECT_NE(refused(head +
                    "        good: {metricSource: {type: Prometheus, spec: {query: ok}}}\n"
                    "        total: {metricSource: {type: Prometheus, spec: {query: all}}}\n" +
                    "  timeWindow: [{duration: 30d, isRolling: true}]\n"
                    "  objectives: [{target: 0.5}]\n")
                .find("in.yaml:1 (the SLO as TOML)"),
            std::string::npos);
}

TEST(OpenSloTest, NamesBecomeDnsLabelsAndStayUnique) {
  auto set = parse_objectives(
      "[[objective]]\nname = \"A_b\"\nkind = \"success\"\noperations = [\"x\"]\ntarget = 0.99\n"
      "[[objective]]\nname = \"a-b\"\nkind = \"success\"\noperations = [\"x\"]\ntarget = 0.99\n",
      "t.toml");
  ASSERT_TRUE(set);
  const std::string yaml = export_openslo(*set);
  EXPECT_NE(yaml.find("name: a-b\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("name: a-b-2\n"), std::string::npos) << yaml;
  auto back = import_openslo(yaml, "x.yaml");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_NE(back->toml.find("name = 'A_b'"), std::string::npos) << back->toml;
}

}  // namespace
}  // namespace perftrack::slo
