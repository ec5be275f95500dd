#include "scheduler.hpp"

#include <pthread.h>
#include <sched.h>

#include <utility>

namespace perftrack::actor {
namespace {

struct worker_identity {
  const scheduler* owner = nullptr;
  unsigned index = 0;
  unsigned scheduled_this_turn = 0;  // actors this worker queued while running one
};
thread_local worker_identity t_worker;

constexpr int spins_before_sleep = 128;

}  // namespace

scheduler::scheduler(actor_system& system, unsigned workers, bool pin) : system_(system) {
  for (unsigned i = 0; i < workers; ++i) workers_.push_back(std::make_unique<worker>());
  for (unsigned i = 0; i < workers; ++i) {
    workers_[i]->thread = std::thread([this, i] { run_worker(i); });
    if (pin) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(i % std::max(1u, std::thread::hardware_concurrency()), &set);
      pthread_setaffinity_np(workers_[i]->thread.native_handle(), sizeof set, &set);
    }
  }
}

scheduler::~scheduler() { stop(); }

void scheduler::stop() {
  {
    std::lock_guard lock(shared_mutex_);
    if (stopping_.exchange(true)) return;
  }
  wake_.notify_all();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void scheduler::schedule(actor_shell* shell) {
  if (t_worker.owner == this) {
    worker& w = *workers_[t_worker.index];
    std::size_t size;
    {
      std::lock_guard lock(w.mutex);
      if (w.next != nullptr) w.queue.push_back(w.next);
      w.next = shell;
      size = w.queue.size() + 1;
    }
    // This worker will run it after the current actor; wake a sleeper only when
    // there is more than that (a second actor queued, or the running actor keeps
    // waking others), so ping-pong pairs stay on one core but a long-running
    // producer does not keep its consumer waiting.
    const bool surplus = size >= 2 || ++t_worker.scheduled_this_turn >= 2;
    if (!surplus) return;
  } else {
    std::lock_guard lock(shared_mutex_);
    shared_.push_back(shell);
    shared_size_.store(shared_.size(), std::memory_order_relaxed);
  }
  wake_one_if_sleeping();
}

void scheduler::yield(actor_shell* shell) {
  if (t_worker.owner != this) {
    schedule(shell);
    return;
  }
  worker& w = *workers_[t_worker.index];
  std::size_t size;
  {
    std::lock_guard lock(w.mutex);
    w.queue.push_back(shell);
    size = w.queue.size() + (w.next != nullptr ? 1 : 0);
  }
  if (size >= 2) wake_one_if_sleeping();  // others wait here too: a sleeper may take some
}

void scheduler::wake_one_if_sleeping() {
  if (sleeping_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard lock(shared_mutex_);
    wake_.notify_one();
  }
}

actor_shell* scheduler::take_shared() {
  // A look without the lock first: most turns find it empty. A push missed
  // here is found on a later turn.
  if (shared_size_.load(std::memory_order_relaxed) == 0) return nullptr;
  std::lock_guard lock(shared_mutex_);
  if (shared_.empty()) return nullptr;
  actor_shell* s = shared_.front();
  shared_.pop_front();
  shared_size_.store(shared_.size(), std::memory_order_relaxed);
  return s;
}

actor_shell* scheduler::take_local(worker& w, bool oldest_first) {
  std::lock_guard lock(w.mutex);
  if (w.next != nullptr && !(oldest_first && !w.queue.empty())) {
    return std::exchange(w.next, nullptr);
  }
  if (w.queue.empty()) return nullptr;
  actor_shell* s = w.queue.front();
  w.queue.pop_front();
  return s;
}

actor_shell* scheduler::next_for(unsigned index) {
  worker& w = *workers_[index];
  const bool fair_turn = ++w.turns % fair_interval == 0;
  if (fair_turn) {
    if (actor_shell* s = take_shared()) return s;
  }
  if (actor_shell* s = take_local(w, fair_turn)) return s;
  if (actor_shell* s = take_shared()) return s;
  return steal(index);
}

actor_shell* scheduler::steal(unsigned thief) {
  const auto n = static_cast<unsigned>(workers_.size());
  for (unsigned k = 1; k < n; ++k) {
    if (actor_shell* s = take_local(*workers_[(thief + k) % n], true)) return s;
  }
  return nullptr;
}

bool scheduler::all_queues_empty() {
  for (auto& w : workers_) {
    std::lock_guard lock(w->mutex);
    if (!w->empty()) return false;
  }
  return shared_.empty();  // caller holds shared_mutex_
}

void scheduler::run_worker(unsigned index) {
  t_worker = {this, index};
  int idle_spins = 0;
  while (!stopping_.load(std::memory_order_relaxed)) {
    if (actor_shell* s = next_for(index)) {
      idle_spins = 0;
      t_worker.scheduled_this_turn = 0;
      system_.run(*s);
      continue;
    }
    if (++idle_spins == 1) flush_returned_envelopes();  // no envelope waits on an idle worker
    if (idle_spins < spins_before_sleep) {
      std::this_thread::yield();
      continue;
    }
    idle_spins = 0;
    std::unique_lock lock(shared_mutex_);
    sleeping_.fetch_add(1, std::memory_order_seq_cst);
    if (all_queues_empty() && !stopping_.load()) {
      idle_.notify_all();
      // schedule() wakes sleepers when there is surplus work, but not for the
      // one actor a busy worker queues for itself (waking costs more than a
      // ping-pong round). While another worker is busy, look again soon so such
      // work is stolen within a millisecond; when all are idle, rest longer.
      const bool others_busy = sleeping_.load() < workers_.size();
      wake_.wait_for(lock,
                     others_busy ? std::chrono::milliseconds(1) : std::chrono::milliseconds(50));
    }
    sleeping_.fetch_sub(1, std::memory_order_seq_cst);
  }
  t_worker = {};
}

void scheduler::await_idle() {
  std::unique_lock lock(shared_mutex_);
  for (;;) {
    if (sleeping_.load() == workers_.size() && all_queues_empty()) return;
    idle_.wait_for(lock, std::chrono::milliseconds(1));
  }
}

}  // namespace perftrack::actor
