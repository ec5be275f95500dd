// peers: the runtime's actor workloads next to CAF 0.17.6 at the same thread
// counts (1 and 2 workers). Each pair is <workload>_perftrack_<N>t and
// <workload>_caf_<N>t; perftrack bench prints their ratio.

#include <chrono>

#include "category.hpp"
#include "perftrack/suite/peer_workloads.hpp"
#include "perftrack/suite/suite.hpp"

namespace perftrack::suite {
namespace {

using bench::state;

// Smaller than actor_bench's: CAF's fork-join with 2 threads takes seconds per
// 100,000 agents, and the suite runs every workload 11 times.
peers::sizes suite_sizes(const state& s) {
  peers::sizes z;
  const int f = s.config().quick ? 20 : 5;
  z.round_trips /= f;
  z.count_messages /= f;
  z.ring_hops /= f;
  z.fork_join_agents /= 2 * f;
  z.idle_agents /= f;
  return z;
}

}  // namespace

void add_peers(bench::registry& r) {
  category c(r, "peers");
  const std::pair<const char*, peers::workload> workloads[] = {
      {"ping_pong", peers::workload::ping_pong},
      {"counting", peers::workload::counting},
      {"thread_ring", peers::workload::thread_ring},
      {"fork_join", peers::workload::fork_join}};
  for (const unsigned threads : {1u, 2u}) {
    for (const auto rt : {peers::runtime::perftrack, peers::runtime::caf}) {
      // CAF's figures measure CAF: a reference beside ours, not gated.
      const std::string peer = rt == peers::runtime::caf ? "CAF 0.17.6" : "";
      const std::string suffix =
          std::string(rt == peers::runtime::perftrack ? "_perftrack_" : "_caf_") +
          std::to_string(threads) + "t";
      for (const auto& [name, w] : workloads) {
        c.throughput(
            name + suffix, "msg/s",
            [w = w, rt, threads](state& s) {
              const auto z = suite_sizes(s);
              // The workload's own timing: the runtime's start and stop are
              // not part of it.
              const double seconds = peers::run(w, rt, threads, z);
              s.set_manual_time(std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9)));
              s.set_items(peers::messages(w, z));
            },
            "messages/s of the workload on this runtime",
            {.cpus = static_cast<int>(threads), .peer = peer});
      }
      c.throughput(
          "spawn" + suffix, "agents/s",
          [rt, threads](state& s) {
            const auto z = suite_sizes(s);
            const double seconds = peers::spawn_idle(rt, threads, z).first;
            s.set_manual_time(std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9)));
            s.set_items(z.idle_agents);
          },
          "idle actors spawned per second", {.cpus = static_cast<int>(threads), .peer = peer});
    }
  }
}

}  // namespace perftrack::suite
