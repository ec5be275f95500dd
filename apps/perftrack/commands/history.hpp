#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <ostream>
#include <string>

/// `perftrack history list|trend|changes|prune`: the runs `perftrack compare`
/// recorded in a baseline directory (docs/compare.md).
namespace perftrack::cli::history_command {

struct options {
  std::string action;
  std::string baseline_dir;
  std::string history;  ///< a history file or PostgreSQL URL instead of DIR/history.db
  std::string benchmark;
  std::string metric;
  std::size_t limit = 20;
  double min_step = 0.05;
  std::string keep_samples = "90d";
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::history_command
