#include "perftrack/dashboard/dashboard.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include "perftrack/store/timestamp.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::dashboard {
namespace {

constexpr std::int64_t day_ns = 86'400'000'000'000;

gate::result_set run_with(const std::string& name, double center, std::mt19937_64& g, int i) {
  std::normal_distribution<double> noise(0, 0.01);
  gate::metric m{.name = "latency", .unit = "ns"};
  for (int k = 0; k < 10; ++k) m.samples.push_back(center * (1 + noise(g)));
  gate::result_set r;
  r.git_sha = "sha" + std::to_string(i);
  r.comparability["cpu"] = "test";
  r.benchmarks.push_back({.name = name, .category = "db", .metrics = {m}});
  return r;
}

class DashboardTest : public ::testing::Test {
protected:
  std::string history(const std::string& name) {
    const std::string file = (dir_.path() / "history.db").string();
    auto h = gate::history::open(file);
    EXPECT_TRUE(h) << h.error().message;
    std::mt19937_64 g(7);
    for (int i = 0; i < 12; ++i)
      EXPECT_TRUE(
          (*h)->record(run_with(name, i < 6 ? 1000 : 1300, g, i), "pass", (i + 1) * day_ns));
    return file;
  }
  testing::temp_dir dir_;
};

TEST_F(DashboardTest, CollectsTrendsAndTheStep) {
  options o{.history = history("db/insert"), .now_ns = 13 * day_ns};
  auto d = collect(o);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->runs.size(), 12u);
  EXPECT_LT(d->runs.front().id, d->runs.back().id);  // oldest first
  ASSERT_EQ(d->trends.size(), 1u);
  EXPECT_EQ(d->trends[0].points.size(), 12u);
  ASSERT_EQ(d->changes.size(), 1u);
  EXPECT_NEAR(d->changes[0].change, 0.3, 0.02);
  EXPECT_EQ(d->changes[0].after.git_sha, "sha6");
  const std::string html = render_html(*d, o);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("uPlot"), std::string::npos);
  EXPECT_EQ(html.find("http://"),
            html.find("http://www.w3.org"));  // no address but SVG's namespace
}

TEST_F(DashboardTest, NamesCannotCloseTheScriptOrRunInTheNoscriptSummary) {
  options o{.history = history("db/</script><script>alert(1)</script>\"'"), .now_ns = day_ns};
  auto d = collect(o);
  ASSERT_TRUE(d) << d.error().message;
  const std::string html = render_html(*d, o);
  const std::string json = data_json(*d, o).data;
  EXPECT_EQ(json.find('<'), std::string::npos) << json.substr(0, 400);
  EXPECT_NE(json.find("\\u003c/script>"), std::string::npos);
  // The only </script> are the three the page writes itself (no late block: one trend).
  std::size_t closes = 0;
  for (auto at = html.find("</script>"); at != std::string::npos;
       at = html.find("</script>", at + 1))
    ++closes;
  EXPECT_EQ(closes, 3u);
  EXPECT_NE(html.find("db/&lt;/script&gt;&lt;script&gt;alert(1)"), std::string::npos);
}

TEST_F(DashboardTest, SaysWhenMachinesChangeRunsPauseAndMetricsComeAndGo) {
  const std::string file = (dir_.path() / "history.db").string();
  auto h = gate::history::open(file);
  ASSERT_TRUE(h);
  std::mt19937_64 g(5);
  for (int i = 0; i < 12; ++i) {
    auto run = run_with("db/insert", 1000, g, i);
    run.comparability["cpu"] = i < 6 ? "old" : "new";
    if (i >= 6) run.benchmarks.push_back(run_with("db/new", 10, g, i).benchmarks[0]);
    const std::int64_t day = i < 6 ? i : i + 90;  // 90 days without a run
    ASSERT_TRUE((*h)->record(run, "pass", (day + 1) * day_ns));
  }
  auto d = collect({.history = file});
  ASSERT_TRUE(d) << d.error().message;
  std::string notes;
  for (const auto& n : d->notes) notes += n + "\n";
  EXPECT_NE(notes.find("runs of 2 machines"), std::string::npos) << notes;
  EXPECT_NE(notes.find("(91 days)"), std::string::npos) << notes;
  EXPECT_NE(notes.find("1 of 2 benchmark metrics are not in every run"), std::string::npos)
      << notes;
  EXPECT_EQ(d->trends.size(), 2u);  // and both are still shown
}

TEST_F(DashboardTest, SinceAndUntilKeepTheRunsInBetween) {
  const std::string file = history("db/insert");  // runs on days 1..12, the step at day 7
  auto d = collect({.history = file, .since_ns = 3 * day_ns, .until_ns = 9 * day_ns});
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->runs.size(), 7u);  // days 3..9
  ASSERT_EQ(d->trends.size(), 1u);
  EXPECT_EQ(d->trends[0].points.size(), 7u);
  EXPECT_EQ(d->changes.size(), 1u);  // the step at day 7 is inside
  auto before = collect({.history = file, .until_ns = 5 * day_ns});
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->changes.empty());
  auto none = collect({.history = file, .since_ns = 100 * day_ns});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->runs.empty());
  EXPECT_NE(none->notes.back().find("between --since and --until"), std::string::npos);
}

TEST_F(DashboardTest, AnEmptyHistorySaysSo) {
  const std::string file = (dir_.path() / "empty.db").string();
  ASSERT_TRUE(gate::history::open(file));
  auto d = collect({.history = file});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(d->runs.empty());
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_NE(d->notes[0].find("no run yet"), std::string::npos);
}

TEST_F(DashboardTest, OperationsInColumnsWithPercentilesAndAHeatMap) {
  // 100 events a second apart: 1.3 ms, but 50 ms for the 10 from the 50th.
  const auto file = dir_.path() / "m.jsonl";
  std::ofstream out(file);
  constexpr std::int64_t t0 = 1'767'225'600'000'000'000;  // 2026-01-01
  for (int k = 0; k < 100; ++k) {
    char ts[store::timestamp_length];
    store::format_timestamp(t0 + std::int64_t{k} * 1'000'000'000, ts);
    out << R"({"timestamp":")" << std::string_view(ts, sizeof ts)
        << R"(","operation_type":"claim","duration_ms":)" << (k >= 50 && k < 60 ? 50 : 1.3)
        << R"(,"success":)" << (k == 0 ? "false" : "true") << "}\n";
  }
  out << "not json\n";
  out.close();
  auto v = collect_operations({file}, 10);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->records, 100u);
  EXPECT_EQ(v->malformed, 1u);
  EXPECT_EQ(v->columns, 10u);
  EXPECT_EQ(v->start_ns, t0);
  ASSERT_EQ(v->list.size(), 1u);
  const operation& op = v->list[0];
  EXPECT_EQ(op.count, 100u);
  EXPECT_EQ(op.errors, 1u);
  // 99 s + 1 ns over 10 columns: column 5 holds events 50-59, all slow.
  EXPECT_EQ(op.p50[5], 50);
  EXPECT_EQ(op.p50[0], 1.3);
  const std::size_t rows = heat_bounds_ms().size() + 1;
  ASSERT_EQ(op.heat.size(), rows * 10);
  std::uint64_t total = 0, slow = 0;
  const auto slow_row = static_cast<std::size_t>(
      std::lower_bound(heat_bounds_ms().begin(), heat_bounds_ms().end(), 50.0) -
      heat_bounds_ms().begin());
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < 10; ++c) total += op.heat[r * 10 + c];
  }
  for (std::size_t c = 0; c < 10; ++c) slow += op.heat[slow_row * 10 + c];
  EXPECT_EQ(total, 100u);
  EXPECT_EQ(slow, 10u);
  EXPECT_EQ(op.heat[slow_row * 10 + 5], 10u);
  // The 40 s from 30 s on: events 30-69.
  auto window = collect_operations({file}, 10, t0 + 30'000'000'000, t0 + 69'000'000'000);
  ASSERT_TRUE(window) << window.error().message;
  EXPECT_EQ(window->records, 40u);
  EXPECT_EQ(window->start_ns, t0 + 30'000'000'000);
  EXPECT_EQ(window->list[0].count, 40u);
}

TEST_F(DashboardTest, FilesOutOfTimeOrderGiveTheSameColumnsAsSortedOnes) {
  // 3,000 events a second apart over three operations; a copy with its first
  // and last lines swapped into the middle, and one split into two files.
  constexpr std::int64_t t0 = 1'767'225'600'000'000'000;  // 2026-01-01
  std::vector<std::string> lines;
  for (int k = 0; k < 3000; ++k) {
    char ts[store::timestamp_length];
    store::format_timestamp(t0 + std::int64_t{k} * 1'000'000'000, ts);
    lines.push_back(fmt::format(
        R"({{"timestamp":"{}","operation_type":"op{}","duration_ms":{},"success":true}})",
        std::string_view(ts, sizeof ts), k % 3, 1 + (k * 7919) % 1000 / 10.0));
  }
  const auto write = [&](const std::string& name, const std::vector<std::string>& ls) {
    std::ofstream out(dir_.path() / name);
    for (const auto& l : ls) out << l << "\n";
    return dir_.path() / name;
  };
  const auto sorted = write("sorted.jsonl", lines);
  auto shuffled = lines;
  std::swap(shuffled.front(), shuffled[1500]);
  std::swap(shuffled.back(), shuffled[1501]);
  const auto unsorted = write("unsorted.jsonl", shuffled);
  std::filesystem::create_directory(dir_.path() / "split");
  write("split/b.jsonl", {lines.begin(), lines.begin() + 1000});
  write("split/a.jsonl", {lines.begin() + 1000, lines.end()});

  auto want = collect_operations({sorted}, 120);
  ASSERT_TRUE(want) << want.error().message;
  EXPECT_EQ(want->start_ns, t0);
  EXPECT_EQ(want->columns, 120u);
  EXPECT_EQ(want->event_columns, 1000u);
  for (const auto& input : {unsorted, dir_.path() / "split"}) {
    auto got = collect_operations({input}, 120);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->start_ns, want->start_ns) << input;
    EXPECT_EQ(got->width_ns, want->width_ns) << input;
    EXPECT_EQ(got->event_width_ns, want->event_width_ns) << input;
    ASSERT_EQ(got->list.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& g = got->list[i];
      const auto& w = want->list[i];
      EXPECT_EQ(g.count, w.count);
      EXPECT_EQ(g.heat, w.heat) << input;
      EXPECT_TRUE(std::equal(g.p99.begin(), g.p99.end(), w.p99.begin(), w.p99.end(),
                             [](double a, double b) { return a == b || (a != a && b != b); }));
      EXPECT_TRUE(std::equal(g.events_max.begin(), g.events_max.end(), w.events_max.begin(),
                             w.events_max.end(),
                             [](double a, double b) { return a == b || (a != a && b != b); }));
    }
  }
}

// Each column's percentiles are taken as its events end and its latencies
// dropped (operation_bins): checked against percentiles computed here, on a
// file large enough for two scanning threads, in order, a little out of
// order at every column's edge, and with records written late within one
// thread's half and across into the other's.
TEST_F(DashboardTest, ColumnPercentilesAreExactInAnyRecordOrder) {
  constexpr std::int64_t t0 = 1'767'225'600'000'000'000;  // 2026-01-01
  constexpr std::int64_t step = 100'000'000;              // 0.1 s
  constexpr int n = 40'000;
  constexpr std::size_t columns = 120;
  struct event {
    std::int64_t ns;
    int op;
    double ms;
  };
  std::mt19937 rng(7);
  std::vector<event> events;
  for (int k = 0; k < n; ++k)
    events.push_back({t0 + k * step, k % 2, 1 + static_cast<double>(rng() % 100'000) / 1000});
  const auto write = [&](const std::string& name, const std::vector<event>& es) {
    std::ofstream out(dir_.path() / name);
    for (const auto& e : es) {
      char ts[store::timestamp_length];
      store::format_timestamp(e.ns, ts);
      out << fmt::format(
                 R"({{"timestamp":"{}","operation_type":"op{}","duration_ms":{},"success":true}})",
                 std::string_view(ts, sizeof ts), e.op, e.ms)
          << "\n";
    }
    return dir_.path() / name;
  };
  // Expected: nearest-rank p50/p95/p99 of each operation's column.
  const std::int64_t width = ((n - 1) * step + 1 + std::int64_t{columns} - 1) / columns;
  std::vector<std::vector<std::vector<double>>> by(2, std::vector<std::vector<double>>(columns));
  for (const auto& e : events) by[e.op][(e.ns - t0) / width].push_back(e.ms);
  const auto rank = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1];
  };
  // At each column's edge, an operation's last record of the column before
  // written after its first of this one.
  auto nudged = events;
  for (std::size_t i = 1; i + 1 < nudged.size(); ++i) {
    if ((events[i].ns - t0) / width != (events[i - 1].ns - t0) / width)
      std::swap(nudged[i - 1], nudged[i + 1]);
  }
  // 20 records of column 9 written late, within the first thread's half;
  // 20 of column 30 written in the second thread's.
  auto late = events;
  std::rotate(late.begin() + 3'000, late.begin() + 3'020, late.begin() + 15'000);
  auto later = events;
  std::rotate(later.begin() + 10'000, later.begin() + 10'020, later.begin() + 30'000);
  for (const auto& input : {write("sorted.jsonl", events), write("nudged.jsonl", nudged),
                            write("late.jsonl", late), write("later.jsonl", later)}) {
    ASSERT_GT(std::filesystem::file_size(input), 1u << 20);  // two threads scan it
    auto v = collect_operations({input}, columns);
    ASSERT_TRUE(v) << v.error().message;
    ASSERT_EQ(v->width_ns, width) << input;
    ASSERT_EQ(v->list.size(), 2u);
    for (int op = 0; op < 2; ++op) {
      for (std::size_t c = 0; c < columns; ++c) {
        ASSERT_EQ(v->list[op].p50[c], rank(by[op][c], 0.5)) << input << " column " << c;
        ASSERT_EQ(v->list[op].p95[c], rank(by[op][c], 0.95)) << input << " column " << c;
        ASSERT_EQ(v->list[op].p99[c], rank(by[op][c], 0.99)) << input << " column " << c;
      }
    }
  }
}

TEST_F(DashboardTest, OperationsThatStepTogetherRankFirst) {
  // Four operations, 60 s of one event a second each; "db" and "queue" both
  // step from 1-2 ms to 6-7 ms at 30 s; "cpu" and "net" only wander.
  const auto file = dir_.path() / "c.jsonl";
  std::ofstream out(file);
  constexpr std::int64_t t0 = 1'767'225'600'000'000'000;
  std::mt19937_64 g(3);
  std::uniform_real_distribution<double> wander(1, 2);
  for (int k = 0; k < 60; ++k) {
    char ts[store::timestamp_length];
    store::format_timestamp(t0 + std::int64_t{k} * 1'000'000'000, ts);
    for (const char* op : {"cpu", "db", "net", "queue"}) {
      const bool stepped = (op == std::string("db") || op == std::string("queue")) && k >= 30;
      out << R"({"timestamp":")" << std::string_view(ts, sizeof ts) << R"(","operation_type":")"
          << op << R"(","duration_ms":)" << wander(g) + (stepped ? 5 : 0) << R"(,"success":true})"
          << "\n";
    }
  }
  out.close();
  // The recording process's memory grows from 100 to 400 MiB with the step
  // (two processes' samples, a second apart); its CPU wanders. One bad line.
  std::ofstream resources(dir_.path() / "perf-resources.ndjson");
  for (int k = 0; k < 60; ++k) {
    for (const int pid : {10, 11}) {
      char ts[store::timestamp_length];
      store::format_timestamp(t0 + std::int64_t{k} * 1'000'000'000 + pid, ts);
      resources << R"({"timestamp":")" << std::string_view(ts, sizeof ts) << R"(","pid":)" << pid
                << R"(,"rss_bytes":)" << (k >= 30 ? 200 : 50) * 1048576.0 * (1 + 0.01 * wander(g))
                << R"(,"cpu_seconds":)" << k * 0.5 + 0.1 * wander(g) << "}\n";
    }
  }
  resources << "{\"timestamp\":1}\n";
  resources.close();
  auto v = collect_operations({file}, 60);
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_EQ(v->resources.size(), 2u);
  EXPECT_EQ(v->resource_samples, 120u);
  EXPECT_EQ(v->resource_malformed, 1u);
  EXPECT_NEAR(v->resources[0].values[0], 100 * 1048576.0, 3 * 1048576.0);  // two processes
  EXPECT_NEAR(v->resources[1].values[10], 1.0, 0.3);                       // 0.5 core each
  ASSERT_GE(v->resource_correlations.size(), 4u);
  for (int i = 0; i < 2; ++i) {  // db and queue move with memory, before anything else
    EXPECT_EQ(v->resource_correlations[i].resource, "rss_bytes");
    EXPECT_TRUE(v->resource_correlations[i].operation == "db" ||
                v->resource_correlations[i].operation == "queue");
    EXPECT_GT(v->resource_correlations[i].rho, 0.7);
  }
  EXPECT_LT(std::fabs(v->resource_correlations[2].rho), 0.5);
  ASSERT_EQ(v->correlations.size(), 6u);
  EXPECT_EQ(v->correlations[0].a, "db");
  EXPECT_EQ(v->correlations[0].b, "queue");
  EXPECT_GT(v->correlations[0].rho, 0.7);
  EXPECT_EQ(v->correlations[0].n, 60u);
  EXPECT_LT(std::fabs(v->correlations[1].rho), v->correlations[0].rho);
}

TEST_F(DashboardTest, AMissingFileIsAnErrorThatNamesIt) {
  auto v = collect_operations({dir_.path() / "absent.jsonl"}, 10);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("absent.jsonl"), std::string::npos);
}

/// A perftrack results file with one latency benchmark per (name, center).
std::filesystem::path results_file(const std::filesystem::path& path,
                                   const std::vector<std::pair<std::string, double>>& benchmarks) {
  std::string list;
  for (const auto& [name, center] : benchmarks) {
    std::string samples;
    for (int k = 0; k < 8; ++k)
      samples += (k ? "," : "") + std::to_string(center * (1 + 0.01 * std::sin(k * 3.3)));
    list += (list.empty() ? "" : ",") + std::string("{\"name\":\"") + name +
            "\",\"category\":\"db\",\"kind\":\"latency\",\"unit\":\"ns\",\"status\":\"ok\","
            "\"samples\":[" +
            samples + "]}";
  }
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << "{\"schema_version\":1,\"environment\":{\"cpu_model\":\"c\"},"
                         "\"run\":{},\"benchmarks\":["
                      << list << "]}";
  return path;
}

TEST_F(DashboardTest, ComparesTheFirstResultsFileWithTheLast) {
  const auto a = results_file(dir_.path() / "a" / "run.json", {{"insert", 1000}, {"gone", 5}});
  const auto b = results_file(dir_.path() / "b" / "run.json", {{"insert", 1330}});
  std::vector<std::string> notes;
  auto v = collect_comparison({a, b}, notes);
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_EQ(v->runs.size(), 2u);
  EXPECT_EQ(v->runs[0].label, a.string());  // two files named run.json: their paths
  ASSERT_EQ(v->metrics.size(), 2u);         // gone, insert
  ASSERT_EQ(v->changes.size(), 1u);         // gone has no head samples
  const auto& c = v->changes[0];
  EXPECT_EQ(v->metrics[c.metric].benchmark, "insert");
  EXPECT_NEAR(c.change, 0.33, 1e-9);  // the same noise, scaled: exactly 1.33
  EXPECT_LT(c.low, c.change);
  EXPECT_GT(c.high, c.change);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("1 benchmark metrics are missing"), std::string::npos) << notes[0];
  const std::string md = render_markdown({.comparison = *v}, "charts").markdown;
  EXPECT_NE(md.find("| insert | latency | 999.2 ns | 1.329 us | +33.0% |"), std::string::npos)
      << md;
}

TEST_F(DashboardTest, OneResultsFileIsShownAndSaysWhyItCannotBeCompared) {
  std::vector<std::string> notes;
  auto v = collect_comparison({results_file(dir_.path() / "one.json", {{"x", 1}})}, notes);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->changes.empty());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("comparing needs two"), std::string::npos);
  auto missing = collect_comparison({dir_.path() / "absent.json"}, notes);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("absent.json"), std::string::npos);
}

}  // namespace
}  // namespace perftrack::dashboard
