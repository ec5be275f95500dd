#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "perftrack/base/expected.hpp"

namespace perftrack::gateway {

/// A blocking WebSocket client with timeouts, for benchmarks and tests of the
/// gateway (any WebSocket server works). Each call waits at most its timeout and
/// then fails with a message; not thread-safe (one client per thread at a time).
class client {
public:
  using timeout = std::chrono::milliseconds;

  /// Connects over TCP and completes the WebSocket handshake for `path`.
  static expected<std::unique_ptr<client>> connect(const std::string& host, std::uint16_t port,
                                                   timeout limit = std::chrono::seconds(10),
                                                   const std::string& path = "/");
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends one text frame.
  expected<bool> send(std::string_view text, timeout limit = std::chrono::seconds(10));
  /// The next frame's text.
  expected<std::string> receive(timeout limit = std::chrono::seconds(10));
  /// Sends a close frame and waits for the server's (bounded by `limit`).
  void close(timeout limit = std::chrono::seconds(2));

  struct impl;

private:
  explicit client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace perftrack::gateway
