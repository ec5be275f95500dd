#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "shell.hpp"

namespace perftrack::actor {

/// A work-stealing pool: each worker runs actors from its own deque (newest
/// first, for cache locality), then from the shared queue, then steals the
/// oldest actor of another worker. Idle workers sleep on a condition variable.
class scheduler {
public:
  scheduler(actor_system& system, unsigned workers, bool pin);
  ~scheduler();

  /// Queues a shell whose state just went from idle to scheduled. Any thread.
  void schedule(actor_shell* shell);
  /// Blocks until all queues are empty and every worker waits for work.
  void await_idle();
  void stop();
  unsigned size() const noexcept { return static_cast<unsigned>(workers_.size()); }

private:
  struct worker {
    std::mutex mutex;
    std::deque<actor_shell*> queue;
    std::thread thread;
  };

  void run_worker(unsigned index);
  actor_shell* next_for(unsigned index);
  actor_shell* steal(unsigned thief);
  bool all_queues_empty();

  actor_system& system_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::mutex shared_mutex_;
  std::deque<actor_shell*> shared_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::atomic<unsigned> sleeping_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace perftrack::actor
