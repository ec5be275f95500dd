// examples/work_bench in perftrack form (workloads.hpp): the same three
// workloads registered with perftrack's harness, run by perftrack::bench_main
// (processes, instruction counts under Callgrind, perftrack's results file).
#include "perftrack/bench/benchmark.hpp"
#include "workloads.hpp"

namespace {

using perftrack::bench::do_not_optimize;
using perftrack::bench::kind;
using perftrack::bench::register_benchmark;
using perftrack::bench::state;

const bool registered = [] {
  register_benchmark({.name = "work/hash_ids",
                      .category = "work",
                      .kind = kind::micro,
                      .unit = "ns",
                      .body =
                          [](state& s) {
                            for (std::uint64_t i = 0; i < s.iterations(); ++i)
                              do_not_optimize(work::hash_ids());
                          },
                      .description = "hash 200,000 message ids",
                      .count_instructions = true});
  register_benchmark({.name = "work/sort_queue",
                      .category = "work",
                      .kind = kind::micro,
                      .unit = "ns",
                      .body =
                          [](state& s) {
                            auto queue = work::make_queue();
                            for (std::uint64_t i = 0; i < s.iterations(); ++i) {
                              work::sort_queue(queue);
                              do_not_optimize(queue.data());
                            }
                          },
                      .description = "fill and sort a queue of 20,000 priorities",
                      .count_instructions = true});
  register_benchmark({.name = "work/scan_routes",
                      .category = "work",
                      .kind = kind::micro,
                      .unit = "ns",
                      .body =
                          [](state& s) {
                            const auto routes = work::make_routes();
                            for (std::uint64_t i = 0; i < s.iterations(); ++i)
                              do_not_optimize(work::scan_routes(routes));
                          },
                      .description = "scan a routing table of 100,000 entries",
                      .count_instructions = true});
  return true;
}();

}  // namespace
