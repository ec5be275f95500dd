// websocket: the runtime's gateway (perftrack gateway) over real loopback
// connections: connection setup, 1,000 concurrent connections, broadcast
// latency to N clients, messages/s end to end, and the round trip of a ping.
// Each sample starts a gateway on a free port with a fresh SQLite store; the
// clients run on the benchmark's thread, the gateway on its own I/O thread.

#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "category.hpp"
#include "perftrack/gateway/client.hpp"
#include "perftrack/gateway/gateway.hpp"
#include "perftrack/suite/suite.hpp"
#include "stores.hpp"

namespace perftrack::suite {
namespace {

using bench::state;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

/// A gateway for one sample, with its tracker (live statistics, no file).
struct running_gateway {
  explicit running_gateway(state& s) {
    tracker_options to;
    to.file_sink = false;
    recorder = std::make_unique<tracker>(to);
    gateway::gateway_options o;
    o.port = 0;
    o.store_url = store_target{"sqlite"}.fresh_url(s);
    server = value_or_throw(gateway::gateway::start(o, *recorder));
  }
  ~running_gateway() { server->stop(); }

  std::unique_ptr<gateway::client> connect() const {
    return value_or_throw(gateway::client::connect("127.0.0.1", server->port()));
  }

  std::unique_ptr<tracker> recorder;
  std::unique_ptr<gateway::gateway> server;
};

json next(gateway::client& c) { return json::parse(value_or_throw(c.receive())); }

json expect(gateway::client& c, const char* type) {
  auto j = next(c);
  if (j["type"] != type)
    throw std::runtime_error("the gateway answered " + j.dump() + ", not " + type);
  return j;
}

/// "prefix" + i, built with append (GCC 12 warns, wrongly, on the + form).
std::string numbered(const char* prefix, int i) {
  std::string out = prefix;
  out.append(std::to_string(i));
  return out;
}

void send(gateway::client& c, const std::string& text) { value_or_throw(c.send(text)); }

std::unique_ptr<gateway::client> registered(const running_gateway& g, const std::string& agent) {
  auto c = g.connect();
  send(*c, R"({"type":"register","agent":")" + agent + R"("})");
  expect(*c, "registered");
  return c;
}

/// Makes room for `connections` loopback connections with both ends in this
/// process (each client also has its own event loop descriptors).
void raise_file_limit(state& s, rlim_t connections) {
  const rlim_t wanted = connections * 6 + 256;
  rlimit l{};
  ::getrlimit(RLIMIT_NOFILE, &l);
  if (l.rlim_cur >= wanted) return;
  if (l.rlim_max < wanted)
    s.skip("needs " + std::to_string(wanted) + " open files, the hard limit is " +
           std::to_string(l.rlim_max) + ": raise it (ulimit -Hn)");
  l.rlim_cur = wanted;
  ::setrlimit(RLIMIT_NOFILE, &l);
}

void connection_setup(state& s) {
  running_gateway g(s);
  const int n = s.config().quick ? 50 : 200;
  for (int i = 0; i < n; ++i) {
    std::unique_ptr<gateway::client> c;
    s.time_operation([&] { c = g.connect(); });
  }
}

void ping_round_trip(state& s) {
  running_gateway g(s);
  auto c = g.connect();
  const int n = s.config().quick ? 200 : 1000;
  for (int i = 0; i < n; ++i) {
    s.time_operation([&] {
      send(*c, R"({"type":"ping"})");
      expect(*c, "pong");
    });
  }
}

void concurrent_connections(state& s) {
  constexpr int n = 1000;
  raise_file_limit(s, n);
  s.pause_timing();
  running_gateway g(s);
  const auto heap_before = mallinfo2().uordblks;
  s.resume_timing();
  std::vector<std::unique_ptr<gateway::client>> clients;
  clients.reserve(n);
  for (int i = 0; i < n; ++i) clients.push_back(registered(g, numbered("c", i)));
  s.pause_timing();
  // All 1,000 are open at once, and each still answers.
  const auto open = g.server->counters().connections_open;
  if (open != n) throw std::runtime_error(std::to_string(open) + " connections open, not 1000");
  for (auto& c : clients) {
    send(*c, R"({"type":"ping"})");
    expect(*c, "pong");
  }
  s.set_items(n);
  // Heap in use (glibc), client and gateway ends together; kernel
  // socket buffers are not in it.
  s.set_counter("heap_bytes_per_connection_both_ends",
                (static_cast<double>(mallinfo2().uordblks) - static_cast<double>(heap_before)) / n);
  clients.clear();
}

void messages(state& s) {
  // 4 senders to 4 receivers, 64 messages in flight per pair; each
  // message is stored, pushed, and acknowledged (in batches of 64).
  constexpr int pairs = 4;
  constexpr int window = 64;
  const int rounds = s.config().quick ? 10 : 40;
  s.pause_timing();
  running_gateway g(s);
  std::vector<std::unique_ptr<gateway::client>> senders, receivers;
  for (int p = 0; p < pairs; ++p) {
    senders.push_back(registered(g, numbered("s", p)));
    receivers.push_back(registered(g, numbered("r", p)));
  }
  const std::string body(200, 'x');
  s.resume_timing();
  for (int round = 0; round < rounds; ++round) {
    for (int p = 0; p < pairs; ++p) {
      const std::string frame =
          R"({"type":"send","to":")" + numbered("r", p) + R"(","body":")" + body + R"("})";
      for (int m = 0; m < window; ++m) send(*senders[p], frame);
    }
    for (int p = 0; p < pairs; ++p) {
      for (int m = 0; m < window; ++m) expect(*senders[p], "accepted");
      json ack = {{"type", "ack"}, {"ids", json::array()}};
      for (int m = 0; m < window; ++m) ack["ids"].push_back(expect(*receivers[p], "message")["id"]);
      send(*receivers[p], ack.dump());
    }
    for (int p = 0; p < pairs; ++p) {
      if (expect(*receivers[p], "acked")["count"] != window)
        throw std::runtime_error("an acknowledgement was not counted");
    }
  }
  s.set_items(static_cast<double>(rounds) * pairs * window);
  s.pause_timing();
}

// From the send until the last of `receivers` clients has the message.
void broadcast(state& s, int receivers) {
  raise_file_limit(s, static_cast<rlim_t>(receivers) + 1);
  running_gateway g(s);
  auto sender = registered(g, "sender");
  std::vector<std::unique_ptr<gateway::client>> clients;
  for (int i = 0; i < receivers; ++i) clients.push_back(registered(g, numbered("r", i)));
  const int n = receivers >= 1000 ? (s.config().quick ? 3 : 20) : (s.config().quick ? 10 : 50);
  for (int i = 0; i < n; ++i) {
    const auto t0 = steady::now();
    send(*sender, R"({"type":"send","to":"*","body":"all hands"})");
    std::vector<std::int64_t> ids;
    ids.reserve(clients.size());
    for (auto& c : clients) ids.push_back(expect(*c, "message")["id"].get<std::int64_t>());
    s.add_latency(steady::now() - t0);
    // Not timed: the sender's receipt and every acknowledgement.
    expect(*sender, "accepted");
    for (std::size_t k = 0; k < clients.size(); ++k)
      send(*clients[k], R"({"type":"ack","id":)" + std::to_string(ids[k]) + "}");
    for (auto& c : clients) expect(*c, "acked");
  }
}

}  // namespace

void add_websocket(bench::registry& r) {
  category c(r, "websocket");
  c.latency("connection_setup", connection_setup,
            "TCP connect and WebSocket handshake with the gateway, over loopback");

  c.latency("ping_round_trip", ping_round_trip,
            "a ping frame answered by a pong: the gateway's path without the store");

  c.throughput("concurrent_connections_1000", "connections/s", concurrent_connections,
               "1,000 clients connect and register, all open at once (then each pings)");

  for (const int receivers : {10, 100, 1000}) {
    c.latency(
        "broadcast_latency_" + std::to_string(receivers),
        [receivers](state& s) { broadcast(s, receivers); },
        "a broadcast, from the send until the last of " + std::to_string(receivers) +
            " clients has it");
  }

  c.throughput("messages", "msg/s", messages,
               "messages sent, stored, pushed and acknowledged, 4 pairs of clients");
}

}  // namespace perftrack::suite
