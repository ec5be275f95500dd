#pragma once

// Runs registered benchmarks: calibration, warm-up, repetitions, every raw sample
// kept, the timer's own cost measured and subtracted (docs/bench.md).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "perftrack/base/run_status.hpp"
#include "perftrack/bench/benchmark.hpp"
#include "perftrack/bench/instructions.hpp"
#include "perftrack/bench/statistics.hpp"

namespace perftrack::bench {

/// A measurement-quality problem and what to do about it.
struct warning {
  std::string code;     ///< debug_build, high_variance, few_samples, cpu_scaling, ...
  std::string message;  ///< what is wrong, with the remedy
};

struct run_options {
  int repetitions = 10;  ///< samples per benchmark
  int warmup = 1;  ///< unmeasured calls before the samples (definition::warmup_time may add more)
  /// micro: iterations grow until one sample lasts at least this long.
  std::chrono::nanoseconds micro_target = std::chrono::milliseconds(20);
  /// throughput and latency: the body is called this many times per sample
  /// (at most max_calls_per_sample) that a sample lasts at least this long,
  /// judged by the last warm-up call.
  std::chrono::nanoseconds sample_target = std::chrono::milliseconds(50);
  int max_calls_per_sample = 1000;
  /// Clocks in nanoseconds (injectable for tests): wall (monotonic) and CPU time
  /// of the process.
  state::clock_fn wall;
  state::clock_fn cpu;
  /// latency: at most this many latencies are kept per benchmark (the first ones).
  std::size_t max_latencies = 1'000'000;
  /// latency: keep the raw latencies in result::latencies (a process of a
  /// multi-process run, whose parent merges them).
  bool keep_latencies = false;
  /// Count instead of time (this process runs under callgrind_arguments() with
  /// this --callgrind-out-file): each benchmark marked count_instructions
  /// gives result::counts, one per repetition; the others are skipped.
  std::filesystem::path callgrind_out;
  /// Called with true before a benchmark's samples and false after them
  /// (not around calibration or warm-up): `perftrack bench --profile`
  /// switches the profiler on and off here.
  std::function<void(bool measuring)> measured_region;
};

struct result {
  std::string name;
  std::string category;
  bench::kind kind = kind::micro;
  std::string unit;
  bench::direction direction = direction::lower_is_better;
  run_status status = run_status::ok;
  std::string reason;            ///< why error or skipped
  std::vector<double> samples;   ///< one per repetition, in `unit`
  std::vector<double> wall_ns;   ///< each sample's wall time (timer cost subtracted)
  std::vector<double> cpu_ns;    ///< each sample's process CPU time
  std::uint64_t iterations = 1;  ///< micro: iterations per sample; others: calls per sample
  summary stats;
  std::optional<latency_percentiles> latency;  ///< latency kind, in ns
  std::size_t latency_count = 0;
  std::vector<double> latencies;  ///< kept latencies, only with run_options::keep_latencies
  std::map<std::string, double> counters;  ///< extra figures (memory: rss, allocations)
  /// The most memory the process held while the benchmark ran (VmHWM, reset
  /// before it); the largest over processes; 0 when unknown.
  double peak_rss_bytes = 0;
  instruction_counts counts;  ///< under Callgrind (run_options::callgrind_out)
  /// `perftrack bench --profile`: the folder of this benchmark's CPU profile
  /// (absolute; empty when not profiled).
  std::string profile;
  std::string peer;  ///< definition::peer
  std::vector<warning> warnings;
};

class runner {
public:
  explicit runner(run_options options = {});
  /// The measured cost of one pair of wall-clock reads, in ns.
  std::int64_t timer_overhead_ns() const noexcept { return timer_overhead_ns_; }
  /// Runs one benchmark; never throws: failures are results with status error.
  result run(const definition& d, const suite_config& config) const;

private:
  struct timed_call {
    double wall_ns = 0;
    double cpu_ns = 0;
  };
  /// A sample's figures, summed over its calls.
  struct sample_figures {
    double wall_ns = 0;
    double cpu_ns = 0;
    double items = 0;
    double value = -1;
    std::vector<double> latencies;
  };
  void measure(const definition& d, const suite_config& config, result& r) const;
  timed_call call(const definition& d, state& s) const;
  double warm_up(const definition& d, const suite_config& config, std::uint64_t iterations) const;
  int calls_per_sample(const definition& d, const suite_config& config) const;
  sample_figures sample(const definition& d, const suite_config& config, result& r) const;
  void count(const definition& d, const suite_config& config, result& r) const;
  callgrind_costs count_call(const definition& d, const suite_config& config,
                             std::uint64_t iterations) const;
  std::uint64_t calibrate(const definition& d, const suite_config& config) const;
  run_options options_;
  std::int64_t timer_overhead_ns_ = 0;
};

/// Summary statistics and per-benchmark warnings from `r`'s samples: after a
/// run, or after merging the samples of several processes.
void finish(result& r);

/// Warnings that hold for the whole run (a debug build; CPU frequency scaling).
std::vector<warning> build_warnings();

}  // namespace perftrack::bench
