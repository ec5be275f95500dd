#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "commands/bench.hpp"
#include "perftrack/bench/runner.hpp"

/// `perftrack bench --processes N`: the repetitions spread over N processes of
/// this binary, one after another, each running every selected benchmark for
/// its share and writing a shard (libs/bench/shards.hpp); merged in process
/// order. A process that dies before its shard is written loses only its own
/// samples, with a warning.
namespace perftrack::cli::bench_command {

struct process_run {
  std::vector<bench::result> results;
  std::vector<bench::warning> warnings;  ///< processes whose samples are missing
  bool ok = false;                       ///< at least one process delivered
};

/// Runs `repetitions[k]` repetitions in process k; the database benchmarks use
/// `postgres_url` (empty: none started).
process_run run_in_processes(const options& o, const std::vector<int>& repetitions,
                             const std::string& postgres_url, std::ostream& err);

/// Repetitions of a counted run: counts of one build vary by well under 1%;
/// five show how much.
inline constexpr int count_repetitions = 5;

struct counted_run {
  std::vector<bench::result> results;  ///< with result::counts
  std::vector<std::string> problems;   ///< benchmarks not counted and why (valgrind missing, ...)
};

/// Runs each of the benchmarks `names` once more, in a process of its own
/// under Callgrind (bench/instructions.hpp), for their instruction counts.
counted_run run_counted(const options& o, const std::vector<std::string>& names,
                        const std::string& postgres_url, std::ostream& err);

}  // namespace perftrack::cli::bench_command
