// message_throughput, continued: encoding a typical agent message (JSON,
// MessagePack, a compact binary form) and the queue under an agent's mailbox
// (a mutex-guarded deque, perftrack's lock-free MPSC queue, moodycamel's
// ConcurrentQueue).

#include <concurrentqueue/concurrentqueue.h>

#include <cstring>
#include <deque>
#include <msgpack.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "category.hpp"
#include "perftrack/actor/mpsc_queue.hpp"
#include "perftrack/suite/suite.hpp"

namespace perftrack::suite {
namespace {

using bench::state;

struct agent_message {
  std::string sender;
  std::string recipient;
  std::string topic;
  std::string body;
  std::int32_t priority = 0;
  std::int64_t sent_ns = 0;
  std::vector<std::string> tags;
  MSGPACK_DEFINE(sender, recipient, topic, body, priority, sent_ns, tags)
  bool operator==(const agent_message&) const = default;
};

agent_message typical() {
  return {"agent-17",
          "agent-42",
          "task.progress",
          R"({"task":1234,"status":"in_progress","note":"parsed the input, 3 of 5 steps done"})",
          2,
          1'795'000'000'000'000'000,
          {"planner", "urgent"}};
}

// ---- the three encodings -------------------------------------------------------------

std::string to_json(const agent_message& m) {
  return nlohmann::json{{"sender", m.sender}, {"recipient", m.recipient}, {"topic", m.topic},
                        {"body", m.body},     {"priority", m.priority},   {"sent_ns", m.sent_ns},
                        {"tags", m.tags}}
      .dump();
}
agent_message from_json(const std::string& s) {
  const auto j = nlohmann::json::parse(s);
  return {j.at("sender").get<std::string>(),
          j.at("recipient").get<std::string>(),
          j.at("topic").get<std::string>(),
          j.at("body").get<std::string>(),
          j.at("priority").get<std::int32_t>(),
          j.at("sent_ns").get<std::int64_t>(),
          j.at("tags").get<std::vector<std::string>>()};
}

std::string to_msgpack(const agent_message& m) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, m);
  return {buf.data(), buf.size()};
}
agent_message from_msgpack(const std::string& s) {
  const msgpack::object_handle h = msgpack::unpack(s.data(), s.size());
  return h.get().as<agent_message>();
}

// Compact binary: fixed-width integers, strings as a 32-bit length and bytes.
void put_u32(std::string& out, std::uint32_t v) {
  out.append(reinterpret_cast<const char*>(&v), 4);
}
void put_str(std::string& out, const std::string& s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}
std::string to_binary(const agent_message& m) {
  std::string out;
  out.reserve(64 + m.sender.size() + m.recipient.size() + m.topic.size() + m.body.size());
  for (const auto* s : {&m.sender, &m.recipient, &m.topic, &m.body}) put_str(out, *s);
  out.append(reinterpret_cast<const char*>(&m.priority), 4);
  out.append(reinterpret_cast<const char*>(&m.sent_ns), 8);
  put_u32(out, static_cast<std::uint32_t>(m.tags.size()));
  for (const auto& t : m.tags) put_str(out, t);
  return out;
}
agent_message from_binary(const std::string& s) {
  std::size_t at = 0;
  auto take = [&](void* to, std::size_t n) {
    if (at + n > s.size()) throw std::runtime_error("truncated binary message");
    std::memcpy(to, s.data() + at, n);
    at += n;
  };
  auto str = [&] {
    std::uint32_t n = 0;
    take(&n, 4);
    if (at + n > s.size()) throw std::runtime_error("truncated binary message");
    std::string v(s.data() + at, n);
    at += n;
    return v;
  };
  agent_message m;
  m.sender = str();
  m.recipient = str();
  m.topic = str();
  m.body = str();
  take(&m.priority, 4);
  take(&m.sent_ns, 8);
  std::uint32_t tags = 0;
  take(&tags, 4);
  for (std::uint32_t i = 0; i < tags; ++i) m.tags.push_back(str());
  return m;
}

template <class Encode, class Decode>
void add_encoding(category& c, const std::string& name, Encode encode, Decode decode) {
  c.micro("encode_decode_" + name,
          [encode, decode](state& s) {
            const agent_message m = typical();
            const std::string once = encode(m);
            if (!(decode(once) == m)) throw std::runtime_error("round trip changed the message");
            s.set_counter("encoded_bytes", static_cast<double>(once.size()));
            for (std::uint64_t i = 0; i < s.iterations(); ++i) {
              const std::string bytes = encode(m);
              bench::do_not_optimize(decode(bytes));
            }
          },
          "encode and decode a typical agent message (" + name + ")", {.count_instructions = true});
}

// ---- queues: 2 producer threads, 1 consumer ---------------------------------------------

struct node : actor::mpsc_node {
  int value = 0;
};

template <class Push, class Pop>
void two_producers_one_consumer(state& s, int per_producer, Push push, Pop pop) {
  const int total = 2 * per_producer;
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < per_producer; ++i) push(p * per_producer + i);
    });
  }
  long long sum = 0;
  for (int got = 0; got < total;) {
    int v;
    if (pop(v)) {
      sum += v;
      ++got;
    }
  }
  for (auto& t : producers) t.join();
  const long long expected = static_cast<long long>(total - 1) * total / 2;
  if (sum != expected) throw std::runtime_error("the queue lost or duplicated items");
  s.set_items(total);
}

}  // namespace

void add_encoding_and_queues(bench::registry& r) {
  category c(r, "message_throughput");
  add_encoding(c, "json", to_json, from_json);
  add_encoding(c, "msgpack", to_msgpack, from_msgpack);
  add_encoding(c, "binary", to_binary, from_binary);

  // The other queues measure other code (the standard library's, moodycamel's):
  // a reference beside the mailbox's, not gated.
  const auto queue = [&](const std::string& name, std::string what, std::string peer, auto body) {
    c.throughput("queue_" + name, "items/s", body, std::move(what), {.peer = std::move(peer)});
  };
  queue("mutex_deque", "std::deque behind a std::mutex, 2 producers -> 1 consumer",
        "std::deque and std::mutex", [](state& s) {
          std::mutex m;
          std::deque<int> q;
          two_producers_one_consumer(
              s, s.config().quick ? 200'000 : 1'000'000,
              [&](int v) {
                std::lock_guard lock(m);
                q.push_back(v);
              },
              [&](int& v) {
                std::lock_guard lock(m);
                if (q.empty()) return false;
                v = q.front();
                q.pop_front();
                return true;
              });
        });
  queue("perftrack_mpsc", "perftrack's intrusive lock-free MPSC queue (the mailbox), 2 -> 1", "",
        [](state& s) {
          const int per = s.config().quick ? 200'000 : 1'000'000;
          std::vector<node> nodes(static_cast<std::size_t>(2 * per));  // intrusive: no allocation
          actor::mpsc_queue q;
          two_producers_one_consumer(
              s, per,
              [&](int v) {
                nodes[static_cast<std::size_t>(v)].value = v;
                q.push(&nodes[static_cast<std::size_t>(v)]);
              },
              [&](int& v) {
                actor::mpsc_node* n = q.pop();
                if (n == nullptr) return false;
                v = static_cast<node*>(n)->value;
                return true;
              });
        });
  queue("moodycamel", "moodycamel::ConcurrentQueue (libconcurrentqueue-dev), 2 -> 1",
        "moodycamel::ConcurrentQueue", [](state& s) {
          moodycamel::ConcurrentQueue<int> q;
          two_producers_one_consumer(
              s, s.config().quick ? 200'000 : 1'000'000, [&](int v) { q.enqueue(v); },
              [&](int& v) { return q.try_dequeue(v); });
        });
}

}  // namespace perftrack::suite
