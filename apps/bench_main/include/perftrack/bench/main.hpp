#pragma once

/// A benchmark program of your own, run the way `perftrack bench` runs its
/// suite (docs/bench.md, "Your own benchmarks"): register benchmarks with
/// perftrack::bench::register_benchmark and link perftrack::bench_main (which
/// supplies main()), or call run_main from your own main().
///
///   my_bench [--filter REGEX] [--list] [--quick] [--repetitions N]
///            [--processes N] [--no-count] [--json PATH]
///            [--format console|json|google-benchmark] [--quiet]
///
/// The repetitions are spread over processes of the program, and benchmarks
/// marked count_instructions are counted under Callgrind; the results file is
/// perftrack's (docs/results-format.md), which `perftrack compare` reads.
namespace perftrack::bench {

/// Runs the benchmarks of registry::global() as the command line asks; the
/// exit status: 0, 1 when a benchmark failed, 2 for bad arguments.
int run_main(int argc, char** argv);

}  // namespace perftrack::bench
