#pragma once

// What the SQLite store objects of one process share per file: a gate their
// threads take turns on, and the queue of claims committed together
// (claim_combiner.hpp).

#include <memory>
#include <mutex>
#include <string>

#include "claim_combiner.hpp"

namespace perftrack::coord::sqlite {

// One gate per file and process: the store objects of a process's threads take
// turns on its mutex before they compete with other processes for SQLite's lock.
// SQLite retries a busy lock with growing sleeps, so 16 connections hammering one
// file can starve one of them past the busy timeout; 4 (one per process) do not.
struct file_gate {
  std::mutex mutex;
  claim_combiner claims;  ///< claims of this process, committed in groups
};

/// The gate of `path` in this process (a child after fork() gets its own).
std::shared_ptr<file_gate> gate_for(const std::string& path);

}  // namespace perftrack::coord::sqlite
