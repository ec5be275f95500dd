#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "perftrack/base/expected.hpp"
#include "perftrack/coord/store.hpp"
#include "perftrack/recorder/tracker.hpp"

/// The reference runtime's WebSocket gateway (docs/gateway.md): external agents
/// connect over WebSocket and register, send, receive and acknowledge messages
/// through the coordination service, with a JSON protocol. Boost.Beast stays in
/// the implementation.
namespace perftrack::gateway {

struct gateway_options {
  /// The interface to listen on. The protocol has no authentication: keep the
  /// default (loopback) unless a proxy in front of it authenticates clients.
  std::string address = "127.0.0.1";
  std::uint16_t port = 8765;  ///< 0 picks a free port (see gateway::port())
  std::string store_url = "sqlite:memory/coord.db";
  coord::store_options store;
  /// A bigger incoming frame closes that connection (close code 1009).
  std::size_t max_frame_bytes = 1 << 20;
  /// Bytes queued for a client that does not read; past this the gateway drops
  /// the connection. Its messages stay stored and are delivered again when it
  /// comes back (they were never acknowledged).
  std::size_t max_queue_bytes = 16 << 20;
  /// Told about trouble that is not one client's (accept failing, e.g. out of
  /// file descriptors; a handler that threw). Called on the I/O thread.
  std::function<void(const std::string&)> on_error;
};

/// What the gateway did since it started (monotonic, except connections_open).
struct gateway_counters {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t requests = 0;
  std::uint64_t messages_accepted = 0;  ///< stored, one per recipient
  std::uint64_t messages_pushed = 0;
  std::uint64_t messages_acked = 0;
  std::uint64_t bad_requests = 0;
  std::uint64_t oversized_frames = 0;
  std::uint64_t slow_clients_dropped = 0;
  std::uint64_t store_errors = 0;
  /// Bytes of message bodies accepted, once per recipient.
  std::uint64_t message_bytes = 0;
  /// Bytes of the bodies of accepted sends, once per send (the size histogram's sum).
  std::uint64_t send_bytes = 0;
  /// Sends by body size: the count at or below each of size_bounds, then
  /// above the last (not cumulative).
  static constexpr std::array<std::uint64_t, 6> size_bounds = {64, 256, 1024, 4096, 16384, 65536};
  std::array<std::uint64_t, size_bounds.size() + 1> message_sizes{};
};

/// A running gateway: one I/O thread serves every connection; the store's steps
/// run on it in order. Stops (closing every connection) when destroyed.
class gateway {
public:
  /// Opens the store, binds, and starts serving; fails with a message when the
  /// store cannot be opened or the port is taken.
  static expected<std::unique_ptr<gateway>> start(const gateway_options& options, tracker& t);
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  std::uint16_t port() const noexcept;
  /// ws://address:port/
  std::string url() const;
  gateway_counters counters() const noexcept;
  /// Closes every connection and stops the I/O thread; idempotent.
  void stop();

  struct impl;

private:
  explicit gateway(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace perftrack::gateway
