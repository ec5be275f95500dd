#include "perftrack/bench/results.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace perftrack::bench {
namespace {

using json = nlohmann::json;

std::vector<result> sample_results() {
  result micro;
  micro.name = "agent_spawn/single";
  micro.category = "agent_spawn";
  micro.kind = kind::micro;
  micro.unit = "ns";
  micro.iterations = 1000;
  micro.samples = {700, 800, 900, 1000, 1100};
  micro.wall_ns = {7e5, 8e5, 9e5, 1e6, 1.1e6};
  micro.cpu_ns = {7e5, 8e5, 9e5, 1e6, 1.1e6};
  micro.stats = summarize(micro.samples);
  result tp;
  tp.name = "message_throughput/simple";
  tp.category = "message_throughput";
  tp.kind = kind::throughput;
  tp.unit = "items/s";
  tp.direction = direction::higher_is_better;
  tp.samples = {1e6, 2e6, 3e6, 4e6, 5e6};
  tp.wall_ns = {1e9, 1e9, 1e9, 1e9, 1e9};
  tp.cpu_ns = {1e9, 1e9, 1e9, 1e9, 1e9};
  tp.stats = summarize(tp.samples);
  result failed;
  failed.name = "database/postgres_latency";
  failed.category = "database";
  failed.kind = kind::latency;
  failed.status = run_status::error;
  failed.reason = "PostgreSQL at x is unavailable";
  return {micro, tp, failed};
}

TEST(ResultsTest, ResultsJsonHasTheDocumentedShape) {
  environment env = capture_environment();
  const auto results = sample_results();
  const auto doc = json::parse(results_json(env, {"0.3.0", true, 5, {}}, results, {}));
  EXPECT_EQ(doc["schema_version"], results_schema_version);
  for (const char* key :
       {"cpu_model", "logical_cpus", "physical_cores", "governor", "kernel", "compiler", "flags",
        "build_type", "git_sha", "git_dirty", "host", "time"}) {
    EXPECT_TRUE(doc["environment"].contains(key)) << key;
  }
  ASSERT_EQ(doc["benchmarks"].size(), 3u);
  const auto& b = doc["benchmarks"][0];
  for (const char* key : {"name", "category", "kind", "unit", "direction", "samples", "stats",
                          "status", "warnings"}) {
    EXPECT_TRUE(b.contains(key)) << key;
  }
  EXPECT_EQ(b["direction"], "lower_is_better");
  EXPECT_EQ(b["stats"]["median"], 900);
  EXPECT_NEAR(b["stats"]["ops_per_second"].get<double>(), 1e9 / 900, 1e-6);
  EXPECT_EQ(doc["benchmarks"][1]["stats"]["ops_per_second"], 3e6);
  EXPECT_EQ(doc["benchmarks"][2]["status"], "error");
  EXPECT_EQ(doc["benchmarks"][2]["reason"], "PostgreSQL at x is unavailable");
  EXPECT_TRUE(doc["benchmarks"][2]["stats"].is_null());
}

TEST(ResultsTest, GoogleBenchmarkJsonReadsBackAsGoogleBenchmarkJson) {
  const auto doc = json::parse(google_benchmark_json(capture_environment(), sample_results()));
  ASSERT_TRUE(doc["context"].contains("num_cpus"));
  const auto& rows = doc["benchmarks"];
  ASSERT_EQ(rows.size(), 2u * (5 + 4));  // the error has no rows
  for (const auto& r : rows) {
    for (const char* key : {"name", "run_name", "run_type", "repetitions", "iterations",
                            "real_time", "cpu_time", "time_unit"}) {
      EXPECT_TRUE(r.contains(key)) << key;
    }
  }
  EXPECT_EQ(rows[0]["run_type"], "iteration");
  EXPECT_EQ(rows[0]["real_time"], 700);
  EXPECT_EQ(rows[5]["aggregate_name"], "mean");
  EXPECT_EQ(rows[5]["name"], "agent_spawn/single_mean");
  EXPECT_EQ(rows[5]["real_time"], 900);
  EXPECT_EQ(rows[8]["aggregate_unit"], "percentage");
  EXPECT_EQ(rows[9]["items_per_second"], 1e6);
  EXPECT_EQ(rows[14]["items_per_second"], 3e6);  // the mean row of the throughput family
  // Nothing invented: the clock is /proc/cpuinfo's or absent; the version is CMake's.
  if (doc["context"].contains("mhz_per_cpu")) {
    EXPECT_GT(doc["context"]["mhz_per_cpu"], 0);
  }
  EXPECT_EQ(doc["context"]["perftrack_version"], version());
}

TEST(ResultsTest, GoogleBenchmarkCpuTimeIsOnRealTimesBasis) {
  // A latency sample is the mean per operation (100 ns) of a repetition that
  // took 1 ms of wall and 0.5 ms of CPU: per operation, 50 ns of CPU.
  result lat;
  lat.name = "database/sqlite_query_latency";
  lat.category = "database";
  lat.kind = kind::latency;
  lat.unit = "ns";
  lat.samples = {100, 100};
  lat.wall_ns = {1e6, 1e6};
  lat.cpu_ns = {5e5, 5e5};
  lat.stats = summarize(lat.samples);
  const auto doc = json::parse(google_benchmark_json(capture_environment(), {lat}));
  const auto& first = doc["benchmarks"][0];
  EXPECT_EQ(first["real_time"], 100);
  EXPECT_EQ(first["cpu_time"], 50);
}

TEST(ResultsTest, TargetsPassFailOrAreMissing) {
  auto targets = parse_targets(R"(
[[target]]
benchmark = "agent_spawn/single"
statistic = "median"
unit = "us"
below = 1.0
description = "spawn under 1 us"

[[target]]
benchmark = "message_throughput/simple"
above = 5e6

[[target]]
benchmark = "database/postgres_latency"
statistic = "p95"
unit = "ms"
below = 50
)",
                               "targets.toml");
  ASSERT_TRUE(targets) << targets.error().message;
  const auto checks = check_targets(*targets, sample_results());
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].status, "pass");
  EXPECT_DOUBLE_EQ(checks[0].measured, 0.9);
  EXPECT_EQ(checks[1].status, "fail");
  EXPECT_EQ(checks[2].status, "missing");
}

TEST(ResultsTest, BadTargetFilesNameTheProblem) {
  auto syntax = parse_targets("[[target]\nbenchmark = 1", "t.toml");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().message.rfind("t.toml:1:", 0), 0u) << syntax.error().message;
  auto no_bound = parse_targets("[[target]]\nbenchmark = \"a/b\"\n", "t.toml");
  ASSERT_FALSE(no_bound);
  EXPECT_NE(no_bound.error().message.find("needs below or above"), std::string::npos);
}

TEST(ResultsTest, RatioTablePairsOursWithTheirsWhateverTheDirection) {
  auto make = [](std::string name, direction d, double median) {
    result r;
    r.name = std::move(name);
    r.category = "peers";
    r.kind = d == direction::higher_is_better ? kind::throughput : kind::latency;
    r.unit = d == direction::higher_is_better ? "msg/s" : "ns";
    r.direction = d;
    r.samples = {median};
    r.stats = summarize(r.samples);
    return r;
  };
  const std::vector<result> results = {
      make("peers/ping_pong_ours_1t", direction::higher_is_better, 6e6),
      make("peers/ping_pong_theirs_1t", direction::higher_is_better, 2e6),
      make("peers/spawn_ours_1t", direction::lower_is_better, 100),
      make("peers/spawn_theirs_1t", direction::lower_is_better, 400),
      make("peers/alone_ours_1t", direction::higher_is_better, 1)};
  const side_by_side pairs{.title = "ours next to theirs",
                           .ours = "ours",
                           .theirs = "theirs",
                           .ours_label = "Ours",
                           .theirs_label = "Theirs"};
  const std::string table = ratio_table(results, pairs);
  EXPECT_NE(table.find("## ours next to theirs"), std::string::npos) << table;
  EXPECT_NE(table.find("| workload | Ours | Theirs | Ours / Theirs |"), std::string::npos);
  EXPECT_NE(table.find("| peers/ping_pong_1t | "), std::string::npos) << table;
  EXPECT_NE(table.find("| 3.00x |"), std::string::npos) << table;  // higher is better
  EXPECT_NE(table.find("| 4.00x |"), std::string::npos) << table;  // lower is better
  EXPECT_EQ(table.find("alone"), std::string::npos) << table;      // no partner
  EXPECT_EQ(ratio_table({results[4]}, pairs), "");
}

}  // namespace
}  // namespace perftrack::bench
