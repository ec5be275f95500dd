#include "perftrack/bench/runner.hpp"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include "perftrack/bench/allocations.hpp"
#include "perftrack/stats/percentile.hpp"

namespace perftrack::bench {
namespace {

// run_options::measured_region, told true now and false at the end of scope.
class measured_region {
public:
  explicit measured_region(const std::function<void(bool)>& tell) : tell_(tell) {
    if (tell_) tell_(true);
  }
  ~measured_region() {
    if (tell_) tell_(false);
  }
  measured_region(const measured_region&) = delete;
  measured_region& operator=(const measured_region&) = delete;

private:
  const std::function<void(bool)>& tell_;
};

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t process_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Median of 1001 back-to-back pairs of clock reads.
std::int64_t measure_overhead(const state::clock_fn& wall) {
  std::vector<std::int64_t> d(1001);
  for (auto& x : d) {
    const std::int64_t a = wall();
    const std::int64_t b = wall();
    x = b - a;
  }
  std::nth_element(d.begin(), d.begin() + 500, d.end());
  return std::max<std::int64_t>(d[500], 0);
}

}  // namespace

runner::runner(run_options options) : options_(std::move(options)) {
  if (!options_.wall) options_.wall = steady_ns;
  if (!options_.cpu) options_.cpu = process_cpu_ns;
  options_.repetitions = std::max(options_.repetitions, 1);
  options_.warmup = std::max(options_.warmup, 0);
  timer_overhead_ns_ = measure_overhead(options_.wall);
}

std::uint64_t runner::calibrate(const definition& d, const suite_config& config) const {
  std::uint64_t iterations = 1;
  const auto target = static_cast<double>(options_.micro_target.count());
  for (;;) {
    state s(config, iterations, options_.wall, timer_overhead_ns_);
    const std::int64_t t0 = options_.wall();
    d.body(s);
    const std::int64_t t1 = options_.wall();
    if (s.paused_) s.paused_ns_ += t1 - s.paused_at_;
    const auto elapsed = static_cast<double>(t1 - t0 - s.paused_ns_ - timer_overhead_ns_);
    if (elapsed >= target || iterations >= 1'000'000'000) return iterations;
    // Grow towards the target (x2 to x10 per step, as Google Benchmark does).
    const double factor = elapsed > 0 ? std::clamp(target * 1.4 / elapsed, 2.0, 10.0) : 10.0;
    iterations = static_cast<std::uint64_t>(static_cast<double>(iterations) * factor);
  }
}

// Calls the body once into `s`: its timed wall time (pauses and the timer's
// own cost left out, or the body's manual time) and the process CPU time.
runner::timed_call runner::call(const definition& d, state& s) const {
  const std::int64_t c0 = options_.cpu();
  const std::int64_t t0 = options_.wall();
  d.body(s);
  const std::int64_t t1 = options_.wall();
  const std::int64_t c1 = options_.cpu();
  if (s.paused_) s.paused_ns_ += t1 - s.paused_at_;  // paused to the end
  const std::int64_t wall =
      s.manual_ns_ >= 0 ? s.manual_ns_ : t1 - t0 - s.paused_ns_ - timer_overhead_ns_;
  return {static_cast<double>(std::max<std::int64_t>(wall, 1)), static_cast<double>(c1 - c0)};
}

// Warm-up, not measured: `warmup` calls of `iterations`, and more until they
// have lasted the definition's warmup_time. Returns the last call's wall time.
double runner::warm_up(const definition& d, const suite_config& config,
                       std::uint64_t iterations) const {
  const auto budget = static_cast<double>(d.warmup_time.count());
  double last = 0;
  double spent = 0;
  for (int i = 0; i < options_.warmup || (spent < budget && i < options_.max_calls_per_sample);
       ++i) {
    state s(config, iterations, options_.wall, timer_overhead_ns_);
    last = call(d, s).wall_ns;
    spent += last;
  }
  return last;
}

// Throughput and latency: how many calls of the body make one sample, so that a
// sample lasts at least sample_target (from the last warm-up call's time). A
// sample of one short call is mostly the luck of that call (a thread's wake-up).
int runner::calls_per_sample(const definition& d, const suite_config& config) const {
  const double last = warm_up(d, config, 1);
  if (d.kind != kind::throughput && d.kind != kind::latency) return 1;
  if (last <= 0) return 1;
  const double target = static_cast<double>(options_.sample_target.count());
  return static_cast<int>(std::clamp(std::ceil(target / last), 1.0,
                                     static_cast<double>(options_.max_calls_per_sample)));
}

void runner::measure(const definition& d, const suite_config& config, result& r) const {
  if (d.kind == kind::micro) {
    r.iterations = calibrate(d, config);
    warm_up(d, config, r.iterations);
  } else {
    r.iterations = static_cast<std::uint64_t>(calls_per_sample(d, config));
  }
  std::vector<double> latencies;
  const measured_region region(options_.measured_region);
  for (int rep = 0; rep < options_.repetitions; ++rep) {
    sample_figures f = sample(d, config, r);
    r.wall_ns.push_back(f.wall_ns);
    r.cpu_ns.push_back(f.cpu_ns);
    switch (d.kind) {
      case kind::micro: r.samples.push_back(f.wall_ns / static_cast<double>(r.iterations)); break;
      case kind::throughput: r.samples.push_back(f.items / (f.wall_ns / 1e9)); break;
      case kind::latency: {
        r.latency_count += f.latencies.size();
        const std::size_t room =
            options_.max_latencies - std::min(options_.max_latencies, latencies.size());
        latencies.insert(
            latencies.end(), f.latencies.begin(),
            f.latencies.begin() + static_cast<std::ptrdiff_t>(std::min(room, f.latencies.size())));
        // The median: one operation's typical latency, not moved by the few
        // that a preempted thread stretches a thousandfold. After the copy
        // above, which keeps the first operations: the median reorders them.
        r.samples.push_back(stats::median(f.latencies));
        break;
      }
      case kind::memory: r.samples.push_back(f.value); break;
    }
  }
  if (d.kind == kind::latency) r.latency = latency_summary(latencies);
  if (options_.keep_latencies) r.latencies = std::move(latencies);
}

// One sample: a micro or memory benchmark's one call, or a throughput or latency
// benchmark's r.iterations calls, their times and work added up.
runner::sample_figures runner::sample(const definition& d, const suite_config& config,
                                      result& r) const {
  const bool memory = d.kind == kind::memory;
  const auto calls = d.kind == kind::micro ? 1 : r.iterations;
  if (memory) enable_allocation_counting(true);
  const allocation_counts a0 = allocations_now();
  const std::int64_t rss0 = memory ? resident_bytes() : 0;
  sample_figures f;
  for (std::uint64_t i = 0; i < calls; ++i) {
    state s(config, r.iterations, options_.wall, timer_overhead_ns_);
    const timed_call t = call(d, s);
    f.wall_ns += t.wall_ns;
    f.cpu_ns += t.cpu_ns;
    if (d.kind == kind::throughput && s.items_ < 0) {
      throw std::runtime_error("the benchmark did not call set_items()");
    }
    if (d.kind == kind::latency && s.latencies_.empty()) {
      throw std::runtime_error("the benchmark recorded no latency (add_latency/time_operation)");
    }
    if (memory && s.value_ < 0) throw std::runtime_error("the benchmark did not call set_value()");
    f.items += std::max(s.items_, 0.0);
    f.value = s.value_;
    f.latencies.insert(f.latencies.end(), s.latencies_.begin(), s.latencies_.end());
    for (const auto& [k, v] : s.counters_) r.counters[k] = v;
  }
  if (memory) {
    const allocation_counts a1 = allocations_now();
    enable_allocation_counting(false);
    r.counters["rss_delta_bytes"] = static_cast<double>(resident_bytes() - rss0);
    r.counters["allocations"] = static_cast<double>(a1.count - a0.count);
    r.counters["allocated_bytes"] = static_cast<double>(a1.bytes - a0.bytes);
  }
  return f;
}

// Callgrind's costs of one call of `d`'s body (its paused parts left out), per
// unit of the work it did: items (throughput), latencies (latency), or the call.
callgrind_costs runner::count_call(const definition& d, const suite_config& config,
                                   std::uint64_t iterations) const {
  state s(config, iterations, options_.wall, timer_overhead_ns_);
  s.counting_ = true;
  collect_instructions(true);
  d.body(s);
  auto costs = dump_callgrind_costs(options_.callgrind_out);  // stops collecting first
  if (!costs) throw std::runtime_error(costs.error().message);
  double units = 1;
  if (d.kind == kind::throughput) units = s.items_;
  if (d.kind == kind::latency) units = static_cast<double>(s.latencies_.size());
  if (!(units > 0)) throw std::runtime_error("the benchmark did no counted work");
  return {costs->instructions / units, costs->estimated_cycles / units};
}

// Micro benchmarks: the difference between n and 2n iterations, per iteration,
// so that the body's fixed cost (set-up, the first call's lazy binding) drops
// out and any n gives the same count. Others: one call per unit of its work.
void runner::count(const definition& d, const suite_config& config, result& r) const {
  if (!d.count_instructions || d.kind == kind::memory) {
    throw skipped("not counted: the benchmark is not marked count_instructions");
  }
  if (d.kind == kind::micro) {
    // Iterations grow until a call counts a million instructions: chosen by
    // counts, not by time, so every run of the same build counts the same.
    constexpr double budget = 1e6;
    for (;;) {
      const double counted = count_call(d, config, r.iterations).instructions;
      if (counted >= budget || r.iterations >= 1'000'000'000) break;
      const double factor = counted > 0 ? std::clamp(budget * 1.4 / counted, 2.0, 10.0) : 10.0;
      r.iterations = static_cast<std::uint64_t>(static_cast<double>(r.iterations) * factor);
    }
  }
  // Warm-up, not counted: twice at the largest size counted, so that the heap
  // and the simulated caches are as they will be in every counted call.
  for (int i = 0; i < 2; ++i) {
    state s(config, 2 * r.iterations, options_.wall, timer_overhead_ns_);
    d.body(s);
  }
  r.counts.unit = d.kind == kind::micro        ? "iteration"
                  : d.kind == kind::throughput ? "item"
                                               : "operation";
  for (int rep = 0; rep < options_.repetitions; ++rep) {
    callgrind_costs per = count_call(d, config, r.iterations);
    if (d.kind == kind::micro) {
      const callgrind_costs twice = count_call(d, config, 2 * r.iterations);
      const auto n = static_cast<double>(r.iterations);
      per.instructions = (twice.instructions - per.instructions) / n;
      per.estimated_cycles = (twice.estimated_cycles - per.estimated_cycles) / n;
    }
    r.counts.instructions.push_back(per.instructions);
    r.counts.estimated_cycles.push_back(per.estimated_cycles);
  }
}

namespace {

// Pins the calling thread (and the threads it starts) to `cpus` CPUs from the
// one it runs on, for its lifetime; then puts the old affinity back.
class pinned {
public:
  explicit pinned(int cpus) {
    if (cpus <= 0 || ::sched_getaffinity(0, sizeof saved_, &saved_) != 0) return;
    const int allowed = CPU_COUNT(&saved_);
    if (cpus >= allowed) return;
    const int here = std::max(::sched_getcpu(), 0);
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int cpu = here, taken = 0; taken < cpus; cpu = (cpu + 1) % CPU_SETSIZE) {
      if (CPU_ISSET(cpu, &saved_)) {
        CPU_SET(cpu, &set);
        ++taken;
      }
    }
    active_ = ::sched_setaffinity(0, sizeof set, &set) == 0;
  }
  ~pinned() {
    if (active_) ::sched_setaffinity(0, sizeof saved_, &saved_);
  }
  pinned(const pinned&) = delete;
  pinned& operator=(const pinned&) = delete;

private:
  cpu_set_t saved_{};
  bool active_ = false;
};

}  // namespace

result runner::run(const definition& d, const suite_config& config) const {
  const pinned on(d.cpus);
  result r;
  r.name = d.name;
  r.category = d.category;
  r.kind = d.kind;
  r.unit = d.unit;
  r.direction = d.direction;
  r.peer = d.peer;
  try {
    if (options_.callgrind_out.empty()) {
      const bool peak = reset_peak_resident();
      measure(d, config, r);
      if (peak) r.peak_rss_bytes = static_cast<double>(peak_resident_bytes());
    } else {
      count(d, config, r);
    }
  } catch (const skipped& e) {
    r.status = run_status::skipped;
    r.reason = e.what();
  } catch (const std::exception& e) {
    r.status = run_status::error;
    r.reason = e.what();
  } catch (...) {
    r.status = run_status::error;
    r.reason = "unknown exception";
  }
  enable_allocation_counting(false);
  collect_instructions(false);
  finish(r);
  return r;
}

void finish(result& r) {
  if (r.status != run_status::ok) {
    r.samples.clear();
    r.wall_ns.clear();
    r.cpu_ns.clear();
    r.latencies.clear();
    r.latency.reset();
    return;
  }
  r.warnings.clear();
  r.stats = summarize(r.samples);
  if (r.stats.n < 5) {
    r.warnings.push_back({"few_samples", "only " + std::to_string(r.stats.n) +
                                             " samples: use --repetitions 5 or more"});
  }
  if (r.stats.cv > 0.10) {
    char cv[32];
    std::snprintf(cv, sizeof cv, "%.1f%%", r.stats.cv * 100);
    r.warnings.push_back(
        {"high_variance", std::string("samples vary by ") + cv +
                              " (cv): close other programs, pin the process (taskset -c), or raise "
                              "--repetitions"});
  }
}

std::vector<warning> build_warnings() {
  std::vector<warning> w;
#ifndef NDEBUG
  w.push_back({"debug_build",
               "perftrack was built without NDEBUG (a debug build): figures are not "
               "representative; build with the release preset (scripts/quickstart.sh)"});
#endif
  std::ifstream governor("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::string g;
  if (governor >> g && g != "performance") {
    w.push_back({"cpu_scaling", "the CPU frequency governor is '" + g +
                                    "': set it to performance (cpupower frequency-set -g "
                                    "performance) for stable figures"});
  }
  return w;
}

}  // namespace perftrack::bench
