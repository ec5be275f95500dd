#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack count -- PROGRAM [ARGS...]`: a Google Benchmark program's
/// benchmarks counted under Valgrind's Callgrind, each repetition one
/// iteration, the loop's instructions and estimated cycles per iteration, as a
/// Google Benchmark JSON file `perftrack compare` reads (docs/compare.md,
/// "Instruction counts of Google Benchmark programs").
namespace perftrack::cli::count_command {

struct options {
  int repetitions = 5;
  std::string json;  ///< where the counts go; empty: standard output
  std::vector<std::string> program;
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::count_command
