#pragma once

// Running selected benchmarks the way `perftrack bench` does (docs/bench.md):
// the repetitions spread over processes of this program, merged, then the
// benchmarks marked count_instructions counted under Callgrind, each in a
// process of its own. Used by `perftrack bench` and by users' own programs
// (perftrack::bench_main).
//
// A program that uses it re-runs itself: `harness_options::command` is its
// argument list up to the harness's own options, and its command line must
// accept --filter REGEX, --repetitions N, --results-dir DIR, --quiet, and the
// internal --shard-out FILE and --count-out FILE (see child_arguments).

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "perftrack/bench/benchmark.hpp"
#include "perftrack/bench/runner.hpp"

namespace perftrack::bench {

struct harness_options {
  int repetitions = 10;
  /// The repetitions are spread over this many processes, one after another
  /// (default_processes); 1: all in this process.
  int processes = 1;
  /// Also count the benchmarks marked count_instructions under Callgrind.
  bool count = true;
  bool quiet = false;                     ///< no progress on the error stream
  std::string label = "perftrack bench";  ///< how progress lines begin
  run_options run;  ///< sample lengths (default_run_options) and the clocks; repetitions from above
  /// Where the processes' folders go while the run lasts.
  std::filesystem::path work_dir = "results";
  /// This program's arguments before the harness's options, e.g. {"perftrack",
  /// "bench", "--quick", "--store", url}: what each process of the run is
  /// started with (the program itself is /proc/self/exe).
  std::vector<std::string> command;
  /// Called before each process the repetitions are spread over starts (its
  /// index, from 0): what a process needs afresh so that it varies between
  /// the samples of a run as it does between runs. perftrack bench renews its
  /// PostgreSQL server here (docs/compare.md, "A server per process"). An
  /// error it returns is a warning of the run.
  std::function<std::string(int process)> before_process;
  /// Set in a process of a run (from --shard-out / --count-out): run here and
  /// hand back a shard.
  std::filesystem::path shard_out;
  std::filesystem::path count_out;
  /// Also profile each benchmark that ran: once more, in a process of its
  /// own under `perf record`, sampling only its measured region; the
  /// outputs go to profile_dir/<benchmark>/ and result::profile.
  bool profile = false;
  std::filesystem::path profile_dir = "results/profiles";
};

struct harness_outcome {
  std::vector<result> results;
  std::vector<warning> warnings;  ///< lost processes, missing counts
  int processes = 1;              ///< how many the repetitions were spread over
  /// A process of a run: the shard to write to shard_out or count_out
  /// (atomically), and nothing else to do.
  std::string shard;
  std::string error;  ///< nothing was measured (every process lost, not under Callgrind)
};

/// Repetitions of a run by default: 10, or 8 in a quick run (docs/compare.md,
/// "Eight processes in a quick run").
int default_repetitions(bool quick);

/// Sample lengths by default (micro_target, sample_target): shorter in a quick run.
run_options default_run_options(bool quick);

/// Processes a run's repetitions are spread over by default: one per
/// repetition, up to 10 (docs/compare.md says why).
int default_processes(int repetitions);

/// Runs `selected` with `config`; never throws for a benchmark's failure (it
/// is a result with status error).
harness_outcome run_benchmarks(const std::vector<const definition*>& selected,
                               const suite_config& config, const harness_options& o,
                               std::ostream& err);

/// Runs `program` (a path, or a name looked up on PATH) with `args` (args[0]
/// is its name), standard output discarded, and waits: empty when it exited
/// with 0 or 1, else how it ended ("could not be started", "was killed by
/// signal 9", "exited with status 3").
std::string run_process(const std::string& program, const std::vector<std::string>& args);

/// The arguments of a process of the run: `o.command`, then the harness's
/// options for it (an exact-name --filter, --repetitions, --results-dir,
/// --quiet, and `role` with `out`, "--shard-out" or "--count-out").
std::vector<std::string> child_arguments(const harness_options& o,
                                         const std::vector<std::string>& names, int repetitions,
                                         const std::string& role, const std::filesystem::path& out);

}  // namespace perftrack::bench
