#pragma once

// What the SQLite store objects of one process share per file: a gate their
// threads take turns on, and the queue of claims committed together.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/coord/types.hpp"

namespace perftrack::coord::sqlite {

// A claim waiting for a transaction: the thread that next holds the file takes
// every waiting claim and commits them together (flat combining), so the ~11
// system calls of a commit (WAL frames, lock calls) are paid once per group.
struct claim_request {
  std::string_view agent;
  std::int64_t now = 0;
  std::int64_t id = 0;  ///< 0: the best claimable task (task_next)
  expected<std::optional<task>> result = std::optional<task>();
  bool done = false;  ///< written and read under file_gate::queue_mutex
};

// One gate per file and process: the store objects of a process's threads take
// turns on its mutex before they compete with other processes for SQLite's lock.
// SQLite retries a busy lock with growing sleeps, so 16 connections hammering one
// file can starve one of them past the busy timeout; 4 (one per process) do not.
struct file_gate {
  std::mutex mutex;
  std::mutex queue_mutex;             ///< guards the three below
  std::vector<claim_request*> queue;  ///< claims waiting for the next group
  bool combining = false;             ///< a thread is running a group
  std::condition_variable group_done;
  /// The size of the last group: the next combiner waits (briefly) for as many
  /// claims before it starts, since that many threads are claiming.
  std::size_t expected_group = 1;
  bool filling = false;  ///< a combiner is waiting for the group to fill
  std::condition_variable arrivals;
};

/// The gate of `path` in this process (a child after fork() gets its own).
std::shared_ptr<file_gate> gate_for(const std::string& path);

}  // namespace perftrack::coord::sqlite
