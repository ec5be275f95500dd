#include "perftrack/bench/runner.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "perftrack/bench/allocations.hpp"

namespace perftrack::bench {
namespace {

// A fake wall clock: each read costs 10 ns; bodies advance it by what they "do".
struct fake_clock {
  std::int64_t now = 0;
  std::int64_t cpu = 0;
  run_options options(int repetitions = 5) {
    run_options o;
    o.repetitions = repetitions;
    o.wall = [this] { return now += 10; };
    o.cpu = [this] { return cpu; };
    return o;
  }
};

TEST(RunnerTest, TimerOverheadIsMeasuredAndSubtracted) {
  fake_clock clock;
  runner r(clock.options());
  EXPECT_EQ(r.timer_overhead_ns(), 10);
  definition d{.name = "x/micro", .category = "x", .kind = kind::micro, .unit = "ns"};
  d.body = [&](state& s) { clock.now += static_cast<std::int64_t>(s.iterations()) * 100; };
  const result res = r.run(d, {});
  ASSERT_EQ(res.status, run_status::ok) << res.reason;
  ASSERT_EQ(res.samples.size(), 5u);
  for (double v : res.samples) EXPECT_DOUBLE_EQ(v, 100);  // 100 ns per iteration, exactly
}

TEST(RunnerTest, MicroBenchmarksAreCalibratedToTheTargetTime) {
  fake_clock clock;
  run_options o = clock.options();
  o.micro_target = std::chrono::milliseconds(20);
  runner r(o);
  definition d{.name = "x/micro", .category = "x", .kind = kind::micro, .unit = "ns"};
  d.body = [&](state& s) { clock.now += static_cast<std::int64_t>(s.iterations()) * 1000; };
  const result res = r.run(d, {});
  ASSERT_EQ(res.status, run_status::ok);
  // 1 us per iteration: at least 20,000 iterations reach 20 ms, and growth by at
  // most 10x per step does not overshoot past 10x.
  EXPECT_GE(res.iterations, 20'000u);
  EXPECT_LT(res.iterations, 200'000u);
}

TEST(RunnerTest, ThroughputIsItemsPerSecondOfTheTimedPart) {
  fake_clock clock;
  runner r(clock.options());
  definition d{.name = "x/tp", .category = "x", .kind = kind::throughput, .unit = "items/s"};
  d.body = [&](state& s) {
    s.pause_timing();
    clock.now += 5'000'000;  // set-up, not timed
    s.resume_timing();
    clock.now += 1'000'000 - 10;  // 1 ms with the resume read's 10 ns
    s.set_items(1000);
  };
  const result res = r.run(d, {});
  ASSERT_EQ(res.status, run_status::ok) << res.reason;
  for (double v : res.samples) EXPECT_NEAR(v, 1e6, 1e6 * 1e-4);  // 1000 items in 1 ms
}

TEST(RunnerTest, LatencyKeepsTheDistribution) {
  fake_clock clock;
  runner r(clock.options());
  definition d{.name = "x/lat", .category = "x", .kind = kind::latency, .unit = "ns"};
  d.body = [&](state& s) {
    for (int i = 1; i <= 100; ++i) {
      // The 100th operation is preempted: 10 ms instead of 100 us.
      s.time_operation([&] { clock.now += i == 100 ? 10'000'000 : i * 1000; });
    }
  };
  const result res = r.run(d, {});
  ASSERT_EQ(res.status, run_status::ok);
  ASSERT_TRUE(res.latency);
  // A call lasts 14.95 ms: 4 calls make a sample of at least 50 ms.
  EXPECT_EQ(res.iterations, 4u);
  EXPECT_EQ(res.latency_count, 2000u);
  EXPECT_DOUBLE_EQ(res.latency->p50, 50'000);  // overhead subtracted: exactly i us
  EXPECT_DOUBLE_EQ(res.latency->p99, 99'000);
  // Each sample is its repetition's median, which the preempted operation does
  // not move (the mean would be 149.5 us).
  EXPECT_DOUBLE_EQ(res.stats.median, 50'500);
  EXPECT_DOUBLE_EQ(res.stats.max, 50'500);
}

TEST(RunnerTest, AShortThroughputSampleIsMadeOfSeveralCalls) {
  fake_clock clock;
  run_options o = clock.options();
  o.sample_target = std::chrono::milliseconds(20);
  runner r(o);
  definition d{.name = "x/tp", .category = "x", .kind = kind::throughput, .unit = "items/s"};
  int calls = 0;
  d.body = [&](state& s) {
    ++calls;
    clock.now += 1'000'000;  // 1 ms for 10 items
    s.set_items(10);
  };
  const result res = r.run(d, {});
  ASSERT_EQ(res.status, run_status::ok) << res.reason;
  EXPECT_EQ(res.iterations, 20u);  // 20 calls of 1 ms per sample
  EXPECT_EQ(calls, 1 + 5 * 20);    // the warm-up, then 5 samples
  for (double v : res.samples) EXPECT_DOUBLE_EQ(v, 10'000);
  for (double w : res.wall_ns) EXPECT_DOUBLE_EQ(w, 20'000'000);
}

TEST(RunnerTest, AWarmUpTimeAddsCallsUntilItHasPassed) {
  fake_clock clock;
  runner r(clock.options(1));
  int calls = 0;
  definition d{.name = "x/tp", .category = "x", .kind = kind::throughput, .unit = "items/s"};
  d.body = [&](state& s) {
    ++calls;
    clock.now += 4'000'000;  // 4 ms
    s.set_items(1);
  };
  ASSERT_EQ(r.run(d, {}).status, run_status::ok);
  EXPECT_EQ(calls, 1 + 13);  // one warm-up call, then 13 make the 50 ms sample
  calls = 0;
  d.warmup_time = std::chrono::milliseconds(30);
  ASSERT_EQ(r.run(d, {}).status, run_status::ok);
  EXPECT_EQ(calls, 8 + 13);  // 8 calls of 4 ms pass 30 ms
}

TEST(RunnerTest, AFailingBenchmarkIsAnErrorRecordAndASkipIsSkipped) {
  runner r;
  definition bad{.name = "x/bad", .category = "x", .kind = kind::throughput, .unit = "items/s"};
  bad.body = [](state&) { throw std::runtime_error("database is down"); };
  const result e = r.run(bad, {});
  EXPECT_EQ(e.status, run_status::error);
  EXPECT_EQ(e.reason, "database is down");
  EXPECT_TRUE(e.samples.empty());
  definition none{.name = "x/none", .category = "x", .kind = kind::throughput, .unit = "items/s"};
  none.body = [](state&) {};
  EXPECT_EQ(r.run(none, {}).reason, "the benchmark did not call set_items()");
  definition skip{.name = "x/skip", .category = "x", .kind = kind::memory, .unit = "B"};
  skip.body = [](state& s) { s.skip("no PostgreSQL server"); };
  const result k = r.run(skip, {});
  EXPECT_EQ(k.status, run_status::skipped);
  EXPECT_EQ(k.reason, "no PostgreSQL server");
}

TEST(RunnerTest, MemoryBenchmarksCountAllocations) {
  runner r({.repetitions = 3});
  definition d{.name = "x/mem", .category = "x", .kind = kind::memory, .unit = "B"};
  d.body = [](state& s) {
    std::vector<std::unique_ptr<int>> v;
    for (int i = 0; i < 100; ++i) v.push_back(std::make_unique<int>(i));
    do_not_optimize(v);
    s.set_value(static_cast<double>(v.size()));
  };
  const result res = r.run(d, {});
  ASSERT_EQ(res.status, run_status::ok) << res.reason;
  EXPECT_GE(res.counters.at("allocations"), 100);  // the ints and the vector's growth
  EXPECT_GE(res.counters.at("allocated_bytes"), 100 * sizeof(int));
  EXPECT_DOUBLE_EQ(res.stats.median, 100);
}

TEST(RunnerTest, NoisySamplesAndFewSamplesAreWarnedAbout) {
  fake_clock clock;
  runner r(clock.options(3));
  int call = 0;
  definition d{.name = "x/noisy", .category = "x", .kind = kind::micro, .unit = "ns"};
  d.body = [&](state& s) {
    clock.now += static_cast<std::int64_t>(s.iterations()) * (++call % 2 ? 100 : 300);
  };
  const result res = r.run(d, {});
  ASSERT_EQ(res.status, run_status::ok);
  std::vector<std::string> codes;
  for (const auto& w : res.warnings) codes.push_back(w.code);
  EXPECT_NE(std::find(codes.begin(), codes.end(), "few_samples"), codes.end());
  EXPECT_NE(std::find(codes.begin(), codes.end(), "high_variance"), codes.end());
}

}  // namespace
}  // namespace perftrack::bench
