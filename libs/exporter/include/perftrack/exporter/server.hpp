#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/exposition/metrics.hpp"

namespace perftrack::exporter {

/// Adds families to a scrape. Called on the server's thread, one scrape at a
/// time; must not block for long (it delays the scrape).
using collector = std::function<void(std::vector<exposition::family>&)>;

/// What /ready answers: 200 when `ready`, 503 otherwise, with `json` as body.
struct readiness {
  bool ready = true;
  std::string json = "{\"ready\":true}";
};

/// A page served beside the metrics (perftrack serve --profile's /profile),
/// rendered on the server's thread at each request.
struct page {
  std::string path;  ///< e.g. "/profile"
  std::string content_type;
  std::function<std::string()> render;
};

struct server_options {
  /// Loopback unless told otherwise.
  std::string address = "127.0.0.1";
  /// 0 picks a free port (tests); see server::port().
  std::uint16_t port = 9090;
  /// The flag that names the port in errors ("--port", "--metrics-port").
  std::string port_flag = "--port";
  std::vector<collector> collectors;
  /// Defaults to always ready.
  std::function<readiness()> ready;
  std::vector<page> pages;
};

/// Serves GET /metrics (0.0.4 text or OpenMetrics by the Accept header, gzip
/// when asked), /health (200 and a small JSON body while it serves), /ready
/// and the options' pages on one I/O thread of its own. HTTP/1.1 with keep-alive, as
/// Prometheus scrapes.
class server {
public:
  /// Listens and starts serving; a port in use is one error that names
  /// options.port_flag.
  static expected<std::unique_ptr<server>> start(server_options options);
  /// Stops: closes the listener and every connection, joins the thread.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  std::uint16_t port() const noexcept;
  const std::string& address() const noexcept;
  /// Scrapes of /metrics answered so far.
  std::uint64_t scrapes() const noexcept;

  struct impl;

private:
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// The body of a scrape, as the server writes it (for benchmarks and tests
/// without a socket): every collector's families in `format`.
/// `reserve`: bytes to allocate up front (the server passes its last scrape's size).
std::string render_scrape(const std::vector<collector>& collectors, bool openmetrics,
                          std::size_t reserve = 64 * 1024);

}  // namespace perftrack::exporter
