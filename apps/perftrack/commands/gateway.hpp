#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <ostream>
#include <string>

/// `perftrack gateway`: the runtime's WebSocket gateway (docs/gateway.md), until
/// SIGINT or SIGTERM (or --duration).
namespace perftrack::cli::gateway_command {

struct options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8765;
  std::string store = "sqlite:memory/coord.db";
  std::size_t max_frame = 1 << 20;
  std::size_t max_queue = 16 << 20;
  std::string duration;  ///< empty: until a signal
  /// Serve live metrics for Prometheus on 127.0.0.1:<port>; 0: off.
  std::uint16_t metrics_port = 0;
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::gateway_command
