// Merging the shards of a multi-process run: samples in process order, latency
// percentiles over every process, a failed process's benchmark failed, and a
// damaged shard an error rather than lost or invented samples.

#include "perftrack/bench/shards.hpp"

#include <gtest/gtest.h>

namespace perftrack::bench {
namespace {

result latency_result(std::vector<double> samples, std::vector<double> latencies) {
  result r;
  r.name = "database/sqlite_query_latency";
  r.category = "database";
  r.kind = kind::latency;
  r.unit = "ns";
  r.samples = std::move(samples);
  r.wall_ns = r.cpu_ns = std::vector<double>(r.samples.size(), 1e6);
  r.latency_count = latencies.size();
  r.latencies = std::move(latencies);
  r.counters["rss_delta_bytes"] = static_cast<double>(r.samples.size());
  return r;
}

TEST(ShardsTest, RoundTripsThroughBytes) {
  auto r = latency_result({1, 2}, {1, 1, 2, 2});
  r.reason = "quotes \" and \\ survive";
  const auto decoded = decode_shard(encode_shard({r}), "shard 1");
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_EQ(decoded->size(), 1u);
  const result& d = decoded->front();
  EXPECT_EQ(d.name, r.name);
  EXPECT_EQ(d.kind, kind::latency);
  EXPECT_EQ(d.samples, r.samples);
  EXPECT_EQ(d.latencies, r.latencies);
  EXPECT_EQ(d.reason, r.reason);
  EXPECT_EQ(d.counters, r.counters);
}

TEST(ShardsTest, MergesSamplesInProcessOrderWithPercentilesOverAll) {
  std::vector<double> low(100, 10.0), high(100, 1000.0);
  const auto merged =
      merge_shards({{latency_result({10, 11}, low)}, {latency_result({1000}, high)}});
  ASSERT_EQ(merged.size(), 1u);
  const result& m = merged.front();
  EXPECT_EQ(m.samples, (std::vector<double>{10, 11, 1000}));
  EXPECT_EQ(m.wall_ns.size(), 3u);
  EXPECT_EQ(m.latency_count, 200u);
  ASSERT_TRUE(m.latency);
  EXPECT_EQ(m.latency->p50, 10);  // nearest rank over both processes' 200 latencies
  EXPECT_EQ(m.latency->p99, 1000);
  EXPECT_EQ(m.stats.n, 3u);
  EXPECT_TRUE(m.latencies.empty());                // not carried into the results file
  EXPECT_EQ(m.counters.at("rss_delta_bytes"), 1);  // the latest reading
}

TEST(ShardsTest, AFailedProcessFailsItsBenchmark) {
  auto failed = latency_result({}, {});
  failed.status = run_status::error;
  failed.reason = "boom";
  const auto merged = merge_shards({{latency_result({1, 2}, {1})}, {failed}});
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged.front().status, run_status::error);
  EXPECT_EQ(merged.front().reason, "boom");
  EXPECT_TRUE(merged.front().samples.empty());
}

TEST(ShardsTest, ADamagedShardIsAnErrorThatNamesIt) {
  const auto bytes = encode_shard({latency_result({1, 2}, {1})});
  const auto decoded = decode_shard(bytes.substr(0, bytes.size() / 2), "process 3");
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("process 3"), std::string::npos);
}

// The counted repetitions come from several processes: each one's counts are
// appended in order; a process whose count failed is named and the others'
// counts stay.
TEST(ShardsTest, CountsOfSeveralProcessesAreAppendedInOrder) {
  std::vector<result> timed = {latency_result({1, 2}, {})};
  auto counted = [](std::vector<double> instructions) {
    result c = latency_result({}, {});
    c.counts.unit = "operation";
    c.counts.estimated_cycles = instructions;
    c.counts.instructions = std::move(instructions);
    return c;
  };
  auto failed = latency_result({}, {});
  failed.status = run_status::error;
  failed.reason = "killed";
  const auto problems =
      attach_counts(timed, {counted({100, 101}), failed, counted({102}), counted({103, 104})});
  EXPECT_EQ(problems, (std::vector<std::string>{"database/sqlite_query_latency: killed"}));
  EXPECT_EQ(timed.front().counts.unit, "operation");
  EXPECT_EQ(timed.front().counts.instructions, (std::vector<double>{100, 101, 102, 103, 104}));
  EXPECT_EQ(timed.front().counts.estimated_cycles, timed.front().counts.instructions);
}

TEST(ShardsTest, RepetitionsAreSpreadEvenly) {
  EXPECT_EQ(repetitions_per_process(10, 5), (std::vector<int>{2, 2, 2, 2, 2}));
  EXPECT_EQ(repetitions_per_process(5, 5), (std::vector<int>{1, 1, 1, 1, 1}));
  EXPECT_EQ(repetitions_per_process(7, 3), (std::vector<int>{3, 2, 2}));
  EXPECT_EQ(repetitions_per_process(2, 5), (std::vector<int>{1, 1}));
  EXPECT_EQ(repetitions_per_process(4, 0), (std::vector<int>{4}));
}

}  // namespace
}  // namespace perftrack::bench
