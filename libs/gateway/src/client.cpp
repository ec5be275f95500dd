#include "perftrack/gateway/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <optional>

namespace perftrack::gateway {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

}  // namespace

struct client::impl {
  net::io_context ioc{1};
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer in;

  // Runs the started operation until its handler sets `ec`, at most `limit`;
  // past it, cancels the operation and reports a timeout.
  std::optional<beast::error_code> wait(std::optional<beast::error_code>& ec, timeout limit) {
    ioc.restart();
    ioc.run_for(limit);
    if (!ec) {
      beast::get_lowest_layer(ws).cancel();
      ioc.restart();
      ioc.run();  // lets the cancelled handler finish
      return std::nullopt;
    }
    return ec;
  }
};

client::client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
client::~client() = default;

expected<std::unique_ptr<client>> client::connect(const std::string& host, std::uint16_t port,
                                                  timeout limit, const std::string& path) {
  auto p = std::make_unique<impl>();
  const std::string where = host + ":" + std::to_string(port);
  beast::error_code ec;
  tcp::resolver resolver(p->ioc);
  const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return failure{"cannot resolve " + host + ": " + ec.message()};

  std::optional<beast::error_code> done;
  beast::get_lowest_layer(p->ws).async_connect(
      endpoints, [&](beast::error_code e, const tcp::endpoint&) { done = e; });
  auto r = p->wait(done, limit);
  if (!r) return failure{"connecting to " + where + " timed out"};
  if (*r) return failure{"cannot connect to " + where + ": " + r->message()};
  beast::get_lowest_layer(p->ws).socket().set_option(tcp::no_delay(true), ec);

  done.reset();
  p->ws.async_handshake(host, path, [&](beast::error_code e) { done = e; });
  r = p->wait(done, limit);
  if (!r) return failure{"the WebSocket handshake with " + where + " timed out"};
  if (*r) return failure{"the WebSocket handshake with " + where + " failed: " + r->message()};
  p->ws.text(true);
  return std::unique_ptr<client>(new client(std::move(p)));
}

expected<bool> client::send(std::string_view text, timeout limit) {
  std::optional<beast::error_code> done;
  impl_->ws.async_write(net::buffer(text.data(), text.size()),
                        [&](beast::error_code e, std::size_t) { done = e; });
  const auto r = impl_->wait(done, limit);
  if (!r) return failure{"sending a frame timed out"};
  if (*r) return failure{"cannot send a frame: " + r->message()};
  return true;
}

expected<std::string> client::receive(timeout limit) {
  std::optional<beast::error_code> done;
  impl_->in.clear();
  impl_->ws.async_read(impl_->in, [&](beast::error_code e, std::size_t) { done = e; });
  const auto r = impl_->wait(done, limit);
  if (!r) return failure{"no frame arrived within " + std::to_string(limit.count()) + " ms"};
  if (*r == websocket::error::closed) {
    const auto reason = impl_->ws.reason();
    return failure{"the server closed the connection (code " + std::to_string(reason.code) +
                   (reason.reason.empty() ? "" : ": " + std::string(reason.reason.c_str())) + ")"};
  }
  if (*r) return failure{"cannot receive a frame: " + r->message()};
  return beast::buffers_to_string(impl_->in.cdata());
}

void client::close(timeout limit) {
  if (!impl_->ws.is_open()) return;
  std::optional<beast::error_code> done;
  impl_->ws.async_close(websocket::close_code::normal, [&](beast::error_code e) { done = e; });
  if (!impl_->wait(done, limit)) beast::get_lowest_layer(impl_->ws).close();
}

}  // namespace perftrack::gateway
