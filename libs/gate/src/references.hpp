#pragma once

// What a row's verdict rests on besides its own samples (docs/compare.md,
// rules 10-12): the benchmark's instruction counts, the peers' code beside
// ours, and the machine's drift that code which did not change shows (the
// peers' and our counted benchmarks' with unchanged counts). compare() applies
// them last, in this order.

#include <optional>
#include <vector>

#include "perftrack/gate/compare.hpp"

namespace perftrack::gate::detail {

/// A benchmark counted under Callgrind on both sides rests its timings'
/// verdicts on its instruction count.
void rest_on_counts(std::vector<comparison_row>& rows);

/// Peers' measured rows become references, shown and never judged.
void set_peers_aside(std::vector<comparison_row>& rows);

/// The median change of the timing rows of unchanged code (the peers', and
/// our counted benchmarks' whose instructions are unchanged), when there are 3
/// or more.
std::optional<machine_drift> drift_of(const std::vector<comparison_row>& rows);

/// Our timings whose interval reaches the drift, the same way, become
/// inconclusive.
void allow_for_drift(std::vector<comparison_row>& rows, const machine_drift& drift);

}  // namespace perftrack::gate::detail
