// Recording cost per operation: perftrack next to prometheus-cpp's
// Histogram::Observe and spdlog's async logger, in one run (docs/performance.md).
//
//   build/libs/recorder/recorder_bench --benchmark_repetitions=10
//     --benchmark_report_aggregates_only=true  (or: scripts/bench.sh recorder)
//
// perftrack runs with its file sink on (a real file in $TMPDIR). Each run records a
// fixed number of records into a buffer large enough to hold them, so the hot path
// is measured rather than the drop path; the "dropped" counter proves it (0).

#include <benchmark/benchmark.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "perftrack/recorder/timing.hpp"
#include "perftrack/recorder/tracker.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::int64_t records_per_run = 1'000'000;

std::filesystem::path bench_dir() {
  return std::filesystem::temp_directory_path() / ("perftrack_bench_" + std::to_string(::getpid()));
}

std::unique_ptr<perftrack::tracker> g_tracker;
perftrack::operation_id g_op;

void make_tracker(const benchmark::State&) {
  perftrack::tracker_options o;
  o.directory = bench_dir();
  o.file_name = "recorder_bench.jsonl";
  o.buffer_bytes = 128u << 20;  // holds a whole run per thread
  g_tracker = std::make_unique<perftrack::tracker>(o);
  g_op = g_tracker->operation("agent_register");
}

void drop_tracker(const benchmark::State&) {
  g_tracker.reset();  // flushes
  std::filesystem::remove_all(bench_dir());
}

void report(benchmark::State& state) {
  if (state.thread_index() != 0) return;
  g_tracker->flush();
  const auto c = g_tracker->counters();
  state.counters["dropped"] = static_cast<double>(c.dropped());
}

// record() with the end time given: the cost excluding the clock read.
// Registers this thread's ring (its one allocation) before the timed loop.
void warm_up() { g_tracker->record(g_op, 1us, true); }

void BM_perftrack_record(benchmark::State& state) {
  warm_up();
  const auto end = perftrack::tracker::clock::now();
  for (auto _ : state) {
    g_tracker->record_at(g_op, 45123us, true, {}, end);
  }
  report(state);
}
BENCHMARK(BM_perftrack_record)
    ->Setup(make_tracker)
    ->Teardown(drop_tracker)
    ->Iterations(records_per_run)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// record() reading steady_clock for the timestamp, as plain record() does.
void BM_perftrack_record_now(benchmark::State& state) {
  warm_up();
  for (auto _ : state) g_tracker->record(g_op, 45123us, true);
  report(state);
}
BENCHMARK(BM_perftrack_record_now)
    ->Setup(make_tracker)
    ->Teardown(drop_tracker)
    ->Iterations(records_per_run)
    ->Threads(1)
    ->UseRealTime();

// A whole timed scope: two steady_clock reads and a record.
void BM_perftrack_scoped_timer(benchmark::State& state) {
  warm_up();
  for (auto _ : state) {
    perftrack::scoped_timer t(*g_tracker, g_op);
  }
  report(state);
}
BENCHMARK(BM_perftrack_scoped_timer)
    ->Setup(make_tracker)
    ->Teardown(drop_tracker)
    ->Iterations(records_per_run)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// prometheus-cpp: one histogram shared by all threads (the same operation).
prometheus::Histogram* g_histogram = nullptr;
std::shared_ptr<prometheus::Registry> g_registry;

void make_histogram(const benchmark::State&) {
  g_registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildHistogram()
                     .Name("operation_duration_ms")
                     .Help("duration of coordination operations")
                     .Register(*g_registry);
  g_histogram = &family.Add({{"operation", "agent_register"}},
                            prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 2.5, 5, 10, 25, 50,
                                                                    100, 250, 500, 1000});
}
void drop_histogram(const benchmark::State&) {
  g_histogram = nullptr;
  g_registry.reset();
}

void BM_prometheus_observe(benchmark::State& state) {
  for (auto _ : state) g_histogram->Observe(45.123);
}
BENCHMARK(BM_prometheus_observe)
    ->Setup(make_histogram)
    ->Teardown(drop_histogram)
    ->Iterations(records_per_run)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// spdlog's async logger into a file, non-blocking (drops the oldest when full,
// as perftrack drops the newest).
std::shared_ptr<spdlog::logger> g_logger;

void make_logger(const benchmark::State&) {
  std::filesystem::create_directories(bench_dir());
  spdlog::init_thread_pool(1 << 20, 1);
  g_logger = spdlog::create_async_nb<spdlog::sinks::basic_file_sink_mt>(
      "bench", (bench_dir() / "spdlog.log").string(), true);
}
void drop_logger(const benchmark::State&) {
  g_logger.reset();
  spdlog::drop_all();
  spdlog::shutdown();
  std::filesystem::remove_all(bench_dir());
}

void BM_spdlog_async(benchmark::State& state) {
  for (auto _ : state) g_logger->info("agent_register {} {}", 45.123, true);
}
BENCHMARK(BM_spdlog_async)
    ->Setup(make_logger)
    ->Teardown(drop_logger)
    ->Iterations(records_per_run)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// The background writer's sustained rate: a producer records in blocking mode
// and the run ends when every record is in the file. Items/s is the writer's rate.
void BM_writer_throughput(benchmark::State& state) {
  const std::int64_t n = 2'000'000;
  for (auto _ : state) {
    perftrack::tracker_options o;
    o.directory = bench_dir();
    o.file_name = "writer_bench.jsonl";
    o.overflow = perftrack::overflow_policy::block;
    perftrack::tracker t(o);
    const auto op = t.operation("task_claim");
    for (std::int64_t i = 0; i < n; ++i) t.record(op, 1234us, true, {.session_id = "ses_1"});
    t.flush();
    state.PauseTiming();
    state.counters["dropped"] = static_cast<double>(t.counters().dropped());
    std::filesystem::remove_all(bench_dir());
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_writer_throughput)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// Total CPU per record: the caller's cost above is only part of perftrack's
// and spdlog's, whose formatting and writing happen on another thread. Here
// each tool handles 1,000,000 records until they are done (perftrack: in the
// file and the histograms; spdlog: in the file; prometheus-cpp: observed, its
// whole job), and the process's CPU time over that span (every thread) is
// divided by the records: `total_cpu_ns_per_record`.
std::int64_t process_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void report_total_cpu(benchmark::State& state, std::int64_t cpu_ns) {
  state.counters["total_cpu_ns_per_record"] =
      static_cast<double>(cpu_ns) / static_cast<double>(records_per_run);
}

void BM_total_cpu_perftrack(benchmark::State& state) {
  for (auto _ : state) {
    perftrack::tracker_options o;
    o.directory = bench_dir();
    o.file_name = "total_cpu.jsonl";
    o.overflow = perftrack::overflow_policy::block;  // every record counted, none dropped
    perftrack::tracker t(o);
    const auto op = t.operation("agent_register");
    t.record(op, 1us, true);
    t.flush();
    const auto c0 = process_cpu_ns();
    for (std::int64_t i = 0; i < records_per_run; ++i) t.record(op, 45123us, true);
    t.flush();  // formatted, in the file, in the histograms
    report_total_cpu(state, process_cpu_ns() - c0);
    state.counters["dropped"] = static_cast<double>(t.counters().dropped());
  }
  std::filesystem::remove_all(bench_dir());
}
BENCHMARK(BM_total_cpu_perftrack)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_total_cpu_prometheus(benchmark::State& state) {
  for (auto _ : state) {
    const auto c0 = process_cpu_ns();
    for (std::int64_t i = 0; i < records_per_run; ++i) g_histogram->Observe(45.123);
    report_total_cpu(state, process_cpu_ns() - c0);
  }
}
BENCHMARK(BM_total_cpu_prometheus)
    ->Setup(make_histogram)
    ->Teardown(drop_histogram)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_total_cpu_spdlog(benchmark::State& state) {
  for (auto _ : state) {
    std::filesystem::create_directories(bench_dir());
    // Blocking when the queue is full, so every record is formatted and written.
    spdlog::init_thread_pool(1 << 16, 1);
    auto logger = spdlog::create_async<spdlog::sinks::basic_file_sink_mt>(
        "total", (bench_dir() / "total.log").string(), true);
    const auto c0 = process_cpu_ns();
    for (std::int64_t i = 0; i < records_per_run; ++i)
      logger->info("agent_register {} {}", 45.123, true);
    logger.reset();
    spdlog::shutdown();  // joins the pool once its queue is written
    report_total_cpu(state, process_cpu_ns() - c0);
  }
  std::filesystem::remove_all(bench_dir());
}
BENCHMARK(BM_total_cpu_spdlog)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
