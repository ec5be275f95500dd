#include "perftrack/recorder/tracker.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "perftrack/recorder/context.hpp"
#include "test_support.hpp"

namespace perftrack {
namespace {

using namespace std::chrono_literals;
using testing::read_lines;

tracker_options options_in(const std::filesystem::path& dir) {
  tracker_options o;
  o.directory = dir;
  o.on_error = [](std::string_view) {};
  return o;
}

TEST(TrackerTest, WritesOneJsonLinePerRecord) {
  testing::temp_dir dir;
  {
    tracker t(options_in(dir.path()));
    const auto op = t.operation("agent_register");
    context ctx;
    ctx.add("agents", 5);
    t.record(op, 45123456ns, true, {.session_id = "ses_1", .context_json = ctx.json()});
    t.record(op, 1500ns, false, {.error = "name \"taken\""});
  }
  const auto lines = read_lines(dir.path() / "perf-metrics.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(testing::is_whole_record(lines[0])) << lines[0];
  EXPECT_NE(lines[0].find(R"("operation_type":"agent_register","duration_ms":45.123,)"
                          R"("success":true,"session_id":"ses_1","error":null,)"
                          R"("context":{"agents":5}})"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(R"("duration_ms":0.002,"success":false,"session_id":null,)"
                          R"("error":"name \"taken\""})"),
            std::string::npos)
      << lines[1];
}

TEST(TrackerTest, HistogramsFoldOntoExporterBoundsWithTheirTotalAsCount) {
  testing::temp_dir dir;
  tracker_options o = options_in(dir.path());
  o.file_sink = false;
  tracker t(o);
  const auto claim = t.operation("task_claim");
  t.record(claim, 1ms, true);
  t.record(claim, 3ms, false);
  t.record(claim, 40ms, true);
  t.record(claim, 2s, true);
  t.flush();
  const std::chrono::nanoseconds bounds[] = {2ms, 50ms, 100ms};
  const auto all = t.histograms(bounds);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].operation, "task_claim");
  EXPECT_EQ(all[0].cumulative, (std::vector<std::uint64_t>{1, 3, 3}));
  EXPECT_EQ(all[0].count, 4u);
  EXPECT_EQ(all[0].errors, 1u);
  EXPECT_EQ(all[0].sum, 2044ms);
}

TEST(TrackerTest, TimestampIsTheEndTimeInUtc) {
  testing::temp_dir dir;
  const auto before = std::chrono::system_clock::now();
  {
    tracker t(options_in(dir.path()));
    t.record("x", 1.0, true);
  }
  const auto lines = read_lines(dir.path() / "perf-metrics.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  const std::time_t now = std::chrono::system_clock::to_time_t(before);
  char year[8];
  std::strftime(year, sizeof year, "%Y", std::gmtime(&now));
  EXPECT_EQ(lines[0].substr(14, 4), year);
  EXPECT_EQ(lines[0][37], 'Z');
}

TEST(TrackerTest, FlushMakesRecordsVisibleWithoutStopping) {
  testing::temp_dir dir;
  tracker t(options_in(dir.path()));
  t.record("x", 1.0, true);
  t.flush();
  EXPECT_EQ(read_lines(dir.path() / "perf-metrics.jsonl").size(), 1u);
  EXPECT_EQ(t.counters().written, 1u);
}

TEST(TrackerTest, RecordsReachTheFileWithoutFlush) {
  testing::temp_dir dir;
  auto o = options_in(dir.path());
  o.flush_interval = 20ms;
  tracker t(o);
  t.record("x", 1.0, true);
  // Poll: the writer must deliver within its interval; the bound is generous so a
  // loaded machine does not fail this behavioural test.
  for (int i = 0; i < 500 && t.counters().written == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(read_lines(dir.path() / "perf-metrics.jsonl").size(), 1u);
}

TEST(TrackerTest, SamplesTheProcessResourcesBesideTheMetricsFile) {
  testing::temp_dir dir;
  auto o = options_in(dir.path());
  o.resource_interval = 20ms;
  {
    tracker t(o);
    t.record("x", 1.0, true);
    std::this_thread::sleep_for(150ms);
  }
  const auto lines = read_lines(dir.path() / "perf-resources.ndjson");
  ASSERT_GE(lines.size(), 3u);  // the first round, every 20 ms, the last round
  std::string previous;
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("pid").get<int>(), static_cast<int>(::getpid()));
    EXPECT_GT(j.at("rss_bytes").get<std::uint64_t>(), 0u);
    EXPECT_GE(j.at("cpu_seconds").get<double>(), 0.0);
    const auto stamp = j.at("timestamp").get<std::string>();
    EXPECT_GE(stamp, previous);
    previous = stamp;
  }
  EXPECT_EQ(read_lines(dir.path() / "perf-metrics.jsonl").size(), 1u);
}

TEST(TrackerTest, DisabledTrackerWritesNothing) {
  testing::temp_dir dir;
  auto o = options_in(dir.path());
  o.enabled = false;
  {
    tracker t(o);
    t.record("x", 1.0, true);
    EXPECT_FALSE(t.enabled());
    EXPECT_EQ(t.counters().recorded, 0u);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "perf-metrics.jsonl"));
}

TEST(TrackerTest, FullDeviceDropsAndCountsWithoutThrowing) {
  auto o = options_in("/dev");
  o.file_name = "full";
  o.resource_interval = 0ms;  // no resource file in /dev
  std::string seen;
  o.on_error = [&](std::string_view m) { seen = m; };
  tracker t(o);
  for (int i = 0; i < 10; ++i) t.record("x", 1.0, true);
  t.flush();
  const auto c = t.counters();
  EXPECT_EQ(c.recorded, 10u);
  EXPECT_EQ(c.written, 0u);
  EXPECT_EQ(c.dropped_io, 10u);
  EXPECT_NE(c.last_error.find("No space left on device"), std::string::npos) << c.last_error;
  EXPECT_EQ(seen, c.last_error);
}

TEST(TrackerTest, UnwritableDirectoryDropsAndCounts) {
  tracker t(options_in("/proc/perftrack-no-such-dir"));
  t.record("x", 1.0, true);
  t.flush();
  EXPECT_EQ(t.counters().dropped_io, 1u);
  EXPECT_FALSE(t.counters().last_error.empty());
}

TEST(TrackerTest, EveryRecordIsWrittenOrCountedAsDropped) {
  testing::temp_dir dir;
  auto o = options_in(dir.path());
  o.buffer_bytes = 4096;  // tiny, so that bursts overflow
  tracker t(o);
  const auto op = t.operation("burst");
  constexpr int attempts = 20000;
  for (int i = 0; i < attempts; ++i) t.record(op, 1us, true);
  t.flush();
  const auto c = t.counters();
  EXPECT_EQ(c.recorded + c.dropped_full, static_cast<std::uint64_t>(attempts));
  EXPECT_EQ(c.written, c.recorded);
  EXPECT_EQ(read_lines(dir.path() / "perf-metrics.jsonl").size(), c.written);
}

TEST(TrackerTest, BlockingPolicyLosesNothing) {
  testing::temp_dir dir;
  auto o = options_in(dir.path());
  o.buffer_bytes = 4096;
  o.overflow = overflow_policy::block;
  tracker t(o);
  const auto op = t.operation("burst");
  for (int i = 0; i < 20000; ++i) t.record(op, 1us, true);
  t.flush();
  EXPECT_EQ(t.counters().dropped_full, 0u);
  EXPECT_EQ(read_lines(dir.path() / "perf-metrics.jsonl").size(), 20000u);
}

TEST(TrackerTest, LiveStatisticsAreWithinOnePercent) {
  auto o = options_in("/nonexistent");
  o.file_sink = false;
  tracker t(o);
  const auto op = t.operation("task_claim");
  for (int i = 1; i <= 1000; ++i) {
    t.record(op, std::chrono::microseconds(i), i % 100 != 0);
  }
  t.flush();
  const operation_stats s = t.stats(op);
  EXPECT_EQ(s.operation, "task_claim");
  EXPECT_EQ(s.count, 1000u);
  EXPECT_EQ(s.errors, 10u);
  EXPECT_DOUBLE_EQ(s.error_rate(), 0.01);
  EXPECT_EQ(s.min, 1us);
  EXPECT_EQ(s.max, 1000us);
  const auto near = [](std::chrono::nanoseconds got, double want_us) {
    return std::abs(static_cast<double>(got.count()) / 1000.0 - want_us) <= want_us * 0.01;
  };
  EXPECT_TRUE(near(s.p50, 500)) << s.p50.count();
  EXPECT_TRUE(near(s.p90, 900)) << s.p90.count();
  EXPECT_TRUE(near(s.p95, 950)) << s.p95.count();
  EXPECT_TRUE(near(s.p99, 990)) << s.p99.count();
  EXPECT_TRUE(near(s.p999, 999)) << s.p999.count();
  ASSERT_EQ(t.stats().size(), 1u);
}

TEST(TrackerTest, StatisticsCanBeReadWhileThreadsRecord) {
  auto o = options_in("/nonexistent");
  o.file_sink = false;
  tracker t(o);
  const auto op = t.operation("agent_send");
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int k = 0; k < 2; ++k) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50000; ++i) t.record(op, 10us, true);
    });
  }
  std::thread reader([&] {
    std::uint64_t last = 0;
    while (!done.load()) {
      const auto s = t.stats(op);
      EXPECT_GE(s.count, last);
      last = s.count;
    }
  });
  for (auto& th : threads) th.join();
  t.flush();
  done = true;
  reader.join();
  const auto c = t.counters();
  EXPECT_EQ(t.stats(op).count, c.recorded);
  EXPECT_EQ(c.recorded + c.dropped_full, 100000u);
}

TEST(TrackerTest, ThreadsThatExitHaveTheirRecordsWritten) {
  testing::temp_dir dir;
  tracker t(options_in(dir.path()));
  for (int k = 0; k < 8; ++k) {
    std::thread([&] {
      for (int i = 0; i < 100; ++i) t.record("short_lived", 1.0, true);
    }).join();
  }
  t.flush();
  EXPECT_EQ(read_lines(dir.path() / "perf-metrics.jsonl").size(), 800u);
}

TEST(TrackerTest, ContextThatIsNotAnObjectIsWrappedToKeepTheLineValid) {
  testing::temp_dir dir;
  {
    tracker t(options_in(dir.path()));
    t.record("x", 1.0, true, {.context_json = "not json"});
    t.record("x", 1.0, true, {.error = "bad \xff byte"});
  }
  const auto lines = read_lines(dir.path() / "perf-metrics.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(R"("context":{"value":"not json"})"), std::string::npos);
  EXPECT_NE(lines[1].find(R"("error":"bad \ufffd byte")"), std::string::npos) << lines[1];
}

TEST(TrackerTest, ContextWithBracesAtBothEndsIsNotTakenForAnObject) {
  testing::temp_dir dir;
  const std::vector<std::string> not_json{
      "{oops}", "{\"a\":\"raw\ttab\"}", "{\"a\":1,}", "{\"a\":NaN}", "{} {}", "{\"a\":\"\xff\"}"};
  {
    tracker t(options_in(dir.path()));
    for (const auto& c : not_json) t.record("x", 1.0, true, {.context_json = c});
    t.record("x", 1.0, true, {.context_json = " {\"ok\":\n[1, {\"b\": null}]} "});
  }
  const auto lines = read_lines(dir.path() / "perf-metrics.jsonl");
  ASSERT_EQ(lines.size(), not_json.size() + 1);
  for (std::size_t i = 0; i < not_json.size(); ++i) {
    EXPECT_NE(lines[i].find(R"("context":{"value":)"), std::string::npos) << lines[i];
    EXPECT_TRUE(nlohmann::json::accept(lines[i])) << lines[i];
  }
  EXPECT_NE(lines.back().find(R"("context": {"ok": [1, {"b": null}]} })"), std::string::npos)
      << lines.back();
  EXPECT_TRUE(nlohmann::json::accept(lines.back()));
}

TEST(TrackerTest, TooManyOperationNamesAreCountedNotFatal) {
  auto o = options_in("/nonexistent");
  o.file_sink = false;
  tracker t(o);
  for (std::uint32_t i = 0; i < tracker::max_operations + 5; ++i) {
    t.record("op" + std::to_string(i), 1.0, true);
  }
  t.flush();
  EXPECT_EQ(t.counters().dropped_unknown, 5u);
}

}  // namespace
}  // namespace perftrack
