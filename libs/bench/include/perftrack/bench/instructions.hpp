#pragma once

// Counting instead of timing (docs/bench.md, "Instruction counts"): a
// benchmark marked `count_instructions` (single-threaded and CPU-bound) is also
// run once under Valgrind's Callgrind, which counts the instructions it executes
// and simulates a fixed cache. Counts do not depend on the machine's load, so
// the gate can call a 2% change on a machine whose timings spread by 30%
// (iai-callgrind and CodSpeed gate this way).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "perftrack/base/expected.hpp"

namespace perftrack::bench {

/// What Callgrind counted between two dumps.
struct callgrind_costs {
  double instructions = 0;  ///< Ir
  /// Ir + 10 x L1 misses + 100 x last-level misses (the estimate iai-callgrind
  /// uses), from the simulated cache.
  double estimated_cycles = 0;
};

/// A benchmark's counts, one per repetition, per unit of its work.
struct instruction_counts {
  std::string unit;  ///< "iteration" (micro), "item" (throughput), "operation" (latency)
  std::vector<double> instructions;
  std::vector<double> estimated_cycles;
  bool empty() const noexcept { return instructions.empty(); }
};

/// True when this process runs under Valgrind's Callgrind.
bool under_callgrind() noexcept;

/// False in a sanitizer build (ASan, TSan, MSan), whose shadow memory Valgrind
/// cannot run.
bool valgrind_can_run_this_build() noexcept;

/// Turns Callgrind's event collection on or off; outside Callgrind, nothing.
void collect_instructions(bool on) noexcept;

/// Ends a measurement: Callgrind writes what it collected since the previous
/// dump to `<out_base>.<k>` (the k-th dump of this process), which is read back.
expected<callgrind_costs> dump_callgrind_costs(const std::filesystem::path& out_base);

/// The costs in a Callgrind output file's text (its "events:" and "summary:"
/// lines); `source` names it in errors.
expected<callgrind_costs> parse_callgrind_costs(const std::string& text, const std::string& source);

/// valgrind's arguments (before the program's) that run a program under Callgrind with collection
/// off until a benchmark turns it on, dumps to `<out_base>.<k>`, and a fixed simulated cache (32
/// KiB L1s, 8 MiB last level), so that counts do not depend on the host's caches; valgrind's own
/// messages go to `<out_base>.log`.
/// `collect_at_start`: counting from the start (for dumps placed by
/// --dump-before/--dump-after, as perftrack count does).
std::vector<std::string> callgrind_arguments(const std::filesystem::path& out_base,
                                             bool collect_at_start = false);

}  // namespace perftrack::bench
