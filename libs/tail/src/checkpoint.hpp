#pragma once

// The tailer's checkpoint (tail-state.json in the state directory): every
// file's identity and progress together with the counters they produced, so a
// restart continues both from the same instant.

#include <filesystem>
#include <vector>

#include "follower.hpp"
#include "perftrack/base/expected.hpp"
#include "perftrack/tail/aggregator.hpp"

namespace perftrack::tail {

/// Restores the counters into `agg` and returns the files' progress; none when
/// there is no checkpoint yet. A checkpoint that cannot be read is an error
/// that says how to start over.
expected<std::vector<saved_file>> load_checkpoint(const std::filesystem::path& dir,
                                                  aggregator& agg);

/// Writes the checkpoint atomically: a temporary file, fsync, rename, fsync of
/// the directory.
expected<bool> save_checkpoint(const std::filesystem::path& dir,
                               const std::vector<saved_file>& files,
                               const aggregator::snapshot& counters);

}  // namespace perftrack::tail
