#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "operation_table.hpp"
#include "perftrack/recorder/tracker.hpp"
#include "ring.hpp"

namespace perftrack {

/// The state behind a tracker: operation table, the per-thread rings, and the
/// background writer (writer.cpp) that drains them.
class tracker_impl {
public:
  explicit tracker_impl(const tracker_options& options);
  ~tracker_impl();

  void push(operation_id op, std::chrono::nanoseconds duration, bool success,
            const record_details& details, tracker::clock::time_point end) noexcept;
  void flush() noexcept;
  void shutdown() noexcept;
  tracker_counters counters() const;
  operation_stats stats(std::uint32_t id) const;

  detail::operation_table operations;

private:
  detail::ring* local_ring() noexcept;
  detail::ring* register_ring() noexcept;

  // ---- the writer thread (writer.cpp) ----
  void run() noexcept;
  std::size_t drain_all();
  void write_out() noexcept;
  /// Appends a resource sample when resource_interval has passed (and at
  /// the first and `last` rounds).
  void sample_resources(tracker::clock::time_point now, bool last) noexcept;
  void report_error(const std::string& message) noexcept;
  void retire_drained_orphans();
  static std::uint64_t next_uid_fetch() noexcept;

  const tracker_options options_;
  const std::uint64_t uid_;

  // Rings of all threads that recorded; guarded by rings_mutex_.
  mutable std::mutex rings_mutex_;
  std::vector<std::shared_ptr<detail::ring>> rings_;
  std::uint64_t rings_generation_ = 0;
  std::uint64_t retired_recorded_ = 0;
  std::uint64_t retired_dropped_ = 0;
  std::uint64_t retired_truncated_ = 0;
  std::string last_error_;

  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_io_{0};
  std::atomic<std::uint64_t> dropped_unknown_{0};
  std::atomic<bool> stopped_{false};

  // Writer wake-ups and flush hand-shake; guarded by wake_mutex_.
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::condition_variable flushed_;
  std::uint64_t flush_requested_ = 0;
  std::uint64_t flush_done_ = 0;
  bool stop_ = false;

  // Writer-thread-only state.
  struct writer_state;
  std::unique_ptr<writer_state> writer_;
  std::thread thread_;
};

}  // namespace perftrack
