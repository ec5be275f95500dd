#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack export --format csv|json`: the records of a window, to stdout.
namespace perftrack::cli::export_command {

struct options {
  std::vector<std::string> files;
  std::string format = "csv";
  std::string since;
  std::string until;
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::export_command
