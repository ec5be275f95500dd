#include "scheduler.hpp"

#include <pthread.h>
#include <sched.h>

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
      w.queue.push_back(shell);
      size = w.queue.size();
    }
    // This worker will run it after the current actor; wake a sleeper only when
    // there is more than that (a second actor queued, or the running actor keeps
    // waking others), so ping-pong pairs stay on one core but a long-running
    // producer does not keep its consumer waiting.
    const bool surplus = size >= 2 || ++t_worker.scheduled_this_turn >= 2;
    if (!surplus || sleeping_.load(std::memory_order_seq_cst) == 0) return;
  } else {
    std::lock_guard lock(shared_mutex_);
    shared_.push_back(shell);
  }
  if (sleeping_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard lock(shared_mutex_);
    wake_.notify_one();
  }
}

actor_shell* scheduler::next_for(unsigned index) {
  worker& w = *workers_[index];
  {
    std::lock_guard lock(w.mutex);
    if (!w.queue.empty()) {
      actor_shell* s = w.queue.back();
      w.queue.pop_back();
      return s;
    }
  }
  {
    std::lock_guard lock(shared_mutex_);
    if (!shared_.empty()) {
      actor_shell* s = shared_.front();
      shared_.pop_front();
      return s;
    }
  }
  return steal(index);
}

actor_shell* scheduler::steal(unsigned thief) {
  const auto n = static_cast<unsigned>(workers_.size());
  for (unsigned k = 1; k < n; ++k) {
    worker& victim = *workers_[(thief + k) % n];
    std::lock_guard lock(victim.mutex);
    if (!victim.queue.empty()) {
      actor_shell* s = victim.queue.front();
      victim.queue.pop_front();
      return s;
    }
  }
  return nullptr;
}

bool scheduler::all_queues_empty() {
  for (auto& w : workers_) {
    std::lock_guard lock(w->mutex);
    if (!w->queue.empty()) return false;
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
