#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/recorder/live_stats.hpp"

namespace perftrack {

/// What record() does when the calling thread's buffer is full.
enum class overflow_policy {
  drop,   ///< drop the record and count it (default: the host never waits)
  block,  ///< wait for the background writer to make room
};

/// Called from the background writer when the sink fails (rate-limited to one call
/// per `error_interval`). Must not throw.
using error_handler = std::function<void(std::string_view message)>;

struct tracker_options {
  /// Directory of the metrics file; created when missing.
  std::filesystem::path directory = "memory";
  std::string file_name = "perf-metrics.jsonl";
  /// A disabled tracker makes every record call a no-op and starts no thread.
  bool enabled = true;
  /// false keeps live statistics only and writes no file.
  bool file_sink = true;
  overflow_policy overflow = overflow_policy::drop;
  /// Per-thread buffer; a record takes 32 bytes plus its text, rounded up to 8.
  std::size_t buffer_bytes = 1 << 20;
  /// The longest the writer waits before writing what it has; records reach the
  /// file within this plus the time to format them.
  std::chrono::milliseconds flush_interval{50};
  std::chrono::seconds error_interval{10};
  /// Defaults to one "perftrack: ..." line on stderr.
  error_handler on_error;
  /// How often the writer samples the process's resident memory and CPU time
  /// into resource_file_name beside the metrics file (docs/file-format.md:
  /// resource samples), for perftrack dashboard to correlate with the
  /// operations; zero: never. Only with the file sink.
  std::chrono::milliseconds resource_interval{1000};
  /// Not *.jsonl: readers of metrics directories leave it alone.
  std::string resource_file_name = "perf-resources.ndjson";

  /// The defaults, overridden by PERFTRACK_DIR, PERFTRACK_FILE,
  /// PERFTRACK_DISABLE (1/true/yes), PERFTRACK_OVERFLOW (drop|block),
  /// PERFTRACK_BUFFER_KB and PERFTRACK_RESOURCE_INTERVAL_MS (0: off).
  /// Unreadable values are ignored.
  static tracker_options from_environment();

  std::filesystem::path file_path() const { return directory / file_name; }
  std::filesystem::path resource_path() const { return directory / resource_file_name; }
};

/// A registered operation name. Cheap to copy; valid for its tracker's lifetime.
class operation_id {
public:
  constexpr operation_id() = default;
  constexpr explicit operation_id(std::uint32_t index) : index_(index) {}
  constexpr std::uint32_t index() const noexcept { return index_; }
  constexpr bool valid() const noexcept { return index_ != invalid; }
  friend constexpr bool operator==(operation_id, operation_id) = default;

private:
  static constexpr std::uint32_t invalid = 0xffffffffu;
  std::uint32_t index_ = invalid;
};

/// The optional parts of a record. Views: copied into the buffer by record().
/// An empty view is written as null (or, for context, left out).
struct record_details {
  std::string_view session_id;
  std::string_view error;
  /// A JSON object's text, e.g. from perftrack::context. Text that is not an
  /// object ({...}) is written as {"value":"<text>"} so the line stays valid.
  std::string_view context_json;
};

/// Counters of what happened to records; all monotonic.
struct tracker_counters {
  std::uint64_t recorded = 0;         ///< accepted into a buffer
  std::uint64_t written = 0;          ///< reached the file (or were counted, without a sink)
  std::uint64_t dropped_full = 0;     ///< a buffer was full (overflow_policy::drop)
  std::uint64_t dropped_io = 0;       ///< the file could not be written
  std::uint64_t dropped_unknown = 0;  ///< more distinct operations than max_operations
  std::uint64_t truncated = 0;        ///< over-long session, error or context shortened
  std::string last_error;             ///< the latest sink error, empty if none

  std::uint64_t dropped() const noexcept { return dropped_full + dropped_io + dropped_unknown; }
};

class tracker_impl;

/// Records operations into per-thread buffers that a background thread turns into
/// JSON lines appended to options.file_path() and into live statistics.
///
/// record() and everything built on it is wait-free (with overflow_policy::drop),
/// never allocates after a thread's first record, makes no system call and never
/// throws. Any thread may record; any thread may read statistics.
class tracker {
public:
  using clock = std::chrono::steady_clock;

  /// Most distinct operation names one tracker holds.
  static constexpr std::uint32_t max_operations = 1024;

  explicit tracker(tracker_options options = {});
  /// Writes everything recorded so far, then stops the writer.
  ~tracker();
  tracker(const tracker&) = delete;
  tracker& operator=(const tracker&) = delete;

  /// Registers `name` (or finds it). Lock-free when the name is known; takes a lock
  /// and allocates the first time. Returns an invalid id past max_operations.
  operation_id operation(std::string_view name) noexcept;

  /// Records one operation that ended at `end` (default: now).
  void record(operation_id op, std::chrono::nanoseconds duration, bool success,
              const record_details& details = {}) noexcept {
    record_at(op, duration, success, details, clock::now());
  }
  void record_at(operation_id op, std::chrono::nanoseconds duration, bool success,
                 const record_details& details, clock::time_point end) noexcept;
  /// Convenience: looks the name up on every call; prefer an operation_id in loops.
  void record(std::string_view name, double duration_ms, bool success,
              const record_details& details = {}) noexcept;

  /// Blocks until everything recorded before the call is written. Thread-safe.
  void flush() noexcept;
  /// Flushes and stops the writer; later records stay in memory, unwritten.
  void shutdown() noexcept;

  tracker_counters counters() const;
  /// Live statistics of one operation, or of all that have records.
  operation_stats stats(operation_id op) const;
  std::vector<operation_stats> stats() const;
  /// The live histograms of all operations with records, folded onto `bounds`
  /// (ascending). Any thread; reads only what the writer thread publishes.
  std::vector<operation_histogram> histograms(
      std::span<const std::chrono::nanoseconds> bounds) const;

  bool enabled() const noexcept { return impl_ != nullptr; }
  const tracker_options& options() const noexcept { return options_; }

private:
  tracker_options options_;
  std::unique_ptr<tracker_impl> impl_;
};

}  // namespace perftrack
