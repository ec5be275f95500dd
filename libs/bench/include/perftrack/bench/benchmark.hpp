#pragma once

// Registering benchmarks (docs/bench.md): a name, a category, a kind, a unit and
// which direction is better, and a body that measures one sample per call.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace perftrack::bench {

enum class kind {
  micro,       ///< a callable over calibrated iterations: time per iteration
  throughput,  ///< items per second over a run
  latency,     ///< a distribution of per-operation latencies
  memory,      ///< bytes (the body reports them; RSS and allocations are also taken)
};
enum class direction { lower_is_better, higher_is_better };

std::string_view name(kind k) noexcept;
std::string_view name(direction d) noexcept;

/// What a suite run is given: the command line's settings for every benchmark.
struct suite_config {
  bool quick = false;
  unsigned threads = 0;  ///< worker threads; 0: one per physical core
  /// Database benchmarks: SQLite always; PostgreSQL at this URL when set.
  std::string postgres_url;
  std::filesystem::path scratch;  ///< a directory a benchmark may write to
  /// This process counts instructions under Callgrind (about 50 times slower
  /// than native): a body may do fewer items, as its counts are per item and
  /// compared only with counts of the same body.
  bool counting = false;
};

/// Thrown by state::skip to end a benchmark as skipped (with its reason).
struct skipped : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What a benchmark body sees while it measures one sample. Any other exception
/// it throws makes the benchmark a record with status "error" and its message.
class state {
public:
  using clock_fn = std::function<std::int64_t()>;
  state(const suite_config& config, std::uint64_t iterations, clock_fn wall,
        std::int64_t timer_overhead_ns)
      : config_(config),
        iterations_(iterations),
        wall_(std::move(wall)),
        timer_overhead_ns_(timer_overhead_ns) {}

  const suite_config& config() const noexcept { return config_; }
  /// micro: how many times the body runs its operation in this sample.
  std::uint64_t iterations() const noexcept { return iterations_; }
  /// throughput: items done in this sample (the harness divides by the time).
  void set_items(double items) noexcept { items_ = items; }
  /// latency: one operation's latency.
  void add_latency(std::chrono::nanoseconds d) {
    latencies_.push_back(static_cast<double>(d.count()));
  }
  /// latency: times `op` with the harness's clock, minus the timer's own cost.
  template <class F>
  void time_operation(F&& op) {
    const std::int64_t t0 = wall_();
    op();
    const std::int64_t t1 = wall_();
    latencies_.push_back(
        static_cast<double>(std::max<std::int64_t>(t1 - t0 - timer_overhead_ns_, 0)));
  }
  /// memory (or any kind that measures its own value): this sample's value.
  void set_value(double v) noexcept { value_ = v; }
  /// Extra named figures kept with the result (last sample's value).
  void set_counter(const std::string& name, double v) { counters_[name] = v; }
  /// Excludes set-up (or, paused at the end, tear-down) from a timed sample.
  void pause_timing() {
    if (counting_) collect(false);
    paused_at_ = wall_();
    paused_ = true;
  }
  void resume_timing() {
    paused_ns_ += wall_() - paused_at_;
    paused_ = false;
    if (counting_) collect(true);
  }
  /// The sample's time as the body measured it (like Google Benchmark's manual
  /// time): used instead of the harness's clock, e.g. when a runtime under test
  /// times its own run.
  void set_manual_time(std::chrono::nanoseconds t) noexcept { manual_ns_ = t.count(); }
  /// Ends the benchmark as skipped, e.g. when a server it needs is not there.
  [[noreturn]] void skip(const std::string& why) { throw skipped(why); }

private:
  friend class runner;
  static void collect(bool on) noexcept;  // Callgrind's collection (instructions.hpp)
  const suite_config& config_;
  std::uint64_t iterations_;
  clock_fn wall_;
  std::int64_t timer_overhead_ns_;
  double items_ = -1;
  double value_ = -1;
  std::vector<double> latencies_;
  std::map<std::string, double> counters_;
  std::int64_t paused_at_ = 0;
  std::int64_t paused_ns_ = 0;
  bool paused_ = false;
  std::int64_t manual_ns_ = -1;
  bool counting_ = false;  ///< under Callgrind: pausing stops the count too
};

struct definition {
  std::string name;      ///< "category/what", unique
  std::string category;  ///< e.g. agent_spawn, message_throughput
  bench::kind kind = kind::micro;
  std::string unit;  ///< of a sample: "ns", "items/s", "bytes", "ms"
  bench::direction direction = direction::lower_is_better;
  std::function<void(state&)> body;
  std::string description;
  /// Single-threaded and CPU-bound: also counted under Callgrind (instructions
  /// and estimated cycles per unit of work), and the gate's verdict rests on the
  /// counts (bench/instructions.hpp).
  bool count_instructions = false;
  /// Runs the benchmark (and every thread its body starts) on this many CPUs,
  /// from the one it is on; 0: wherever the scheduler puts it. A benchmark
  /// whose threads take turns on one core (one worker) gives the same figure in
  /// every process once pinned; unpinned, its figure depends on whether the
  /// scheduler put its threads on one core or two (2.7 or 2.0 M msg/s for CAF's
  /// one-worker ping-pong, from process to process).
  int cpus = 0;
  /// Warm-up calls go on until they have lasted this long (at least
  /// run_options::warmup calls), for a benchmark whose first calls in a
  /// process differ from the rest: `agent_spawn/single`'s wake-ups took 15 or
  /// 35 us by process until its threads had run a while, then 35 us in most
  /// processes (docs/bench.md, "Warm-up").
  std::chrono::nanoseconds warmup_time{};
  /// Another project's code the benchmark measures ("CAF 0.17.6"), empty for
  /// the project's own: its figures are a reference beside ours, and the gate
  /// shows them without judging them (docs/compare.md).
  std::string peer;
};

/// The benchmarks of a program. `global()` is where register_benchmark puts them.
class registry {
public:
  void add(definition d);
  const std::vector<definition>& all() const noexcept { return defs_; }
  static registry& global();

private:
  std::vector<definition> defs_;
};

/// Adds `d` to the global registry; use at namespace scope:
///   const bool registered = register_benchmark({...});
bool register_benchmark(definition d);

/// Keeps the compiler from optimising `v` (and what computed it) away.
template <class T>
inline void do_not_optimize(const T& v) {
  asm volatile("" : : "r,m"(v) : "memory");
}
/// Makes pending writes to memory happen before this point.
inline void clobber_memory() { asm volatile("" : : : "memory"); }

}  // namespace perftrack::bench
