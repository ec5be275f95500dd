// A Google Benchmark program whose every benchmark does WORK_PERCENT% of a
// fixed amount of CPU work per iteration: built at 100 and at 115, it is the
// "real slowdown" the gate must catch (scripts/power.sh, docs/compare.md). The
// workloads are the kinds agent programs spend time on: hashing message ids,
// sorting a queue by priority, scanning a routing table.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace {

constexpr std::int64_t scaled(std::int64_t n) { return n * WORK_PERCENT / 100; }

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

void BM_HashIds(benchmark::State& state) {
  for (auto _ : state) {
    std::uint64_t h = 0;
    for (std::int64_t i = 0; i < scaled(200'000); ++i) h += mix(static_cast<std::uint64_t>(i));
    benchmark::DoNotOptimize(h);
  }
}

void BM_SortQueue(benchmark::State& state) {
  std::vector<std::uint64_t> queue(static_cast<std::size_t>(scaled(20'000)));
  for (auto _ : state) {
    for (std::size_t i = 0; i < queue.size(); ++i) queue[i] = mix(i + 1);
    std::sort(queue.begin(), queue.end());
    benchmark::DoNotOptimize(queue.data());
  }
}

void BM_ScanRoutes(benchmark::State& state) {
  std::vector<std::uint32_t> routes(static_cast<std::size_t>(scaled(100'000)));
  std::iota(routes.begin(), routes.end(), 0u);
  for (auto _ : state) {
    std::uint64_t hits = 0;
    for (const auto r : routes) hits += (mix(r) & 7) == 0;
    benchmark::DoNotOptimize(hits);
  }
}

}  // namespace

BENCHMARK(BM_HashIds);
BENCHMARK(BM_SortQueue);
BENCHMARK(BM_ScanRoutes);
BENCHMARK_MAIN();
