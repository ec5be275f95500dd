#pragma once

#include <atomic>

namespace perftrack::actor {

/// A node of an mpsc_queue; embed it (intrusive: the queue never allocates).
struct mpsc_node {
  std::atomic<mpsc_node*> next{nullptr};
};

/// Dmitry Vyukov's intrusive multi-producer single-consumer queue. push() is
/// wait-free (one atomic exchange); pop() is lock-free and may report "nothing
/// yet" while a producer is between its two steps, which maybe_nonempty() tells
/// apart from truly empty. Any thread may push; one thread at a time may pop.
class mpsc_queue {
public:
  mpsc_queue() noexcept : head_(&stub_), tail_(&stub_) {}  // NOLINT(*-member-init)
  mpsc_queue(const mpsc_queue&) = delete;
  mpsc_queue& operator=(const mpsc_queue&) = delete;

  /// Appends `node`. Returns true when the queue looked empty before, i.e. the
  /// previous tail was the stub (a hint for schedulers, not a guarantee).
  bool push(mpsc_node* node) noexcept {
    node->next.store(nullptr, std::memory_order_relaxed);
    mpsc_node* prev = head_.exchange(node, std::memory_order_seq_cst);
    prev->next.store(node, std::memory_order_release);
    return prev == &stub_;
  }

  /// The oldest node, or nullptr when empty or a push is still in progress.
  mpsc_node* pop() noexcept {
    mpsc_node* tail = tail_;
    mpsc_node* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // push in progress
    push(&stub_);
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

  /// The node pop() would return next, left in place, or nullptr (as pop()):
  /// consumer side.
  const mpsc_node* peek() const noexcept {
    if (tail_ != &stub_) return tail_;
    return stub_.next.load(std::memory_order_acquire);
  }

  /// False only when the queue is empty and no push has started: consumer side.
  bool maybe_nonempty() const noexcept {
    return tail_ != &stub_ || stub_.next.load(std::memory_order_acquire) != nullptr ||
           head_.load(std::memory_order_seq_cst) != &stub_;
  }

  /// True once any push has started since the queue was last seen empty by its
  /// consumer. Reads only the producers' end, so a thread that has just handed
  /// the consumer role to another thread may still call it.
  bool pushed_since_empty() const noexcept {
    return head_.load(std::memory_order_seq_cst) != &stub_;
  }

private:
  // Producers write head_ (and the stub's link); the consumer writes tail_ on
  // every pop. 64 bytes apart, they never share a cache line, so a busy mailbox
  // does not bounce one line between two cores on every message. No alignas: an
  // owner can put its own producer-side fields in front of the queue and its
  // consumer-side fields after it, on the same two lines (see actor_shell).
  std::atomic<mpsc_node*> head_;
  mpsc_node stub_;
  [[maybe_unused]] char padding_[48];
  mpsc_node* tail_;
};

}  // namespace perftrack::actor
