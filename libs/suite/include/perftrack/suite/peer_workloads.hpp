#pragma once

#include <utility>

/// The actor workloads run on perftrack's actor core and on CAF 0.17.6 side by
/// side: `perftrack bench --category peers` and `libs/actor/bench/actor_bench`.
namespace perftrack::suite::peers {

struct sizes {
  int round_trips = 1'000'000;     ///< ping-pong
  int count_messages = 1'000'000;  ///< counting
  int ring_size = 100;             ///< thread ring members
  int ring_hops = 1'000'000;       ///< thread ring
  int fork_join_agents = 100'000;  ///< fork-join create
  int idle_agents = 100'000;       ///< spawn
};

/// perftrack_counted: perftrack's actor core with system_options::count_mailboxes
/// on, as exporters run it (what waits in each mailbox, and since when).
enum class runtime { perftrack, perftrack_counted, caf };
enum class workload { ping_pong, counting, thread_ring, fork_join };

/// Seconds one run of `w` takes on `r` with `threads` workers.
double run(workload w, runtime r, unsigned threads, const sizes& sz);
/// Messages one run of `w` moves (fork-join: the message and the reply per agent).
double messages(workload w, const sizes& sz);
/// Spawning sz.idle_agents idle actors: (seconds, RSS growth per actor in bytes).
std::pair<double, double> spawn_idle(runtime r, unsigned threads, const sizes& sz);

}  // namespace perftrack::suite::peers
