// The WebSocket gateway: Boost.Beast sessions on one I/O thread, the protocol of
// protocol.hpp, and the coordination service behind it.

#include "perftrack/gateway/gateway.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <memory>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "perftrack/coord/service.hpp"
#include "protocol.hpp"

namespace perftrack::gateway {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::string_view register_first =
    R"(register first: {"type":"register","agent":"<your id>"})";

struct counters_atomic {
  std::atomic<std::uint64_t> connections_accepted{0}, connections_open{0}, requests{0},
      messages_accepted{0}, messages_pushed{0}, messages_acked{0}, bad_requests{0},
      oversized_frames{0}, slow_clients_dropped{0}, store_errors{0}, message_bytes{0},
      send_bytes{0};
  std::array<std::atomic<std::uint64_t>, gateway_counters::size_bounds.size() + 1> message_sizes{};

  /// One accepted send of `body_bytes` to `recipients`.
  void accepted(std::size_t body_bytes, std::size_t recipients) {
    const auto& b = gateway_counters::size_bounds;
    const auto bucket =
        static_cast<std::size_t>(std::lower_bound(b.begin(), b.end(), body_bytes) - b.begin());
    message_sizes[bucket].fetch_add(1, std::memory_order_relaxed);
    messages_accepted.fetch_add(recipients, std::memory_order_relaxed);
    message_bytes.fetch_add(body_bytes * recipients, std::memory_order_relaxed);
    send_bytes.fetch_add(body_bytes, std::memory_order_relaxed);
  }
};

void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace

class session;

struct gateway::impl {
  impl(const gateway_options& o, std::unique_ptr<coord::store> s, tracker& t)
      : options(o), service(std::move(s), t) {}

  void accept_next();
  void report(const std::string& what) const {
    if (options.on_error) options.on_error(what);
  }
  void handle(session& s, std::string_view frame);
  void on_register(session& s, protocol::request& r);
  void on_send(session& s, protocol::request& r);
  void on_receive(session& s, const protocol::request& r);
  void on_ack(session& s, protocol::request& r);
  void flush_acks();
  void push(session& s, const coord::stored_message& m, bool replay = false);
  void opened(const std::shared_ptr<session>& s);
  void closed(session& s);
  void close_all();

  // Members used by the I/O thread only, but for the atomics and `options`.
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry{ioc};
  gateway_options options;
  coord::coordination_service service;
  std::uint16_t port = 0;
  std::string address;
  counters_atomic counters;
  std::unordered_map<session*, std::shared_ptr<session>> open;
  std::unordered_map<std::string, session*> agents;  ///< the latest connection of each agent

  // Acknowledgements of one turn of the I/O loop, committed in one store step.
  struct ack_request {
    std::weak_ptr<session> from;
    std::string ref;
    std::vector<std::int64_t> ids;
  };
  std::vector<ack_request> acks;
  bool ack_flush_posted = false;

  std::thread thread;
  bool stopped = false;
};

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, gateway::impl& server) : ws_(std::move(socket)), server_(server) {}

  void run() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::server, "perftrack-gateway");
    }));
    ws_.read_message_max(server_.options.max_frame_bytes);
    ws_.async_accept(beast::bind_front_handler(&session::on_accept, shared_from_this()));
  }

  /// Queues a text frame. Live traffic (replay false) for a client too far behind
  /// drops the connection; a replay of stored messages (on register or receive)
  /// is paced instead: at most half the queue limit is in flight, the rest waits
  /// in the backlog until writes complete. Frames leave in the order given.
  void send(std::string frame, bool replay = false) {
    if (closed_) return;
    if (!replay && backlog_.empty()) {
      enqueue(std::move(frame));
      return;
    }
    if (!replay) {
      backlog_live_bytes_ += frame.size();
      if (backlog_live_bytes_ > server_.options.max_queue_bytes) {
        drop_slow();
        return;
      }
    }
    backlog_.push_back({std::move(frame), replay});
    pump();
  }

  /// Closes the connection now (no close handshake); idempotent.
  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
    server_.closed(*this);
  }

  bool closed() const noexcept { return closed_; }

  std::string agent;                           ///< empty until registered
  std::unordered_set<std::int64_t> in_flight;  ///< pushed, not yet acknowledged

private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      close();
      return;
    }
    server_.opened(shared_from_this());
    read_next();
  }

  void read_next() {
    ws_.async_read(in_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      if (ec == websocket::error::message_too_big) bump(server_.counters.oversized_frames);
      close();
      return;
    }
    if (!ws_.got_text()) {
      bump(server_.counters.bad_requests);
      send(protocol::error("", "bad_request", "send text frames holding JSON, not binary frames"));
    } else {
      const auto data = in_.cdata();
      server_.handle(*this, std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    in_.consume(in_.size());
    if (!closed_) read_next();
  }

  struct pending_frame {
    std::string text;
    bool replay;
  };

  void enqueue(std::string frame) {
    queued_ += frame.size();
    if (queued_ > server_.options.max_queue_bytes) {
      drop_slow();
      return;
    }
    out_.push_back(std::move(frame));
    if (out_.size() == 1) write_next();
  }

  void pump() {
    while (!closed_ && !backlog_.empty() && queued_ < server_.options.max_queue_bytes / 2) {
      auto f = std::move(backlog_.front());
      backlog_.pop_front();
      if (!f.replay) backlog_live_bytes_ -= f.text.size();
      enqueue(std::move(f.text));
    }
  }

  void drop_slow() {
    bump(server_.counters.slow_clients_dropped);
    close();
  }

  void write_next() {
    ws_.text(true);
    ws_.async_write(net::buffer(out_.front()),
                    beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) {
      close();
      return;
    }
    queued_ -= out_.front().size();
    out_.pop_front();
    if (closed_) return;
    if (!out_.empty()) write_next();
    pump();
  }

  websocket::stream<beast::tcp_stream> ws_;
  gateway::impl& server_;
  beast::flat_buffer in_;
  std::deque<std::string> out_;  ///< being written, front first
  std::size_t queued_ = 0;       ///< bytes in out_
  std::deque<pending_frame> backlog_;
  std::size_t backlog_live_bytes_ = 0;
  bool closed_ = false;
};

void gateway::impl::accept_next() {
  acceptor.async_accept(ioc, [this](beast::error_code ec, tcp::socket socket) {
    if (stopped) return;
    if (ec) {
      if (ec == net::error::operation_aborted) return;
      // E.g. out of file descriptors: say so, and try again shortly, not in a spin.
      report("cannot accept a connection: " + ec.message() +
             " (raise `ulimit -n` for more connections)");
      retry.expires_after(std::chrono::milliseconds(100));
      retry.async_wait([this](beast::error_code e) {
        if (!e) accept_next();
      });
      return;
    }
    bump(counters.connections_accepted);
    std::make_shared<session>(std::move(socket), *this)->run();
    accept_next();
  });
}

void gateway::impl::opened(const std::shared_ptr<session>& s) {
  open.emplace(s.get(), s);
  bump(counters.connections_open);
}

void gateway::impl::closed(session& s) {
  const auto it = open.find(&s);
  if (it == open.end()) return;  // closed before its handshake finished
  if (!s.agent.empty()) {
    const auto a = agents.find(s.agent);
    if (a != agents.end() && a->second == &s) agents.erase(a);
  }
  counters.connections_open.fetch_sub(1, std::memory_order_relaxed);
  const auto keep = it->second;  // `s` may be this map's last owner
  open.erase(it);
}

void gateway::impl::close_all() {
  std::vector<std::shared_ptr<session>> all;
  all.reserve(open.size());
  for (const auto& [p, s] : open) all.push_back(s);
  for (const auto& s : all) s->close();
}

void gateway::impl::push(session& s, const coord::stored_message& m, bool replay) {
  if (!s.in_flight.insert(m.id).second) return;  // already on its way
  bump(counters.messages_pushed);
  s.send(protocol::message(m), replay);
}

void gateway::impl::handle(session& s, std::string_view frame) {
  bump(counters.requests);
  auto parsed = protocol::parse(frame);
  if (const auto* bad = std::get_if<protocol::bad_request>(&parsed)) {
    bump(counters.bad_requests);
    s.send(protocol::error(bad->ref, bad->code, bad->message));
    return;
  }
  auto& r = std::get<protocol::request>(parsed);
  if (r.type == protocol::request_type::ping) {
    s.send(protocol::pong(r.ref));
    return;
  }
  if (r.type == protocol::request_type::register_agent) {
    on_register(s, r);
    return;
  }
  if (s.agent.empty()) {
    bump(counters.bad_requests);
    s.send(protocol::error(r.ref, "not_registered", register_first));
    return;
  }
  switch (r.type) {
    case protocol::request_type::send: on_send(s, r); break;
    case protocol::request_type::receive: on_receive(s, r); break;
    case protocol::request_type::ack: on_ack(s, r); break;
    default: break;
  }
}

void gateway::impl::on_register(session& s, protocol::request& r) {
  auto a = service.agent_register(r.agent, r.name, r.capabilities);
  if (!a) {
    bump(counters.store_errors);
    s.send(protocol::error(r.ref, "refused", a.error().message));
    return;
  }
  if (!s.agent.empty() && s.agent != r.agent) {
    const auto old = agents.find(s.agent);
    if (old != agents.end() && old->second == &s) agents.erase(old);
    s.in_flight.clear();
  }
  s.agent = r.agent;
  agents[r.agent] = &s;  // the latest connection of an agent receives its messages
  auto pending = service.message_unacked(r.agent);
  if (!pending) {
    bump(counters.store_errors);
    s.send(protocol::error(r.ref, "refused", pending.error().message));
    return;
  }
  s.send(protocol::registered(r.ref, r.agent, pending->size()));
  for (const auto& m : *pending) push(s, m, /*replay=*/true);
}

void gateway::impl::on_send(session& s, protocol::request& r) {
  const std::int64_t now = coord::system_now_ns();
  if (r.to == "*") {
    auto made = service.agent_broadcast(s.agent, r.body);
    if (!made) {
      bump(counters.store_errors);
      s.send(protocol::error(r.ref, "refused", made.error().message));
      return;
    }
    counters.accepted(r.body.size(), made->size());
    s.send(protocol::accepted_broadcast(r.ref, made->size()));
    coord::stored_message m{.sender = s.agent, .body = std::move(r.body), .created_ns = now};
    for (auto& a : *made) {
      const auto to = agents.find(a.recipient);
      if (to == agents.end()) continue;
      m.id = a.id;
      m.recipient = std::move(a.recipient);
      push(*to->second, m);
    }
    return;
  }
  auto id = service.message_send(s.agent, r.to, r.body);
  if (!id) {
    bump(counters.store_errors);
    s.send(protocol::error(r.ref, "refused", id.error().message));
    return;
  }
  counters.accepted(r.body.size(), 1);
  s.send(protocol::accepted(r.ref, *id));
  if (const auto to = agents.find(r.to); to != agents.end()) {
    push(*to->second, {.id = *id,
                       .sender = s.agent,
                       .recipient = std::move(r.to),
                       .body = std::move(r.body),
                       .created_ns = now});
  }
}

void gateway::impl::on_receive(session& s, const protocol::request& r) {
  auto pending = service.message_unacked(s.agent);
  if (!pending) {
    bump(counters.store_errors);
    s.send(protocol::error(r.ref, "refused", pending.error().message));
    return;
  }
  std::size_t sent = 0;
  for (const auto& m : *pending) {
    if (s.in_flight.contains(m.id)) continue;
    push(s, m, /*replay=*/true);
    ++sent;
  }
  s.send(protocol::received(r.ref, sent));
}

void gateway::impl::on_ack(session& s, protocol::request& r) {
  // Only messages pushed on this connection; others are ignored (not counted).
  std::erase_if(r.ids, [&](std::int64_t id) { return !s.in_flight.contains(id); });
  acks.push_back({s.weak_from_this(), std::move(r.ref), std::move(r.ids)});
  if (!ack_flush_posted) {
    ack_flush_posted = true;
    net::post(ioc, [this] { flush_acks(); });
  }
}

void gateway::impl::flush_acks() {
  ack_flush_posted = false;
  std::vector<ack_request> batch;
  batch.swap(acks);
  std::vector<std::int64_t> ids;
  for (const auto& a : batch) ids.insert(ids.end(), a.ids.begin(), a.ids.end());
  auto done = service.message_acknowledge(ids);
  if (done)
    bump(counters.messages_acked, static_cast<std::uint64_t>(*done));
  else
    bump(counters.store_errors);
  for (auto& a : batch) {
    const auto s = a.from.lock();
    if (!s || s->closed()) continue;
    if (!done) {
      s->send(protocol::error(a.ref, "refused", done.error().message));
      continue;  // still in flight: acknowledged again or delivered again later
    }
    for (const auto id : a.ids) s->in_flight.erase(id);
    s->send(protocol::acked(a.ref, static_cast<std::int64_t>(a.ids.size())));
  }
}

gateway::gateway(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

gateway::~gateway() { stop(); }

expected<std::unique_ptr<gateway>> gateway::start(const gateway_options& options, tracker& t) {
  auto st = coord::open_store(options.store_url, options.store);
  if (!st) return st.error();
  auto p = std::make_unique<impl>(options, std::move(*st), t);

  beast::error_code ec;
  const auto address = net::ip::make_address(options.address, ec);
  if (ec)
    return failure{"'" + options.address +
                   "' is not an IP address: use one such as 127.0.0.1 (loopback) or 0.0.0.0"};
  const tcp::endpoint endpoint{address, options.port};
  const std::string where = options.address + ":" + std::to_string(options.port);
  p->acceptor.open(endpoint.protocol(), ec);
  if (!ec) p->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) p->acceptor.bind(endpoint, ec);
  if (ec == net::error::address_in_use)
    return failure{"port " + std::to_string(options.port) + " on " + options.address +
                   " is in use: stop what holds it, or choose another with --port (0 picks a "
                   "free one)"};
  if (ec == net::error::access_denied)
    return failure{"not allowed to listen on " + where + ": use a port above 1023"};
  if (!ec) p->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return failure{"cannot listen on " + where + ": " + ec.message()};
  p->port = p->acceptor.local_endpoint().port();
  p->address = options.address;

  p->accept_next();
  p->thread = std::thread([raw = p.get()] {
    for (;;) {
      try {
        raw->ioc.run();
        return;
      } catch (const std::exception& e) {
        // A handler failed (e.g. out of memory): report it and keep serving.
        raw->report(e.what());
      }
    }
  });
  return std::unique_ptr<gateway>(new gateway(std::move(p)));
}

std::uint16_t gateway::port() const noexcept { return impl_->port; }

std::string gateway::url() const {
  return "ws://" + impl_->address + ":" + std::to_string(impl_->port) + "/";
}

gateway_counters gateway::counters() const noexcept {
  const auto& c = impl_->counters;
  const auto get = [](const std::atomic<std::uint64_t>& a) {
    return a.load(std::memory_order_relaxed);
  };
  gateway_counters out{
      get(c.connections_accepted), get(c.connections_open), get(c.requests),
      get(c.messages_accepted),    get(c.messages_pushed),  get(c.messages_acked),
      get(c.bad_requests),         get(c.oversized_frames), get(c.slow_clients_dropped),
      get(c.store_errors),         get(c.message_bytes),    get(c.send_bytes)};
  for (std::size_t i = 0; i < out.message_sizes.size(); ++i)
    out.message_sizes[i] = get(c.message_sizes[i]);
  return out;
}

void gateway::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  net::post(impl_->ioc, [p = impl_.get()] {
    p->stopped = true;
    beast::error_code ignored;
    p->acceptor.close(ignored);
    p->retry.cancel();
    if (p->ack_flush_posted) p->flush_acks();  // what was acknowledged is committed
    p->close_all();
    p->ioc.stop();
  });
  impl_->thread.join();
}

}  // namespace perftrack::gateway
