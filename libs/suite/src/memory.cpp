// memory: what an agent costs on the heap, what a message history costs bounded
// and unbounded, and whether creating and destroying agents leaks.

#include <deque>
#include <string>
#include <vector>

#include "perftrack/actor/actor_system.hpp"
#include "perftrack/bench/allocations.hpp"
#include "perftrack/suite/suite.hpp"

namespace perftrack::suite {
namespace {

using bench::kind;
using bench::state;
namespace pa = perftrack::actor;

// What a typical agent keeps: a name, capabilities, a little bookkeeping.
struct agent_state {
  std::string name;
  std::vector<std::string> capabilities;
  std::int64_t last_seen = 0;
  int handled = 0;
};

// A typical agent message as kept in a history.
struct history_entry {
  std::string sender;
  std::string topic;
  std::string body;
  std::int64_t at = 0;
};

history_entry typical_message(int i) {
  return {"agent-" + std::to_string(i % 100), "status",
          R"({"status":"progress","task":)" + std::to_string(i) +
              R"(,"note":"analysis step finished, waiting for review"})",
          i};
}

// Heap bytes held by a history: its slots plus each string's own buffer.
template <class Container>
double held_bytes(const Container& c, std::size_t slots) {
  double bytes = static_cast<double>(slots * sizeof(history_entry));
  for (const auto& e : c) {
    for (const std::string* s : {&e.sender, &e.topic, &e.body}) {
      if (s->capacity() > 15) bytes += static_cast<double>(s->capacity() + 1);  // beyond SSO
    }
  }
  return bytes;
}

// A bounded history: the last `capacity` messages in a ring.
class ring_history {
public:
  explicit ring_history(std::size_t capacity) : slots_(capacity) {}
  void add(history_entry e) {
    slots_[next_ % slots_.size()] = std::move(e);
    ++next_;
  }
  const std::vector<history_entry>& slots() const { return slots_; }

private:
  std::vector<history_entry> slots_;
  std::size_t next_ = 0;
};

}  // namespace

void add_memory(bench::registry& r) {
  r.add({.name = "memory/agent_footprint",
         .category = "memory",
         .kind = kind::memory,
         .unit = "B",
         .body =
             [](state& s) {
               pa::actor_system sys({.workers = s.config().threads});
               const int n = s.config().quick ? 20000 : 100000;
               const auto before = bench::allocations_now();
               for (int i = 0; i < n; ++i) {
                 agent_state a{"agent-" + std::to_string(i), {"plan", "code"}, 0, 0};
                 bench::do_not_optimize(
                     sys.spawn(std::move(a),
                               [](agent_state& st, pa::context&, pa::message&) { ++st.handled; }));
               }
               const auto after = bench::allocations_now();
               s.set_value(static_cast<double>(after.bytes - before.bytes) / n);
             },
         .description = "heap bytes per idle agent with a name and two capabilities "
                        "(allocations counted)"});
  r.add({.name = "memory/message_history_unbounded",
         .category = "memory",
         .kind = kind::memory,
         .unit = "B",
         .body =
             [](state& s) {
               std::deque<history_entry> history;
               for (int i = 0; i < 10000; ++i) history.push_back(typical_message(i));
               s.set_value(held_bytes(history, history.size()));
             },
         .description = "bytes held by a history of 10,000 typical messages, kept whole"});
  r.add({.name = "memory/message_history_bounded",
         .category = "memory",
         .kind = kind::memory,
         .unit = "B",
         .body =
             [](state& s) {
               ring_history history(1000);
               for (int i = 0; i < 10000; ++i) history.add(typical_message(i));
               s.set_value(held_bytes(history.slots(), history.slots().size()));
             },
         .description = "bytes held after 10,000 messages by a ring of the last 1,000"});
  r.add({.name = "memory/leak_check",
         .category = "memory",
         .kind = kind::memory,
         .unit = "B",
         .body =
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
                   id =
                       sys.spawn(agent_state{"worker", {}, 0, 0},
                                 [](agent_state& st, pa::context&, pa::message&) { ++st.handled; });
                   sys.send(id, pa::message(round));
                 }
                 for (const auto id : ids) sys.stop(id);
                 sys.await_idle();
                 if (round == 0) warm = bench::resident_bytes();
               }
               s.set_counter("agents_created", static_cast<double>(rounds) * per_round);
               s.set_value(
                   static_cast<double>(std::max<std::int64_t>(bench::resident_bytes() - warm, 0)));
             },
         .description = "RSS growth after warm-up over 10 rounds of creating, messaging and "
                        "stopping agents (1,000,000 in all; expected 0)"});
}

}  // namespace perftrack::suite
