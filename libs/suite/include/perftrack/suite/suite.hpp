#pragma once

#include "perftrack/bench/benchmark.hpp"

/// The agent benchmark suite that `perftrack bench` runs (docs/bench.md): each
/// category's benchmarks, measured against the reference agent runtime.
namespace perftrack::suite {

/// Adds every benchmark of the suite to `r`, category by category.
void add_all(bench::registry& r);

/// Drops what the database benchmarks left on the PostgreSQL server (this
/// process's scratch schema); call once the benchmarks have run.
void drop_scratch_schemas();

void add_agent_spawn(bench::registry& r);
void add_message_throughput(bench::registry& r);
/// Encodings and mailbox queues, in category message_throughput.
void add_encoding_and_queues(bench::registry& r);
void add_memory(bench::registry& r);
void add_database(bench::registry& r);
/// The WebSocket gateway over loopback connections.
void add_websocket(bench::registry& r);
void add_concurrent_load(bench::registry& r);
void add_task_completion(bench::registry& r);
void add_leader_election(bench::registry& r);
void add_peers(bench::registry& r);

}  // namespace perftrack::suite
