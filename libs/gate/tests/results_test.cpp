// Reading every supported input: perftrack results, Google Benchmark (samples,
// aggregates only, NaN tokens, time units, counters, errors) and pytest-benchmark
// (samples or summaries), and the errors for bad files. The data files in
// tests/data are real outputs of Google Benchmark and pytest-benchmark.

#include "perftrack/gate/results.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "perftrack/gate/baseline.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::gate {
namespace {

using json = nlohmann::json;

const std::filesystem::path data = std::filesystem::path(PERFTRACK_GATE_TEST_DATA);

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const metric* find_metric(const benchmark_result& b, const std::string& name) {
  for (const auto& m : b.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

TEST(ResultsTest, NumbersTooLargeForADoubleAreAnErrorNotACrash) {
  // Found by results_google_benchmark_fuzz: nlohmann throws out_of_range here.
  const auto r =
      parse_results(R"({"context": {}, "benchmarks": [{"real_time": 1e999}]})", "x.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("x.json: not valid JSON"), std::string::npos);
}

TEST(ResultsTest, GoogleBenchmarkIterationRowsAreSamples) {
  auto r = load_results(data / "google-benchmark.json");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->format, "google-benchmark");
  ASSERT_EQ(r->benchmarks.size(), 3u);
  const auto& b = r->benchmarks[0];
  EXPECT_EQ(b.name, "BM_Accumulate/1024");
  EXPECT_EQ(b.category, "BM_Accumulate");
  const auto* real = find_metric(b, "real_time");
  ASSERT_NE(real, nullptr);
  EXPECT_EQ(real->samples.size(), 5u);
  EXPECT_DOUBLE_EQ(real->samples[0], 7.7916249663686654e+02);
  EXPECT_TRUE(real->lower_is_better);
  const auto* items = find_metric(b, "items_per_second");
  ASSERT_NE(items, nullptr);
  EXPECT_FALSE(items->lower_is_better);
  EXPECT_EQ(r->comparability.at("num_cpus"), "2");
  EXPECT_EQ(r->comparability.at("library_build_type"), "debug");
}

TEST(ResultsTest, GoogleBenchmarkAggregatesOnlyAreSummaries) {
  auto doc = json::parse(slurp(data / "google-benchmark.json"));
  json rows = json::array();
  for (const auto& row : doc["benchmarks"]) {
    if (row["run_type"] == "aggregate") rows.push_back(row);
  }
  doc["benchmarks"] = rows;
  auto r = parse_results(doc.dump(), "aggregates.json");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->benchmarks.size(), 3u);
  const auto* real = find_metric(r->benchmarks[0], "real_time");
  ASSERT_NE(real, nullptr);
  EXPECT_TRUE(real->summary_only);
  EXPECT_TRUE(real->samples.empty());
  EXPECT_EQ(real->summary_n, 5u);
  EXPECT_GT(real->summary_median, 0);
  EXPECT_GT(real->summary_stddev, 0);
}

TEST(ResultsTest, GoogleBenchmarkNonFiniteTokensUnitsCountersAndErrors) {
  const std::string text = R"({"context": {"num_cpus": 2},
    "benchmarks": [
      {"name": "BM_A", "run_type": "iteration", "real_time": 1.5, "cpu_time": NaN,
       "time_unit": "ms", "iterations": 10, "bytes_per_second": Infinity, "frames": 7,
       "label": "NaN inside a \"string\" stays"},
      {"name": "BM_A", "run_type": "iteration", "real_time": 2.5, "cpu_time": -Infinity,
       "time_unit": "ms", "iterations": 10, "frames": 9},
      {"name": "BM_B", "run_type": "iteration", "error_occurred": true,
       "error_message": "no server", "real_time": 0, "cpu_time": 0, "time_unit": "ns"}]})";
  auto r = parse_results(text, "tokens.json");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->benchmarks.size(), 2u);
  const auto* real = find_metric(r->benchmarks[0], "real_time");
  ASSERT_NE(real, nullptr);
  EXPECT_EQ(real->samples, (std::vector<double>{1.5e6, 2.5e6}));            // ms in ns
  EXPECT_TRUE(find_metric(r->benchmarks[0], "cpu_time")->samples.empty());  // NaN dropped
  const auto* frames = find_metric(r->benchmarks[0], "frames");
  ASSERT_NE(frames, nullptr);
  EXPECT_EQ(frames->samples, (std::vector<double>{7, 9}));
  EXPECT_EQ(r->benchmarks[1].status, run_status::error);
  EXPECT_EQ(r->benchmarks[1].reason, "no server");
  EXPECT_EQ(replace_non_finite_tokens(R"({"a":"NaN","b":NaN})"), R"({"a":"NaN","b":null})");
}

TEST(ResultsTest, PytestBenchmarkDataOrSummary) {
  auto r = load_results(data / "pytest-benchmark.json");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->format, "pytest-benchmark");
  ASSERT_EQ(r->benchmarks.size(), 2u);
  const auto& m = r->benchmarks[0].metrics.at(0);
  EXPECT_EQ(m.samples.size(), 10u);
  EXPECT_NEAR(m.samples[0], 0.00018225700000584766 * 1e9, 1e-6);  // seconds in ns
  EXPECT_EQ(r->benchmarks[1].metrics.at(0).samples.size(), 221u);

  auto doc = json::parse(slurp(data / "pytest-benchmark.json"));
  for (auto& b : doc["benchmarks"]) b["stats"].erase("data");
  auto summary = parse_results(doc.dump(), "summary.json");
  ASSERT_TRUE(summary);
  const auto& s = summary->benchmarks[0].metrics.at(0);
  EXPECT_TRUE(s.summary_only);
  EXPECT_EQ(s.summary_n, 10u);
  EXPECT_NEAR(s.summary_median, 0.00017872550000674892 * 1e9, 1e-6);
}

TEST(ResultsTest, PerftrackInstructionCountsAreCountMetrics) {
  const std::string text = R"({"schema_version": 1, "environment": {}, "benchmarks": [
      {"name": "m/encode", "category": "m", "kind": "micro", "unit": "ns", "status": "ok",
       "samples": [10, 11], "counts": {"per": "iteration", "instructions": [1952, 1953],
                                       "estimated_cycles": [2000, 2001]}}]})";
  auto r = parse_results(text, "run.json");
  ASSERT_TRUE(r) << r.error().message;
  const auto& m = r->benchmarks[0].metrics;
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[1].name, "instructions");
  EXPECT_EQ(m[1].kind, metric_kind::count);
  EXPECT_EQ(m[1].unit, "instructions/iteration");
  EXPECT_EQ(m[1].samples, (std::vector<double>{1952, 1953}));
  EXPECT_EQ(m[2].name, "estimated_cycles");
  EXPECT_TRUE(m[2].lower_is_better);
}

TEST(ResultsTest, PerftrackResultsAndBaselineRoundTrip) {
  const std::string text = R"({"schema_version": 1,
    "environment": {"cpu_model": "AMD EPYC", "logical_cpus": 2, "compiler": "g++ 12.2.0",
                    "build_type": "Release", "flags": "-O3", "git_sha": "abc", "time": "t"},
    "benchmarks": [
      {"name": "database/insert", "category": "database", "kind": "throughput",
       "unit": "rows/s", "direction": "higher_is_better", "status": "ok",
       "samples": [1, 2, 3, 4, 5], "counters": {"encoded_bytes": 120}},
      {"name": "database/pg", "category": "database", "kind": "latency", "unit": "ns",
       "direction": "lower_is_better", "status": "skipped", "reason": "no server",
       "samples": []}]})";
  auto r = parse_results(text, "run.json");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->format, "perftrack");
  EXPECT_EQ(r->git_sha, "abc");
  EXPECT_EQ(r->comparability_key(),
            "build_type=Release; compiler=g++ 12.2.0; cpu_model=AMD EPYC; flags=-O3; "
            "logical_cpus=2");
  const auto& b = r->benchmarks[0];
  ASSERT_EQ(b.metrics.size(), 2u);
  EXPECT_EQ(b.metrics[0].name, "throughput");
  EXPECT_FALSE(b.metrics[0].lower_is_better);
  EXPECT_EQ(b.metrics[1].kind, metric_kind::count);
  EXPECT_EQ(r->benchmarks[1].status, run_status::skipped);

  auto back = parse_results(baseline_text(*r), "baseline.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->format, "baseline");
  EXPECT_EQ(back->comparability_key(), r->comparability_key());
  EXPECT_EQ(back->benchmarks[0].metrics[0].samples, b.metrics[0].samples);
  EXPECT_EQ(back->benchmarks[0].metrics[1].kind, metric_kind::count);
}

TEST(ResultsTest, ABenchmarkNamedTwiceIsAnError) {
  // Found by results_pytest_benchmark_fuzz: benchmarks pair by name, so the
  // second entry met the first one's baseline, and a file compared with
  // itself showed a 95% improvement.
  const auto r = parse_results(
      R"({"machine_info": {}, "benchmarks": [
            {"fullname": "t.py::a", "stats": {"data": [1, 2]}},
            {"fullname": "t.py::a", "stats": {"data": [3, 4]}}]})",
      "twice.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("twice.json: the benchmark \"t.py::a\" appears twice"),
            std::string::npos)
      << r.error().message;
}

TEST(ResultsTest, BadFilesAreOneClearError) {
  auto missing = load_results("/nonexistent/results.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no such file"), std::string::npos);

  const auto whole = slurp(data / "google-benchmark.json");
  auto truncated = parse_results(whole.substr(0, whole.size() / 2), "cut.json");
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("cut.json: not valid JSON"), std::string::npos)
      << truncated.error().message;

  auto wrong = parse_results(R"({"results": []})", "wrong.json");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("not a results file"), std::string::npos);

  auto bad_row =
      parse_results(R"({"schema_version":1,"environment":{},"benchmarks":[{"x":1}]})", "row.json");
  ASSERT_FALSE(bad_row);
  EXPECT_NE(bad_row.error().message.find("\"name\""), std::string::npos);

  auto bad_baseline =
      parse_results(R"({"perftrack_baseline":1,"benchmarks":[{"name":"a"}]})", "baseline.json");
  ASSERT_FALSE(bad_baseline);
  EXPECT_NE(bad_baseline.error().message.find("damaged baseline"), std::string::npos);
}

TEST(ResultsTest, AtomicWritesReplaceWholeFiles) {
  perftrack::testing::temp_dir dir;
  const auto file = dir.path() / "sub" / "baseline.json";
  ASSERT_TRUE(write_file_atomically(file, "one"));
  ASSERT_TRUE(write_file_atomically(file, "two"));
  EXPECT_EQ(slurp(file), "two");
  ASSERT_TRUE(write_file_atomically(file, "three", durability::regenerable));  // no fsync
  EXPECT_EQ(slurp(file), "three");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(file.parent_path()))
    ++entries;
  EXPECT_EQ(entries, 1u);  // no temporary file left behind
}

}  // namespace
}  // namespace perftrack::gate
