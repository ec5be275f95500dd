// message_throughput: messages between agents, one to one, many to one, many to
// many, request/reply, batched, and routed by topic.

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "category.hpp"
#include "perftrack/actor/actor_system.hpp"
#include "perftrack/suite/suite.hpp"

namespace perftrack::suite {
namespace {

using bench::state;
namespace pa = perftrack::actor;

struct go {};
struct ping {
  int left;
};

int scaled(const state& s, int full) { return s.config().quick ? full / 5 : full; }

// 1,000 messages, each to the agent of a name drawn in a fixed order among
// `agents`; by id (the name's actor id, as a caller keeps it) or by a scan of
// the (name, id) list. Each agent counts what it gets; returns when all arrived.
// Counted under Callgrind, a scan of 100,000 names is 50 messages: 1,000 are
// 1.5 G instructions, minutes a call.
void route_to_named(state& s, int agents, bool by_id) {
  s.pause_timing();
  pa::actor_system sys({.workers = s.config().threads});
  const int messages = s.config().counting && !by_id && agents >= 100'000 ? 50 : 1'000;
  std::atomic<int> got{0};
  std::promise<void> done;
  std::vector<std::pair<std::string, pa::actor_id>> directory;
  directory.reserve(static_cast<std::size_t>(agents));
  for (int a = 0; a < agents; ++a) {
    directory.emplace_back("agent-" + std::to_string(a),
                           sys.spawn(0, [&](int&, pa::context&, pa::message&) {
                             if (got.fetch_add(1) + 1 == messages) done.set_value();
                           }));
  }
  std::vector<std::size_t> targets;  // spread over the list (a scan finds each halfway on average)
  for (int m = 0; m < messages; ++m)
    targets.push_back(static_cast<std::size_t>((static_cast<std::int64_t>(m) * 7919) % agents));
  s.resume_timing();
  for (const auto k : targets) {
    pa::actor_id to{};
    if (by_id) {
      to = directory[k].second;
    } else {
      const std::string& wanted = directory[k].first;
      for (const auto& [name, id] : directory) {
        if (name == wanted) {
          to = id;
          break;
        }
      }
    }
    sys.send(to, pa::message(1));
  }
  done.get_future().wait();
  s.set_items(messages);
  s.pause_timing();
}

// `producers` agents each send `per_producer` messages to the counter of their
// group; `groups` counters. Returns when every counter has all its messages.
void fan_in(state& s, int producers_per_counter, int counters, int per_producer) {
  s.pause_timing();
  pa::actor_system sys({.workers = s.config().threads});
  std::atomic<int> finished{0};
  std::promise<void> all;
  const int expected = producers_per_counter * per_producer;
  std::vector<pa::actor_id> producers;
  for (int c = 0; c < counters; ++c) {
    const auto counter = sys.spawn(0, [&, expected, counters](int& n, pa::context&, pa::message&) {
      if (++n == expected && finished.fetch_add(1) + 1 == counters) all.set_value();
    });
    for (int p = 0; p < producers_per_counter; ++p) {
      producers.push_back(
          sys.spawn(0, [counter, per_producer](int&, pa::context& ctx, pa::message&) {
            for (int i = 0; i < per_producer; ++i) ctx.send(counter, pa::message(i));
          }));
    }
  }
  s.resume_timing();
  for (const auto p : producers) sys.send(p, pa::message(go{}));
  all.get_future().wait();
  s.set_items(static_cast<double>(expected) * counters);
  s.pause_timing();
}

// Request/reply round trips between two agents, each reply's callback asking again.
void async_request_reply(state& s) {
  s.pause_timing();
  pa::actor_system sys({.workers = s.config().threads});
  const int n = scaled(s, 200'000);
  std::promise<void> done;
  const auto responder =
      sys.spawn(0, [](int&, pa::context& ctx, pa::message& m) { ctx.reply(std::move(m)); });
  // Each reply's callback runs in the requester, which then asks again (by a
  // message to itself: a callback gets no context to send with).
  struct asker {
    int left;
  };
  const auto requester =
      sys.spawn(asker{n}, [&, responder](asker& a, pa::context& ctx, pa::message&) {
        if (a.left-- == 0) {
          done.set_value();
          return;
        }
        const auto self = ctx.self();
        ctx.request(responder, pa::message(a.left),
                    [&sys, self](pa::message&) { sys.send(self, pa::message(go{})); });
      });
  s.resume_timing();
  sys.send(requester, pa::message(go{}));
  done.get_future().wait();
  s.set_items(n);
  s.pause_timing();
}

// `batch` messages per send from outside the system to one agent.
void send_batches(state& s, int batch) {
  s.pause_timing();
  pa::actor_system sys({.workers = s.config().threads});
  const int n = scaled(s, 1'000'000) / batch * batch;
  std::promise<void> done;
  const auto counter = sys.spawn(0, [&, n](int& got, pa::context&, pa::message&) {
    if (++got == n) done.set_value();
  });
  std::vector<pa::message> buffer(static_cast<std::size_t>(batch));
  s.resume_timing();
  for (int sent = 0; sent < n; sent += batch) {
    if (batch == 1) {
      sys.send(counter, pa::message(sent));
    } else {
      for (auto& m : buffer) m = pa::message(sent);
      sys.send_batch(counter, buffer);
    }
  }
  done.get_future().wait();
  s.set_items(n);
  s.pause_timing();
}

// Routing: 100 agents, 20 topics (each agent on one), 10,000 messages published.
// Linear: every message scans the whole subscription list; hash: the system's
// O(1) topic lookup.
void routing(state& s, bool hash) {
  s.pause_timing();
  pa::actor_system sys({.workers = s.config().threads});
  constexpr int agents = 100;
  constexpr int topics = 20;
  constexpr int messages = 10'000;
  std::atomic<int> got{0};
  std::promise<void> done;
  const int expected = messages * (agents / topics);
  std::vector<std::pair<std::string, pa::actor_id>> subscriptions;
  for (int a = 0; a < agents; ++a) {
    const auto id = sys.spawn(0, [&, expected](int&, pa::context&, pa::message&) {
      if (got.fetch_add(1) + 1 == expected) done.set_value();
    });
    const std::string topic = "topic-" + std::to_string(a % topics);
    sys.subscribe(id, topic);
    subscriptions.emplace_back(topic, id);
  }
  std::vector<std::string> names;
  for (int t = 0; t < topics; ++t) names.push_back("topic-" + std::to_string(t));
  s.resume_timing();
  for (int m = 0; m < messages; ++m) {
    const std::string& topic = names[static_cast<std::size_t>(m % topics)];
    if (hash) {
      sys.publish(topic, m);
    } else {
      for (const auto& [t, id] : subscriptions) {
        if (t == topic) sys.send(id, pa::message(m));
      }
    }
  }
  done.get_future().wait();
  s.set_items(messages);
  s.pause_timing();
}

}  // namespace

void add_message_throughput(bench::registry& r) {
  category c(r, "message_throughput");
  // counted: the sender's side (routing) is the technique measured, and it runs
  // on the benchmark's thread: Callgrind counts it (delivery, on the workers,
  // is only timed).
  const auto tp = [&](std::string name, std::string what, std::function<void(state&)> body,
                      bool counted = false) {
    c.throughput(name, "msg/s", std::move(body), std::move(what), {.count_instructions = counted});
  };
  tp("simple", "1 producer agent -> 1 counter agent",
     [](state& s) { fan_in(s, 1, 1, scaled(s, 1'000'000)); });
  tp("concurrent_n_to_1", "4 producer agents -> 1 counter agent",
     [](state& s) { fan_in(s, 4, 1, scaled(s, 250'000)); });
  tp("concurrent_n_to_n", "4 producer agents -> 4 counter agents (pairs)",
     [](state& s) { fan_in(s, 1, 4, scaled(s, 250'000)); });
  tp("async_request_reply", "request/reply round trips between two agents (callbacks)",
     async_request_reply);
  for (const int batch : {1, 16, 256}) {
    tp("batch_" + std::to_string(batch),
       "messages from outside the system to one agent, " + std::to_string(batch) + " per send",
       [batch](state& s) { send_batches(s, batch); });
  }
  tp(
      "routing_linear_scan", "publish to 20 topics of 100 agents, scanning every subscription",
      [](state& s) { routing(s, false); }, true);
  tp(
      "routing_hash_lookup", "publish to 20 topics of 100 agents, by the system's topic map",
      [](state& s) { routing(s, true); }, true);
  // The O(1) address itself: a message to one named agent among n, addressed
  // by the runtime's id (a slot index) or found by scanning a list of (name,
  // id) pairs first. Delivery is the same on both sides, so the difference is
  // the lookup; with 10 agents there is none to see, with 100,000 it is all.
  for (const int n : {10, 1'000, 100'000}) {
    for (const bool by_id : {true, false}) {
      tp(
          std::string(by_id ? "route_by_id_" : "route_by_scan_") + std::to_string(n),
          "1,000 messages to named agents among " + std::to_string(n) +
              (by_id ? ", addressed by actor id" : ", found by scanning (name, id) pairs"),
          [n, by_id](state& s) { route_to_named(s, n, by_id); }, true);
    }
  }
}

}  // namespace perftrack::suite
