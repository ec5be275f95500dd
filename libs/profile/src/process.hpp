#pragma once

// Running the profilers (perf, heaptrack): programs this library starts, not
// libraries it links.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace perftrack::profile::detail {

/// The fields perftrack asks `perf script -F` for: what parse_perf_script reads.
inline constexpr const char* perf_script_fields = "comm,tid,time,period,event,ip,sym,dso";

/// Whether `tool` is an executable on PATH.
bool on_path(const std::string& tool);

/// Starts argv with stdout to `out` (or inherited) and stderr to `err`, with
/// this environment and `extra_env` ("NAME=value"); the pid, or -1.
pid_t start(const std::vector<std::string>& argv, const std::filesystem::path& out,
            const std::filesystem::path& err, const std::vector<std::string>& extra_env = {});

/// Waits for `pid`: its exit status (128 + signal when killed), or -1.
int wait_for(pid_t pid);

/// start, then wait_for.
int run(const std::vector<std::string>& argv, const std::filesystem::path& out,
        const std::filesystem::path& err, const std::vector<std::string>& extra_env = {});

/// The last `most` non-empty lines of `file`, for error messages.
std::string last_lines(const std::filesystem::path& file, std::size_t most);

}  // namespace perftrack::profile::detail
