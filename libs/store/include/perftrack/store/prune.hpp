#pragma once

#include <cstdint>
#include <filesystem>
#include <system_error>

namespace perftrack::store {

struct prune_result {
  std::uint64_t kept = 0;     ///< lines kept, including ones whose time is unreadable
  std::uint64_t removed = 0;  ///< lines with a readable timestamp before the cutoff
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
};

/// Removes from the JSONL file at `path` every line whose top-level "timestamp"
/// is earlier than `cutoff_ns` (ns since the epoch). Lines without a readable
/// timestamp, malformed ones included, are kept: prune never drops what it cannot
/// date. Safe while other processes append through store::appender: the rewrite
/// happens under an exclusive lock and appenders reopen the new file (see
/// appender). Returns an error and leaves the file untouched on failure.
prune_result prune(const std::filesystem::path& path, std::int64_t cutoff_ns,
                   std::error_code& error);

}  // namespace perftrack::store
