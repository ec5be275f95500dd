#pragma once

// Flat combining of the claims of one process's threads (docs/coordination.md):
// claims that arrive while a group runs wait in a queue; the next group takes
// the whole queue and runs it as one transaction, each claim with its own agent,
// time and lease, exactly as if alone, committed once. Both stores use it: the
// cost of a commit (SQLite's lock calls and WAL write; PostgreSQL's round trip
// and commit record) is paid once per group instead of once per claim.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/coord/types.hpp"
#include "rules.hpp"

namespace perftrack::coord {

/// One claim waiting for a group.
struct claim_request {
  std::string_view agent;
  std::int64_t now = 0;
  std::int64_t lease_until = 0;  ///< from the claiming store's options
  std::int64_t id = 0;           ///< 0: the best claimable task (task_next)
  expected<std::optional<task>> result = std::optional<task>();
  enum : int { waiting, done, combine };
  /// Set once by a combiner: done (result is set) or combine (run the next group).
  std::atomic<int> state = waiting;
};

using claim_group = std::vector<claim_request*>;

/// The queue of one store (a file or a server) in one process. Thread-safe.
class claim_combiner {
public:
  /// Queues `request` and returns its result once a group holding it has run:
  /// on this thread, which then calls `run(group)` (it must set every request's
  /// result), or on another.
  ///
  /// While a group runs, its claimers sleep, each on its own flag (no herd on a
  /// shared mutex); when it is done, the combiner wakes them and hands its role
  /// to the oldest queued claim. A combiner starts at once when claims come one
  /// at a time; when the last group had k claims, it first waits up to
  /// `fill_wait` for k to queue (that many threads are on their way back with
  /// their next claims; on 2 cores, without the wait, groups started with 1 or 2
  /// claims while the others were still being woken).
  template <class Run>
  expected<std::optional<task>> submit(claim_request& request, Run&& run) {
    std::unique_lock lock(mutex_);
    queue_.push_back(&request);
    if (filling_ && queue_.size() >= expected_group_) arrivals_.notify_one();
    if (combining_) {
      lock.unlock();
      request.state.wait(claim_request::waiting);
      if (request.state.load() == claim_request::done) return std::move(request.result);
      lock.lock();  // handed the combiner's role; the queue starts with this claim
    }
    combining_ = true;
    if (queue_.size() < expected_group_) {
      filling_ = true;
      arrivals_.wait_for(lock, fill_wait, [&] { return queue_.size() >= expected_group_; });
      filling_ = false;
    }
    claim_group group;
    group.swap(queue_);
    expected_group_ = group.size();
    lock.unlock();
    run(static_cast<const claim_group&>(group));
    for (auto* r : group) {
      if (r == &request) continue;
      r->state.store(claim_request::done);
      r->state.notify_one();
    }
    lock.lock();
    if (queue_.empty()) {
      combining_ = false;
    } else {
      queue_.front()->state.store(claim_request::combine);
      queue_.front()->state.notify_one();
    }
    return std::move(request.result);
  }

  static constexpr auto fill_wait = std::chrono::microseconds(100);

private:
  std::mutex mutex_;                ///< guards the members below
  claim_group queue_;               ///< claims waiting for the next group
  bool combining_ = false;          ///< a thread is running or about to run a group
  std::size_t expected_group_ = 1;  ///< the size of the last group
  bool filling_ = false;            ///< a combiner is waiting for the group to fill
  std::condition_variable arrivals_;
};

/// task_claim as both stores make it: the shared checks, then `combine(request)`
/// (a group, or the claim alone), which yields a task or why not.
template <class Combine>
expected<task> claim_by_id(std::int64_t id, std::string_view agent, std::int64_t now,
                           std::int64_t lease_until, Combine&& combine) {
  if (auto bad = rules::check_claimer(agent)) return *bad;
  if (id <= 0) return rules::unknown_task(id);
  claim_request request{.agent = agent, .now = now, .lease_until = lease_until, .id = id};
  auto claimed = combine(request);
  if (!claimed) return claimed.error();
  return std::move(**claimed);
}

/// task_next as both stores make it: the shared checks, then `combine(request)`.
template <class Combine>
expected<std::optional<task>> claim_best_one(std::string_view agent, std::int64_t now,
                                             std::int64_t lease_until, Combine&& combine) {
  if (auto bad = rules::check_claimer(agent)) return *bad;
  claim_request request{.agent = agent, .now = now, .lease_until = lease_until};
  return combine(request);
}

}  // namespace perftrack::coord
