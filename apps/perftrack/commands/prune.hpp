#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack prune --older-than 90d`: retention, safe while others append.
namespace perftrack::cli::prune_command {

struct options {
  std::vector<std::string> files;
  std::string older_than;
  std::string now;
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::prune_command
