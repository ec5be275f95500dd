#pragma once

#include <string>

#include "perftrack/gate/compare.hpp"
#include "perftrack/gate/results.hpp"

namespace perftrack::cli {

/// The pull-request comment's "CPU profiles" section (docs/profile.md, "In
/// CI"): the profiles the current run holds (perftrack bench --profile) and,
/// for each flagged benchmark profiled on both sides, the frames whose share
/// grew most, with a differential flame graph written into the current
/// profile's folder (diff.html). Empty when the current run has no profile.
std::string profile_comment(const gate::comparison& c, const gate::result_set& baseline,
                            const gate::result_set& current);

}  // namespace perftrack::cli
