#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "histogram.hpp"

namespace perftrack::detail {

/// One operation's name, its pre-escaped line fragment and its live statistics.
/// The statistics have one writer, the background thread.
struct operation_entry {
  std::uint32_t id = 0;
  std::string name;
  /// `","operation_type":"<escaped name>","duration_ms":`, ready to copy.
  std::string line_fragment;
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> sum_ns{0};
  std::atomic<std::uint64_t> min_ns{~0ull};
  std::atomic<std::uint64_t> max_ns{0};
  histogram latencies;

  void observe(std::uint64_t ns, bool success) noexcept;
};

/// Interns operation names. Lookups are lock-free (open addressing over atomic
/// pointers that are only ever set once); inserts take a mutex.
class operation_table {
public:
  static constexpr std::uint32_t capacity = 1024;
  static constexpr std::uint32_t invalid = 0xffffffffu;

  /// The id of `name`, inserting it if new; invalid when full or out of memory.
  std::uint32_t intern(std::string_view name) noexcept;
  /// nullptr for an id that was never handed out.
  operation_entry* find(std::uint32_t id) const noexcept {
    return id < capacity ? by_id_[id].load(std::memory_order_acquire) : nullptr;
  }
  std::uint32_t size() const noexcept { return size_.load(std::memory_order_acquire); }

private:
  static constexpr std::size_t slot_count = capacity * 2;
  std::uint32_t lookup(std::string_view name, std::size_t& free_slot) const noexcept;

  std::array<std::atomic<operation_entry*>, slot_count> slots_{};
  std::array<std::atomic<operation_entry*>, capacity> by_id_{};
  std::atomic<std::uint32_t> size_{0};
  std::mutex insert_mutex_;
  std::vector<std::unique_ptr<operation_entry>> owned_;
};

}  // namespace perftrack::detail
