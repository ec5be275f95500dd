#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/exposition/metrics.hpp"
#include "perftrack/tail/aggregator.hpp"

namespace perftrack::tail {

struct tailer_options {
  /// Files, or directories whose *.jsonl files are all followed (files that
  /// appear later included).
  std::vector<std::filesystem::path> paths;
  /// Where offsets and counters are checkpointed together (tail-state.json);
  /// empty: no checkpoint, counting starts from the files' beginnings.
  std::filesystem::path state_dir;
  std::size_t max_series = 2000;
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds checkpoint_interval{1000};
  /// Told when a checkpoint fails, and again when the reason changes (run()
  /// goes on: counting continues, the checkpoint is retried every interval).
  std::function<void(std::string_view)> on_error;
};

/// What one followed file looks like from outside, for /ready.
struct file_status {
  std::string path;
  std::uint64_t lag_bytes = 0;
  double lag_seconds = 0;
  /// Read up to its end at least once since the start (or does not exist).
  bool caught_up = false;
  /// False while the path names no file (it may appear later).
  bool exists = true;
  std::string last_error;
};

/// Follows metrics files written by any tracker and counts their records per
/// operation, losing nothing and counting nothing twice across restarts,
/// rotations (rename or copytruncate), in-place rewrites (perftrack prune) and
/// partial last lines. Files are identified by device, inode and a hash of
/// their first line; a file's progress is the offset after its last whole line
/// together with that line's hash.
class tailer {
public:
  /// Restores the checkpoint in options.state_dir when there is one; an
  /// unreadable checkpoint is an error (it is never silently discarded).
  static expected<std::unique_ptr<tailer>> open(tailer_options options);
  ~tailer();
  tailer(const tailer&) = delete;
  tailer& operator=(const tailer&) = delete;

  /// Reads what is new in every file, once. Not thread-safe against itself:
  /// one thread polls (run() or the caller).
  void poll();
  /// Writes the checkpoint now (atomically: a temporary file renamed over the
  /// old one). No-op without a state_dir.
  expected<bool> checkpoint();
  /// Polls every poll_interval and checkpoints every checkpoint_interval until
  /// `stop` is set, then checkpoints once more.
  void run(const std::atomic<bool>& stop);

  /// Adds the agent_operation_* families and the tailer's own health
  /// (perftrack_tail_*). Any thread.
  void collect(std::vector<exposition::family>& out) const;
  /// A consistent copy of the per-operation counters (for SLO evaluation).
  /// Any thread.
  aggregator::snapshot counts() const;
  /// Any thread.
  std::vector<file_status> status() const;
  /// True once every file has been read to its end and none is failing.
  bool ready() const;
  /// /ready's JSON:
  /// {"ready":..,"files":[{"path","lag_bytes","lag_seconds","caught_up","last_error"}]}.
  std::string ready_json() const;

  struct impl;

private:
  explicit tailer(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace perftrack::tail
