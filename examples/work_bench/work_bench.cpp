// examples/work_bench in Google Benchmark form (workloads.hpp).
#include <benchmark/benchmark.h>

#include "workloads.hpp"

namespace {

void BM_HashIds(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(work::hash_ids());
}

void BM_SortQueue(benchmark::State& state) {
  auto queue = work::make_queue();
  for (auto _ : state) {
    work::sort_queue(queue);
    benchmark::DoNotOptimize(queue.data());
  }
}

void BM_ScanRoutes(benchmark::State& state) {
  const auto routes = work::make_routes();
  for (auto _ : state) benchmark::DoNotOptimize(work::scan_routes(routes));
}

}  // namespace

BENCHMARK(BM_HashIds);
BENCHMARK(BM_SortQueue);
BENCHMARK(BM_ScanRoutes);
BENCHMARK_MAIN();
