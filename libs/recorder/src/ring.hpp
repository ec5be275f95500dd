#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

namespace perftrack::detail {

/// Fixed part of a buffered record; the session, error and context text follow.
struct record_header {
  std::uint32_t size;  // whole entry in bytes, a multiple of 8; padding has op == pad
  std::uint32_t op;
  std::int64_t end_ns;  // steady clock
  std::int64_t duration_ns;
  std::uint16_t session_len;
  std::uint16_t error_len;
  std::uint16_t context_len;
  std::uint8_t success;
  std::uint8_t reserved;

  static constexpr std::uint32_t pad = 0xffffffffu;
};
static_assert(sizeof(record_header) == 32);

/// A single-producer single-consumer ring of variable-size entries. The owning
/// thread writes (try_reserve + commit), the background writer reads (peek +
/// release). Entries never wrap: one that would is preceded by a padding entry.
class ring {
public:
  explicit ring(std::size_t capacity_bytes)
      : capacity_(round_up_pow2(capacity_bytes < 4096 ? 4096 : capacity_bytes)),
        mask_(capacity_ - 1),
        data_(new (std::align_val_t{64}) std::byte[capacity_]) {
    // Touch every page now, at the thread's first record, so that page faults
    // never land on the recording path later.
    std::memset(data_, 0, capacity_);
  }
  ~ring() { ::operator delete[](data_, std::align_val_t{64}); }
  ring(const ring&) = delete;
  ring& operator=(const ring&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }
  /// The largest entry that can ever fit.
  std::size_t max_entry() const noexcept { return capacity_ / 4; }

  // ---- producer side (owning thread only) --------------------------------------

  /// Returns room for `size` bytes (a multiple of 8, <= max_entry()) or nullptr
  /// when the ring is full.
  std::byte* try_reserve(std::size_t size) noexcept {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    const std::size_t offset = head & mask_;
    const std::size_t tail_room = capacity_ - offset;
    const std::size_t needed = size <= tail_room ? size : tail_room + size;
    if (capacity_ - (head - cached_tail_) < needed) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (capacity_ - (head - cached_tail_) < needed) return nullptr;
    }
    if (size > tail_room) {
      auto* padding = reinterpret_cast<record_header*>(data_ + offset);
      padding->size = static_cast<std::uint32_t>(tail_room);
      padding->op = record_header::pad;
      pending_ = head + needed;
      return data_;
    }
    pending_ = head + needed;
    return data_ + offset;
  }
  /// Publishes the entry written into the last reservation.
  void commit() noexcept { head_.store(pending_, std::memory_order_release); }

  // ---- consumer side (writer thread only) --------------------------------------

  /// Calls fn(const record_header&) for every published entry, then frees them.
  /// Returns how many records (not paddings) it saw.
  template <class Fn>
  std::size_t drain(Fn&& fn) {
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    std::size_t seen = 0;
    while (tail != head) {
      const auto* h = reinterpret_cast<const record_header*>(data_ + (tail & mask_));
      if (h->op != record_header::pad) {
        fn(*h);
        ++seen;
      }
      tail += h->size;
    }
    tail_.store(tail, std::memory_order_release);
    return seen;
  }
  /// Bytes published and not yet drained (consumer side).
  std::size_t pending_bytes() const noexcept {
    return static_cast<std::size_t>(head_.load(std::memory_order_acquire) -
                                    tail_.load(std::memory_order_relaxed));
  }
  bool empty() const noexcept {
    return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_relaxed);
  }

  // ---- counters: written by the owner, read by anyone ---------------------------
  void count_recorded() noexcept { bump(recorded_); }
  void count_dropped() noexcept { bump(dropped_); }
  void count_truncated() noexcept { bump(truncated_); }
  std::uint64_t recorded() const noexcept { return recorded_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t truncated() const noexcept { return truncated_.load(std::memory_order_relaxed); }

  /// Set when the owning thread exits; the writer frees the ring once drained.
  std::atomic<bool> orphaned{false};

private:
  static std::size_t round_up_pow2(std::size_t v) noexcept {
    std::size_t p = 1;
    while (p < v) p <<= 1;
    return p;
  }
  // Single writer: a load and a store, no read-modify-write (no lock prefix).
  static void bump(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  const std::size_t capacity_;
  const std::size_t mask_;
  std::byte* const data_;

  alignas(64) std::atomic<std::uint64_t> head_{0};
  std::uint64_t cached_tail_ = 0;
  std::uint64_t pending_ = 0;
  std::atomic<std::uint64_t> recorded_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> truncated_{0};

  alignas(64) std::atomic<std::uint64_t> tail_{0};
};

}  // namespace perftrack::detail
