#pragma once

// The work of examples/work_bench, WORK_PERCENT% of a fixed amount per call:
// the kinds agent programs spend time on (hashing message ids, sorting a queue
// by priority, scanning a routing table). Built at 100 and at 115, it is the
// "real slowdown" the gate must catch (scripts/power.sh, docs/compare.md), in
// Google Benchmark form (work_bench.cpp) and perftrack form
// (work_bench_perftrack.cpp).

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace work {

constexpr std::int64_t scaled(std::int64_t n) { return n * WORK_PERCENT / 100; }

inline std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

inline std::uint64_t hash_ids() {
  std::uint64_t h = 0;
  for (std::int64_t i = 0; i < scaled(200'000); ++i) h += mix(static_cast<std::uint64_t>(i));
  return h;
}

inline std::vector<std::uint64_t> make_queue() {
  return std::vector<std::uint64_t>(static_cast<std::size_t>(scaled(20'000)));
}

inline void sort_queue(std::vector<std::uint64_t>& queue) {
  for (std::size_t i = 0; i < queue.size(); ++i) queue[i] = mix(i + 1);
  std::sort(queue.begin(), queue.end());
}

inline std::vector<std::uint32_t> make_routes() {
  std::vector<std::uint32_t> routes(static_cast<std::size_t>(scaled(100'000)));
  std::iota(routes.begin(), routes.end(), 0u);
  return routes;
}

inline std::uint64_t scan_routes(const std::vector<std::uint32_t>& routes) {
  std::uint64_t hits = 0;
  for (const auto r : routes) hits += (mix(r) & 7) == 0;
  return hits;
}

}  // namespace work
