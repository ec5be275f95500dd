#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack top`: a live terminal view of operations (docs/top.md).
namespace perftrack::cli::top_command {

struct options {
  std::vector<std::string> files;  ///< metrics files or directories to follow
  std::string url;                 ///< or an exporter's /metrics
  std::string metric = "agent_operation_duration_seconds";
  std::string errors_metric = "agent_operation_errors_total";
  std::string label = "operation";
  double interval = 1;  ///< seconds between readings
  int window = 10;      ///< seconds of events behind each percentile
  std::string sort = "p99";
  std::size_t iterations = 0;
  bool plain = false;
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::top_command
