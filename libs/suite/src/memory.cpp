// memory: what an agent costs on the heap, and whether creating and destroying
// agents leaks. (No message-history benchmark: nothing in the runtime keeps an
// in-memory history, and a structure defined here would measure only itself.)

#include <string>
#include <vector>

#include "category.hpp"
#include "perftrack/actor/actor_system.hpp"
#include "perftrack/bench/allocations.hpp"
#include "perftrack/suite/suite.hpp"

namespace perftrack::suite {
namespace {

using bench::state;
namespace pa = perftrack::actor;

// What a typical agent keeps: a name, capabilities, a little bookkeeping.
struct agent_state {
  std::string name;
  std::vector<std::string> capabilities;
  std::int64_t last_seen = 0;
  int handled = 0;
};

}  // namespace

void add_memory(bench::registry& r) {
  category c(r, "memory");
  c.memory(
      "agent_footprint",
      [](state& s) {
        pa::actor_system sys({.workers = s.config().threads});
        const int n = s.config().quick ? 20000 : 100000;
        const auto before = bench::allocations_now();
        for (int i = 0; i < n; ++i) {
          agent_state a{"agent-" + std::to_string(i), {"plan", "code"}, 0, 0};
          bench::do_not_optimize(sys.spawn(
              std::move(a), [](agent_state& st, pa::context&, pa::message&) { ++st.handled; }));
        }
        const auto after = bench::allocations_now();
        s.set_value(static_cast<double>(after.bytes - before.bytes) / n);
      },
      "heap bytes per idle agent with a name and two capabilities "
      "(allocations counted)");
  c.memory(
      "leak_check",
      [](state& s) {
        // Rounds of creating, messaging and stopping agents in one system;
        // RSS after the first (warm-up) round against after the last.
        pa::actor_system sys({.workers = s.config().threads});
        const int rounds = 10;
        const int per_round = s.config().quick ? 20000 : 100000;
        std::vector<pa::actor_id> ids(static_cast<std::size_t>(per_round));
        std::int64_t warm = 0;
        for (int round = 0; round < rounds; ++round) {
          for (auto& id : ids) {
            id = sys.spawn(agent_state{"worker", {}, 0, 0},
                           [](agent_state& st, pa::context&, pa::message&) { ++st.handled; });
            sys.send(id, pa::message(round));
          }
          for (const auto id : ids) sys.stop(id);
          sys.await_idle();
          if (round == 0) warm = bench::resident_bytes();
        }
        s.set_counter("agents_created", static_cast<double>(rounds) * per_round);
        // Signed: a drop shows as a drop (a clamp at zero could not see it).
        s.set_value(static_cast<double>(bench::resident_bytes() - warm));
      },
      "RSS growth after warm-up over 10 rounds of creating, messaging and "
      "stopping agents (1,000,000 in all; expected 0)");
}

}  // namespace perftrack::suite
