#pragma once

// A run spread over several processes (perftrack bench --processes N): each
// process runs every selected benchmark for its share of the repetitions and
// writes a shard; the parent merges the shards in process order, so each
// benchmark's samples carry the run-to-run spread of processes (memory layout,
// core placement, the machine's load over the whole run), not one process's
// luck (docs/bench.md, docs/compare.md).

#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/bench/runner.hpp"

namespace perftrack::bench {

/// One process's results, with raw latencies, as bytes (MessagePack).
std::string encode_shard(const std::vector<result>& results);
/// The results of encode_shard; `source` names the shard in errors.
expected<std::vector<result>> decode_shard(std::string_view bytes, std::string_view source);

/// Appends `part`'s samples, times and latencies to `into` (the same benchmark
/// from a later process); a part that failed or was skipped makes `into` so,
/// with its reason.
void merge_into(result& into, const result& part, std::size_t max_latencies = 1'000'000);

/// The shards' results merged by benchmark, in process order (the first
/// shard's benchmark order), with latency percentiles over every process's kept
/// latencies, statistics and warnings recomputed (finish()).
std::vector<result> merge_shards(const std::vector<std::vector<result>>& shards,
                                 std::size_t max_latencies = 1'000'000);

/// Gives each timed result the instruction counts of the same benchmark's
/// counted runs (run_options::callgrind_out), each run's appended in the
/// order given; returns "name: why" for each counted run that failed (the
/// timings stand, with the other runs' counts).
std::vector<std::string> attach_counts(std::vector<result>& timed,
                                       const std::vector<result>& counted);

/// Splits `repetitions` over `processes` as evenly as possible (the first ones
/// take the remainder); never a process with none.
std::vector<int> repetitions_per_process(int repetitions, int processes);

}  // namespace perftrack::bench
