#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack bench`: runs the agent benchmark suite (docs/bench.md), prints a
/// table with the targets, and writes results/<timestamp>.json and
/// results/latest.json (docs/results-format.md).
namespace perftrack::cli::bench_command {

struct options {
  std::string filter;                   ///< ECMAScript regex on benchmark names
  std::vector<std::string> categories;  ///< empty: all
  bool list = false;
  bool quick = false;
  int repetitions = 0;  ///< 0: 10, or 5 with --quick
  unsigned threads = 0;
  std::string store;  ///< a PostgreSQL URL; empty: start one with scripts/pg_server.sh if possible
  std::string json;   ///< also write the results here
  std::string format = "console";
  std::string targets;  ///< TOML file; empty: the embedded defaults
  std::string slo;      ///< SLO baselines file; empty: the built-in slo/baselines.toml
  bool fail_on_target = false;
  bool quiet = false;
  std::string results_dir = "results";
  int processes = 0;      ///< 0: the default (default_processes)
  std::string shard_out;  ///< internal: run as one process of a multi-process run
  bool no_count = false;  ///< time only: no Callgrind run for instruction counts
  bool profile = false;   ///< also profile each benchmark's measured region (perf)
  std::string count_out;  ///< internal: the Callgrind process of a run
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::bench_command
