// examples/work_bench in perftrack form (workloads.hpp): the same three
// workloads registered with perftrack's harness, run by perftrack::bench_main
// (processes, instruction counts under Callgrind, perftrack's results file).
#include <functional>

#include "perftrack/bench/benchmark.hpp"
#include "workloads.hpp"

namespace {

namespace pb = perftrack::bench;

// A micro benchmark of the work category: `op` once per iteration. Single-
// threaded and CPU-bound, so counted under Callgrind too.
template <class Setup, class Op>
void add(const char* name, const char* what, Setup setup, Op op) {
  pb::register_benchmark({.name = std::string("work/") + name,
                          .category = "work",
                          .kind = pb::kind::micro,
                          .unit = "ns",
                          .body =
                              [setup, op](pb::state& s) {
                                auto data = setup();
                                for (std::uint64_t i = 0; i < s.iterations(); ++i)
                                  pb::do_not_optimize(op(data));
                              },
                          .description = what,
                          .count_instructions = true});
}

const bool registered = [] {
  const auto nothing = [] { return 0; };
  add("hash_ids", "hash 200,000 message ids", nothing, [](int) { return work::hash_ids(); });
  add("sort_queue", "fill and sort a queue of 20,000 priorities", work::make_queue,
      [](std::vector<std::uint64_t>& queue) {
        work::sort_queue(queue);
        return queue.data();
      });
  add("scan_routes", "scan a routing table of 100,000 entries", work::make_routes,
      [](const std::vector<std::uint32_t>& routes) { return work::scan_routes(routes); });
  return true;
}();

}  // namespace
