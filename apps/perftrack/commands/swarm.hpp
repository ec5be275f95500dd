#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <ostream>
#include <string>

/// `perftrack swarm`: a realistic multi-agent workload on the coordination
/// service, recorded into the metrics file so `perftrack report` has real data.
namespace perftrack::cli::swarm_command {

struct options {
  int agents = 8;
  std::string duration = "10s";
  int processes = 1;
  int first_agent = 0;  ///< agents are named agent-<first_agent>, agent-<first_agent + 1>, ...
  std::string store = "sqlite:memory/coord.db";
  std::uint64_t seed = 1;
  unsigned workers = 0;  ///< 0: one per physical core
  /// Serve live metrics on 127.0.0.1:<port> (process i of --processes: port + i); 0: off.
  std::uint16_t metrics_port = 0;
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::swarm_command
