#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "perftrack/base/expected.hpp"
#include "perftrack/recorder/tracker.hpp"

namespace perftrack::coord {

/// A running swarm's counters, live, for an exporter to read while it runs
/// (perftrack swarm --metrics-port). Updated by the agents with relaxed atomics.
struct swarm_live {
  std::atomic<std::int64_t> agents_active{0};
  std::atomic<std::uint64_t> operations{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> tasks_completed{0};
  std::atomic<std::uint64_t> tasks_failed{0};
  std::atomic<std::uint64_t> elections_won{0};
  /// The agents' mailboxes, sampled every 50 ms: messages waiting in all, in
  /// the deepest, and how long the oldest of them has waited (ns).
  std::atomic<std::uint64_t> mailbox_messages{0};
  std::atomic<std::uint64_t> mailbox_deepest{0};
  std::atomic<std::int64_t> mailbox_oldest_wait_ns{0};
};

struct swarm_options {
  int agents = 8;
  std::chrono::milliseconds duration{10000};
  std::string store_url = "sqlite:memory/coord.db";
  /// Agents [first_agent, first_agent + agents) run here; lets processes share out ids.
  int first_agent = 0;
  /// Candidates for leadership: the first `candidates` agents of the whole swarm.
  int candidates = 3;
  std::uint64_t seed = 1;
  std::chrono::milliseconds leader_ttl{1000};
  /// Actor workers that run the agents; 0: one per physical core.
  unsigned workers = 0;
  /// When set, kept up to date while the swarm runs.
  swarm_live* live = nullptr;
};

struct swarm_result {
  std::uint64_t operations = 0;
  std::uint64_t failures = 0;
  std::uint64_t tasks_completed = 0;
  std::uint64_t elections_won = 0;
};

/// Runs the swarm workload (docs/coordination.md): `agents` actors on the actor
/// core, each an agent with its own store connection, doing the mix of the 20
/// coordination operations for `duration`, recorded by `t`. Fails only if the
/// store cannot be opened.
expected<swarm_result> run_swarm(const swarm_options& options, tracker& t);

}  // namespace perftrack::coord
