#include "operation_table.hpp"

#include <functional>

#include "perftrack/store/fields.hpp"
#include "perftrack/store/json_text.hpp"

namespace perftrack::detail {

void operation_entry::observe(std::uint64_t ns, bool success) noexcept {
  // Single writer: plain load + store keeps every counter whole for readers.
  const auto bump = [](std::atomic<std::uint64_t>& c, std::uint64_t by) {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  };
  bump(count, 1);
  if (!success) bump(errors, 1);
  bump(sum_ns, ns);
  if (ns < min_ns.load(std::memory_order_relaxed)) min_ns.store(ns, std::memory_order_relaxed);
  if (ns > max_ns.load(std::memory_order_relaxed)) max_ns.store(ns, std::memory_order_relaxed);
  latencies.add(ns);
}

std::uint32_t operation_table::lookup(std::string_view name,
                                      std::size_t& free_slot) const noexcept {
  std::size_t i = std::hash<std::string_view>{}(name) & (slot_count - 1);
  for (;;) {
    const operation_entry* e = slots_[i].load(std::memory_order_acquire);
    if (e == nullptr) {
      free_slot = i;
      return invalid;
    }
    if (e->name == name) return e->id;
    i = (i + 1) & (slot_count - 1);
  }
}

std::uint32_t operation_table::intern(std::string_view name) noexcept {
  std::size_t slot = 0;
  if (const std::uint32_t id = lookup(name, slot); id != invalid) return id;
  std::lock_guard lock(insert_mutex_);
  if (const std::uint32_t id = lookup(name, slot); id != invalid) return id;
  const std::uint32_t id = size_.load(std::memory_order_relaxed);
  if (id >= capacity) return invalid;
  try {
    auto entry = std::make_unique<operation_entry>();
    entry->id = id;
    entry->name = std::string(name);
    entry->line_fragment = "\",";
    store::field::append_key(entry->line_fragment, store::field::operation_type);
    store::append_json_string(entry->line_fragment, name);
    store::field::append_key(entry->line_fragment += ',', store::field::duration_ms);
    operation_entry* raw = entry.get();
    owned_.push_back(std::move(entry));
    by_id_[id].store(raw, std::memory_order_release);
    slots_[slot].store(raw, std::memory_order_release);
    size_.store(id + 1, std::memory_order_release);
  } catch (...) {
    return invalid;
  }
  return id;
}

}  // namespace perftrack::detail
