#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>

/// The process's own resource use, sampled by the writer (docs/file-format.md).
namespace perftrack::detail {

struct process_usage {
  std::uint64_t rss_bytes = 0;  ///< resident set (/proc/self/statm)
  double cpu_seconds = 0;       ///< user + system time of every thread (getrusage)
};

/// nullopt when /proc cannot be read.
std::optional<process_usage> read_process_usage() noexcept;

/// The longest line format_resource_line writes.
inline constexpr std::size_t max_resource_line = 160;

/// {"timestamp":"...Z","pid":N,"rss_bytes":N,"cpu_seconds":X}\n into `out`
/// (max_resource_line chars); returns its length.
std::size_t format_resource_line(std::int64_t epoch_ns, pid_t pid, const process_usage& u,
                                 char* out) noexcept;

}  // namespace perftrack::detail
