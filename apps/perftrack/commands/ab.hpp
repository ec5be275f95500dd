#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

/// `perftrack ab`: two builds' benchmark commands run interleaved in one job
/// (ABBA order) and compared paired (docs/compare.md).
namespace perftrack::cli::ab_command {

struct options {
  std::string base;  ///< shell command; {out} is the results path, {filter} a name regex
  std::string head;
  int rounds = 6;
  bool confirm = false;
  std::string config;
  std::string fail_on = "critical";
  std::string comment;
  std::string json;
  std::string junit;
  bool full = false;
  std::string work_dir;  ///< where the runs' results go (default: a temporary directory)
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::ab_command
