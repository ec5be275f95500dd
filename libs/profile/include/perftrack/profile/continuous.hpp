#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/profile/profile.hpp"

/// Continuous profiling (docs/profile.md, "Continuous profiling"): a ring of
/// per-window folded profiles, each sample tagged with its time, so that any
/// time range's flame graph can be rebuilt.
namespace perftrack::profile {

struct continuous_options {
  unsigned hz = 19;  ///< samples a second per CPU: not in step with 10 or 100 Hz loops
  std::chrono::milliseconds window{10'000};   ///< one folded profile per window
  std::chrono::milliseconds keep{3'600'000};  ///< windows older than the newest less this go
  std::vector<std::string> command;           ///< run and profile this, or
  std::optional<int> pid;                     ///< attach to this process; neither: every CPU
  std::filesystem::path dir;  ///< windows/ goes here (and perf's files, while they last)
};

struct continuous_status {
  std::uint64_t windows = 0;  ///< written
  std::uint64_t samples = 0;
  std::uint64_t pruned = 0;  ///< windows removed as older than `keep`
};

/// Samples with perf (cpu-clock, frame pointers, Unix-time stamps), which
/// starts a new file every window; each finished file becomes
/// dir/windows/<first sample's Unix ms>.folded and .times (one line per
/// sample: its Unix ms and its stack's line in the folded file). Returns
/// when the command or process ends or `stop` is set (perf then writes its
/// last window).
expected<continuous_status> run_continuous(const continuous_options& o,
                                           const std::atomic<bool>& stop, std::ostream& log);

/// Samples read back from a ring: each stack once, each sample's time.
struct timeline {
  std::vector<std::vector<std::string>> stacks;  ///< root first
  struct sample {
    std::int64_t unix_ms = 0;
    std::uint32_t stack = 0;
  };
  std::vector<sample> samples;  ///< by time
};

/// The samples of the windows in `dir`/windows from `from_ms` to before
/// `to_ms` (Unix ms). A window file that cannot be read is an error naming it.
expected<timeline> read_timeline(const std::filesystem::path& dir, std::int64_t from_ms,
                                 std::int64_t to_ms);

/// The profile of `t`'s samples (each sample one count).
profile timeline_profile(const timeline& t);

/// A self-contained page in FlameScope's manner: a heat map of samples (a
/// column per second, a row per 20 ms of it); dragging over it selects a time
/// range, whose flame graph is built below it.
std::string scope_html(const timeline& t, std::string_view title);

}  // namespace perftrack::profile
