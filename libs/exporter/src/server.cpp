#include "perftrack/exporter/server.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "perftrack/exposition/format.hpp"

namespace perftrack::exporter {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

/// gzip at the fastest level (scrapes are frequent and small), with one
/// deflate state kept for the server's life: setting one up allocates about
/// 270 kB, which cost more than compressing a scrape. One thread at a time.
class gzipper {
public:
  gzipper() {
    ok_ = deflateInit2(&z_, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  gzipper(const gzipper&) = delete;
  gzipper& operator=(const gzipper&) = delete;
  ~gzipper() {
    if (ok_) deflateEnd(&z_);
  }

  /// `in` compressed, or empty when zlib fails (the caller sends it plain).
  std::string operator()(std::string_view in) {
    if (!ok_ || deflateReset(&z_) != Z_OK) return {};
    std::string out(deflateBound(&z_, in.size()), '\0');
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z_, Z_FINISH);
    out.resize(z_.total_out);
    return rc == Z_STREAM_END ? out : std::string{};
  }

private:
  z_stream z_{};
  bool ok_ = false;
};

response make_response(const request& req, http::status status, std::string_view type,
                       std::string body) {
  response res{status, req.version()};
  res.set(http::field::server, "perftrack");
  res.set(http::field::content_type, beast::string_view(type.data(), type.size()));
  res.body() = std::move(body);
  return res;
}

}  // namespace

std::string render_scrape(const std::vector<collector>& collectors, bool openmetrics,
                          std::size_t reserve) {
  std::vector<exposition::family> families;
  for (const auto& c : collectors) c(families);
  std::string out;
  out.reserve(reserve);
  exposition::write(families,
                    openmetrics ? exposition::format::openmetrics : exposition::format::text, out);
  return out;
}

struct server::impl {
  explicit impl(server_options o) : options(std::move(o)) {}

  response handle(const request& req);
  response metrics(const request& req);
  void accept_next();

  server_options options;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::atomic<std::uint64_t> scrapes{0};
  std::atomic<std::size_t> last_scrape_bytes{0};
  gzipper gzip;
  std::uint16_t port = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

namespace {

/// One HTTP/1.1 connection: read a request, answer it, again while the client
/// keeps the connection alive. Lives in its handlers (shared_from_this).
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, server::impl& srv) : stream_(std::move(socket)), srv_(srv) {}

  void read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(60));
    http::async_read(stream_, buffer_, req_,
                     beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

private:
  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return close();
    res_ = srv_.handle(req_);
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    if (req_.method() == http::verb::head) res_.body().clear();
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec || !res_.keep_alive()) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  request req_;
  response res_;
  server::impl& srv_;
};

}  // namespace

response server::impl::metrics(const request& req) {
  const auto fmt = exposition::negotiate(sv(req[http::field::accept]));
  // One allocation of the size the last scrape needed, and a little more.
  const std::size_t last = last_scrape_bytes.load(std::memory_order_relaxed);
  std::string body = render_scrape(options.collectors, fmt == exposition::format::openmetrics,
                                   std::max<std::size_t>(64 * 1024, last + last / 8));
  last_scrape_bytes.store(body.size(), std::memory_order_relaxed);
  scrapes.fetch_add(1, std::memory_order_relaxed);
  const bool zip = exposition::accepts_gzip(sv(req[http::field::accept_encoding]));
  std::string zipped = zip ? gzip(body) : std::string{};  // on the io thread only
  const bool zipped_ok = zip && !zipped.empty();
  response res = make_response(req, http::status::ok, exposition::content_type(fmt),
                               zipped_ok ? std::move(zipped) : std::move(body));
  if (zipped_ok) res.set(http::field::content_encoding, "gzip");
  res.set(http::field::vary, "Accept, Accept-Encoding");
  return res;
}

response server::impl::handle(const request& req) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res = make_response(req, http::status::method_not_allowed, "text/plain; charset=utf-8",
                             "only GET and HEAD\n");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  std::string_view target = sv(req.target());
  target = target.substr(0, target.find('?'));
  if (target == "/metrics") return metrics(req);
  if (target == "/health") {
    const auto up = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
    return make_response(
        req, http::status::ok, "application/json",
        fmt::format("{{\"status\":\"serving\",\"uptime_seconds\":{:.3f}}}\n", up.count()));
  }
  if (target == "/ready") {
    const readiness r = options.ready ? options.ready() : readiness{};
    return make_response(req, r.ready ? http::status::ok : http::status::service_unavailable,
                         "application/json", r.json + "\n");
  }
  for (const auto& p : options.pages) {
    if (target == p.path) return make_response(req, http::status::ok, p.content_type, p.render());
  }
  if (target == "/") {
    std::string paths = "/metrics /health /ready";
    for (const auto& p : options.pages) paths += " " + p.path;
    return make_response(req, http::status::ok, "text/plain; charset=utf-8",
                         "perftrack exporter: " + paths + "\n");
  }
  return make_response(req, http::status::not_found, "text/plain; charset=utf-8",
                       "not found: try /metrics, /health or /ready\n");
}

namespace {
constexpr int send_buffer_bytes = 1 << 20;
}  // namespace

void server::impl::accept_next() {
  acceptor.async_accept(ioc, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      // A scrape is one response written at once: nothing to gain from Nagle,
      // and a send buffer that takes a typical scrape whole (the default 16 kB
      // cut a 120 kB one into eight writes, each waiting for the reader).
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      socket.set_option(net::socket_base::send_buffer_size(send_buffer_bytes), ignored);
      std::make_shared<session>(std::move(socket), *this)->read();
    }
    accept_next();
  });
}

expected<std::unique_ptr<server>> server::start(server_options options) {
  auto p = std::make_unique<impl>(std::move(options));
  const std::string where = fmt::format("{}:{}", p->options.address, p->options.port);
  beast::error_code ec;
  const auto address = net::ip::make_address(p->options.address, ec);
  if (ec) {
    return failure{fmt::format("cannot listen on {}: '{}' is not an IP address (--address)", where,
                               p->options.address)};
  }
  const tcp::endpoint endpoint(address, p->options.port);
  p->acceptor.open(endpoint.protocol(), ec);
  if (!ec) p->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) p->acceptor.bind(endpoint, ec);
  if (ec == net::error::address_in_use) {
    return failure{fmt::format(
        "cannot listen on {}: the port is in use; stop the other server or choose another "
        "port with {}",
        where, p->options.port_flag)};
  }
  if (ec == net::error::access_denied) {
    return failure{fmt::format("not allowed to listen on {}: use a port above 1023 ({})", where,
                               p->options.port_flag)};
  }
  if (!ec) p->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return failure{fmt::format("cannot listen on {}: {}", where, ec.message())};
  p->port = p->acceptor.local_endpoint().port();
  p->accept_next();
  impl* raw = p.get();
  p->thread = std::thread([raw] { raw->ioc.run(); });
  return std::unique_ptr<server>(new server(std::move(p)));
}

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

server::~server() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t server::port() const noexcept { return impl_->port; }
const std::string& server::address() const noexcept { return impl_->options.address; }
std::uint64_t server::scrapes() const noexcept {
  return impl_->scrapes.load(std::memory_order_relaxed);
}

}  // namespace perftrack::exporter
