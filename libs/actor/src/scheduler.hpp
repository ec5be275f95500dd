#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "shell.hpp"

namespace perftrack::actor {

/// A work-stealing pool. Each worker runs the actor it woke last first (its
/// `next` slot: a conversation stays on one core, in cache), then its own
/// queue in order, then the shared queue, then steals the oldest actor of
/// another worker. Idle workers sleep on a condition variable.
///
/// Fair: an actor woken later pushes the one in `next` to the back of the
/// queue, an actor that ends its turn with messages left yields to the back,
/// and every `fair_interval`-th turn a worker takes the shared queue's oldest
/// actor, or else its own queue's, before `next`: neither a busy actor nor a
/// ping-pong pair keeps the rest from running (the slot design of Go's runtime).
class scheduler {
public:
  scheduler(actor_system& system, unsigned workers, bool pin);
  ~scheduler();

  /// Queues a shell whose state just went from idle to scheduled. Any thread.
  void schedule(actor_shell* shell);
  /// Queues again the shell a worker has just run, which has messages left,
  /// behind the actors already waiting. Worker threads; others schedule().
  void yield(actor_shell* shell);
  /// Blocks until all queues are empty and every worker waits for work.
  void await_idle();
  void stop();
  unsigned size() const noexcept { return static_cast<unsigned>(workers_.size()); }

private:
  static constexpr unsigned fair_interval = 16;

  struct worker {
    std::mutex mutex;
    actor_shell* next = nullptr;     // woken last by this worker
    std::deque<actor_shell*> queue;  // in order of arrival
    std::thread thread;
    unsigned turns = 0;  // its own thread's only
    bool empty() const noexcept { return next == nullptr && queue.empty(); }
  };

  void run_worker(unsigned index);
  actor_shell* next_for(unsigned index);
  actor_shell* steal(unsigned thief);
  actor_shell* take_shared();
  /// The worker's `next`, or its queue's oldest (first when `oldest_first`).
  actor_shell* take_local(worker& w, bool oldest_first);
  void wake_one_if_sleeping();
  bool all_queues_empty();

  actor_system& system_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::mutex shared_mutex_;
  std::deque<actor_shell*> shared_;
  std::atomic<std::size_t> shared_size_{0};  // shared_.size(), written under shared_mutex_
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::atomic<unsigned> sleeping_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace perftrack::actor
