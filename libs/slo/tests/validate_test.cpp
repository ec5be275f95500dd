#include "perftrack/slo/validate.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace perftrack::slo {
namespace {

objective_set objectives(const std::string& toml) {
  auto set = parse_objectives(toml, "test.toml");
  EXPECT_TRUE(set) << set.error().message;
  return set ? std::move(set).value() : objective_set{};
}

gate::result_set results(const std::string& benchmarks) {
  auto r = gate::parse_results(
      R"({"schema_version": 1, "environment": {}, "benchmarks": [)" + benchmarks + "]}",
      "run.json");
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(r).value() : gate::result_set{};
}

// A latency benchmark: p50 1 ms, p90 1.5 ms, p95 2 ms, p99 4 ms, p99.9 10 ms.
const std::string spawn = R"({"name": "spawn/one", "kind": "latency", "unit": "ns",
  "status": "ok", "samples": [1000000, 1000000],
  "stats": {"latency_ns": {"count": 1000, "p50": 1000000, "p90": 1500000, "p95": 2000000,
                           "p99": 4000000, "p99.9": 10000000}}, "peak_rss_bytes": 314572800})";

const std::string latency_objective = R"(
[[objective]]
name = "spawn"
kind = "latency"
operations = ["agent_register"]
threshold = "{T}"
target = {Q}
benchmarks = ["spawn/*"]
)";

benchmark_verdict judge_latency(const std::string& threshold, const std::string& target) {
  std::string toml = latency_objective;
  toml.replace(toml.find("{T}"), 3, threshold);
  toml.replace(toml.find("{Q}"), 3, target);
  const auto v = validate(objectives(toml), results(spawn));
  EXPECT_EQ(v.verdicts.size(), 1u);
  return v.verdicts.empty() ? benchmark_verdict{} : v.verdicts.front();
}

TEST(ValidateTest, TheShareOverTheThresholdIsReadBetweenPercentiles) {
  // 2.5 ms lies a quarter of the way from p95 to p99: 4% over, burn 0.8.
  auto v = judge_latency("2.5ms", "0.95");
  EXPECT_TRUE(v.judged);
  EXPECT_NEAR(v.value, 0.04, 1e-9);
  EXPECT_NEAR(v.burn, 0.8, 1e-9);
  EXPECT_FALSE(v.level);
  EXPECT_NE(v.measured.find("p95 2 ms"), std::string::npos) << v.measured;
  // 1.5 ms is p90: 10% over a 1% budget, 10x: error (6x), not critical (14.4x).
  v = judge_latency("1.5ms", "0.99");
  EXPECT_NEAR(v.burn, 10, 1e-9);
  EXPECT_EQ(v.level, severity::error);
  // 1.2 ms: 34% over, 34x: critical.
  v = judge_latency("1.2ms", "0.99");
  EXPECT_NEAR(v.value, 0.34, 1e-9);
  EXPECT_EQ(v.level, severity::critical);
  // 1.5 ms with a 5% budget: 2x burns past 1x: warning.
  EXPECT_EQ(judge_latency("1.5ms", "0.95").level, severity::warning);
}

TEST(ValidateTest, PastTheLastPercentileOnlyABoundIsKnown) {
  // Beyond p99.9 at most 0.1% is over: enough for a 1% budget...
  auto v = judge_latency("20ms", "0.99");
  EXPECT_TRUE(v.judged);
  EXPECT_FALSE(v.level);
  EXPECT_NE(v.measured.find("at most 0.10%"), std::string::npos) << v.measured;
  // ...not for a 0.01% one: the results cannot tell.
  v = judge_latency("20ms", "0.9999");
  EXPECT_FALSE(v.judged);
  EXPECT_FALSE(v.level);
}

TEST(ValidateTest, FailedBenchmarksBurnTheSuccessBudget) {
  const auto set = objectives(R"(
[[objective]]
name = "spawn_success"
kind = "success"
operations = ["agent_register"]
target = 0.99
benchmarks = ["spawn/*"]
)");
  const auto v = validate(set, results(spawn + R"(, {"name": "spawn/two", "kind": "latency",
      "unit": "ns", "status": "error", "reason": "store down", "samples": []},
      {"name": "spawn/three", "kind": "latency", "unit": "ns", "status": "skipped",
       "reason": "no PostgreSQL", "samples": []})"));
  ASSERT_EQ(v.verdicts.size(), 3u);
  EXPECT_FALSE(v.verdicts[0].level);
  EXPECT_EQ(v.verdicts[1].level, severity::critical);
  EXPECT_FALSE(v.verdicts[2].judged);
  EXPECT_TRUE(v.failing());
}

TEST(ValidateTest, GaugesReadRatesAndPeakMemory) {
  const auto set = objectives(R"(
[[objective]]
name = "throughput"
kind = "gauge"
query = "x"
unit = "tasks per minute"
below = true
warning = 20000
error = 100
benchmarks = { names = ["tasks/*"], value = "rate", scale = 60 }

[[objective]]
name = "memory"
kind = "gauge"
query = "y"
unit = "bytes"
warning = 268435456
critical = 536870912
benchmarks = { names = ["*"], value = "peak_rss" }

[[objective]]
name = "nothing_runs_it"
kind = "success"
operations = ["z"]
target = 0.99
benchmarks = ["absent/*"]
)");
  const auto v = validate(set, results(spawn + R"(, {"name": "tasks/run", "kind": "throughput",
      "unit": "tasks/s", "direction": "higher_is_better", "status": "ok",
      "samples": [100, 300, 200]})"));
  ASSERT_EQ(v.verdicts.size(), 3u);
  // 200 tasks/s is 12,000 a minute: under the 20,000 warning floor, above 100.
  EXPECT_EQ(v.verdicts[0].benchmark, "tasks/run");
  EXPECT_DOUBLE_EQ(v.verdicts[0].value, 12000);
  EXPECT_EQ(v.verdicts[0].level, severity::warning);
  // 300 MiB: past the 256 MiB warning.
  EXPECT_EQ(v.verdicts[1].benchmark, "spawn/one");
  EXPECT_EQ(v.verdicts[1].level, severity::warning);
  // A throughput benchmark without peak memory cannot tell.
  EXPECT_FALSE(v.verdicts[2].judged);
  EXPECT_EQ(v.unmatched, std::vector<std::string>{"nothing_runs_it"});
  EXPECT_FALSE(v.failing());
}

TEST(ValidateTest, GoogleBenchmarkAndPytestBenchmarkFiles) {
  auto gb = gate::load_results(PERFTRACK_GATE_TEST_DATA "/google-benchmark.json");
  auto py = gate::load_results(PERFTRACK_GATE_TEST_DATA "/pytest-benchmark.json");
  ASSERT_TRUE(gb && py);
  const auto set = objectives(R"(
[[objective]]
name = "fast"
kind = "latency"
operations = ["x"]
threshold = "200us"
target = 0.95
benchmarks = ["BM_Accumulate/1024", "*::test_parse_jsonl"]
)");
  const auto g = validate(set, *gb);
  ASSERT_EQ(g.verdicts.size(), 1u);
  EXPECT_TRUE(g.verdicts[0].judged);
  EXPECT_EQ(g.verdicts[0].value, 0);  // every repetition well under 200 us
  const auto p = validate(set, *py);
  ASSERT_EQ(p.verdicts.size(), 1u);
  EXPECT_TRUE(p.verdicts[0].judged);
  // Counted over the rounds pytest-benchmark kept.
  EXPECT_GT(p.verdicts[0].value, 0);
  EXPECT_LT(p.verdicts[0].value, 1);
}

TEST(ValidateTest, NamesMatchWithStars) {
  EXPECT_TRUE(matches("*", "a/b"));
  EXPECT_TRUE(matches("agent_spawn/*", "agent_spawn/single"));
  EXPECT_TRUE(matches("*/single", "agent_spawn/single"));
  EXPECT_TRUE(matches("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(matches("a*b*c", "aXXbYY"));
  EXPECT_FALSE(matches("agent_spawn/single", "agent_spawn/single2"));
}

TEST(ValidateTest, RendersEscapeNames) {
  auto set = objectives(R"(
[[objective]]
name = "spawn"
kind = "success"
operations = ["a"]
target = 0.99
benchmarks = ["*"]
)");
  const auto v = validate(set, results(R"({"name": "a|<b>", "kind": "latency", "unit": "ns",
      "status": "ok", "samples": [1]})"));
  const auto md = render_markdown(v);
  EXPECT_NE(md.find("a\\|\\<b\\>"), std::string::npos) << md;
  const auto json = render_json(v);
  EXPECT_NE(json.find("\"a|<b>\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"failing\": false"), std::string::npos) << json;
}

TEST(ValidateTest, BadBenchmarkKeysAreRefused) {
  const auto bad = [](const std::string& line) {
    auto set = parse_objectives(
        "[[objective]]\nname = \"m\"\nkind = \"gauge\"\nquery = \"q\"\nwarning = 1\n" + line + "\n",
        "b.toml");
    EXPECT_FALSE(set) << line;
    return set ? std::string() : set.error().message;
  };
  EXPECT_NE(bad("benchmarks = [\"x\"]").find("b.toml:6"), std::string::npos);
  EXPECT_NE(bad("benchmarks = { names = [\"x\"], value = \"cpu\" }").find("rate"),
            std::string::npos);
  EXPECT_NE(bad("benchmarks = { names = [], value = \"rate\" }").find("names no benchmark"),
            std::string::npos);
  EXPECT_NE(bad("benchmarks = { names = [\"x\"], value = \"rate\", scale = -1 }").find("scale"),
            std::string::npos);
  EXPECT_NE(bad("benchmarks = { names = [\"x\"], value = \"rate\", extra = 1 }").find("extra"),
            std::string::npos);
}

}  // namespace
}  // namespace perftrack::slo
