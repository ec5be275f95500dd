#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/profile/profile.hpp"

namespace perftrack::profile {

/// How stacks are unwound: frame pointers, DWARF (perf copies 16 KiB of
/// stack per sample), or frame pointers and then DWARF when most stacks
/// come back truncated.
enum class unwinding { automatic, frame_pointers, dwarf };

struct cpu_options {
  unsigned hz = 99;  ///< samples a second per CPU (99: not in step with 100 Hz loops)
  unwinding mode = unwinding::automatic;
  std::vector<std::string> command;  ///< run and profile this, or
  std::optional<int> pid;            ///< attach to this process
  double duration_s = 10;            ///< with pid: how long
  std::filesystem::path work_dir;    ///< where perf.data goes
  /// Start with sampling off: the command switches it on and off around the
  /// region it measures (perf_region, through the fifos its environment's
  /// PERFTRACK_PERF_CONTROL names).
  bool controlled = false;
};

/// The profiled program's side of cpu_options::controlled: switches perf's
/// sampling on and off through perf's control fifos (`perf record
/// --control`), each switch acknowledged by perf before it returns.
class perf_region {
public:
  /// The fifos PERFTRACK_PERF_CONTROL names: empty when this program is not
  /// profiled that way, or they cannot be opened.
  static std::unique_ptr<perf_region> from_environment();
  perf_region(int control_fd, int ack_fd) noexcept : control_(control_fd), ack_(ack_fd) {}
  ~perf_region();
  perf_region(const perf_region&) = delete;
  perf_region& operator=(const perf_region&) = delete;
  /// Sampling on (true) or off; false when perf did not acknowledge.
  bool sample(bool on);

private:
  int control_;
  int ack_;
};

/// A missing or forbidden profiler: what to install or change (the CLI exits 2).
struct unavailable {
  std::string message;
};

/// Samples on-CPU stacks with Linux perf's software cpu-clock event (the one
/// that works on virtual machines) and reads them back with `perf script`.
/// Progress and perf's own complaints go to `log`.
expected<profile> capture_cpu(const cpu_options& o, std::ostream& log);

/// Time spent blocked (sleeps, lock waits, I/O) by stack: the scheduler's
/// switch tracepoint gives the stack at each switch out, perf's switch
/// records the moment the thread runs again. `o.hz` is not used.
expected<profile> capture_offcpu(const cpu_options& o, std::ostream& log);

/// A heap profile: each cost heaptrack reports, by allocating stack.
struct heap_profiles {
  profile allocations;  ///< calls to the allocator (count)
  profile peak;         ///< bytes held at the moment of the highest total
  profile leaked;       ///< bytes not freed at exit
};

/// Runs `command` under heaptrack (a well-kept heap profiler in Debian) and
/// reads its allocations, peak and leaks back by stack. heaptrack's data
/// file stays in `work_dir` for its own GUI.
expected<heap_profiles> capture_heap(const std::vector<std::string>& command,
                                     const std::filesystem::path& work_dir, std::ostream& log);

/// Why perf cannot run here, if it cannot: not installed, or
/// perf_event_paranoid forbids it for this user.
std::optional<std::string> perf_unavailable();

}  // namespace perftrack::profile
