#include "perftrack/recorder/tracker.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "perftrack/recorder/timing.hpp"
#include "tracker_impl.hpp"

namespace perftrack {
namespace {

// Texts longer than these are cut (session, error) or replaced (context).
constexpr std::size_t max_session = 256;
constexpr std::size_t max_error = 2048;
constexpr std::size_t max_context = 8192;

// Each thread caches the rings of the last few trackers it recorded into.
struct thread_rings {
  struct slot {
    std::uint64_t uid = 0;
    std::shared_ptr<detail::ring> ring;
  };
  std::array<slot, 4> slots;
  unsigned next = 0;

  ~thread_rings() {
    for (auto& s : slots) {
      if (s.ring) s.ring->orphaned.store(true, std::memory_order_release);
    }
  }
};
thread_local thread_rings t_rings;

// Folds the entry's buckets onto `bounds` from one pass over one snapshot, so
// the count is the snapshot's total and never below a cumulative count.
operation_histogram fold(const detail::operation_entry& e,
                         std::span<const std::chrono::nanoseconds> bounds) {
  operation_histogram h;
  h.operation = e.name;
  h.errors = e.errors.load(std::memory_order_relaxed);
  h.sum =
      std::chrono::nanoseconds(static_cast<std::int64_t>(e.sum_ns.load(std::memory_order_relaxed)));
  h.cumulative.assign(bounds.size(), 0);
  std::size_t bound = 0;
  for (std::size_t i = 0; i < detail::histogram::bucket_count; ++i) {
    const std::uint64_t c = e.latencies.bucket(i);
    if (c == 0) continue;
    const auto middle = static_cast<std::int64_t>(detail::histogram::value_of(i));
    while (bound < bounds.size() && bounds[bound].count() < middle) {
      h.cumulative[bound++] = h.count;
    }
    h.count += c;
  }
  while (bound < bounds.size()) h.cumulative[bound++] = h.count;
  return h;
}

}  // namespace

// ---- tracker -------------------------------------------------------------------

tracker::tracker(tracker_options options) : options_(std::move(options)) {
  if (options_.enabled) impl_ = std::make_unique<tracker_impl>(options_);
}

tracker::~tracker() = default;

operation_id tracker::operation(std::string_view name) noexcept {
  if (!impl_) return operation_id{0};
  return operation_id{impl_->operations.intern(name)};
}

void tracker::record_at(operation_id op, std::chrono::nanoseconds duration, bool success,
                        const record_details& details, clock::time_point end) noexcept {
  if (impl_) impl_->push(op, duration, success, details, end);
}

void tracker::record(std::string_view name, double duration_ms, bool success,
                     const record_details& details) noexcept {
  if (!impl_) return;
  const double ns = duration_ms * 1e6;
  const auto d = std::chrono::nanoseconds(
      std::isfinite(ns) && ns > 0 ? static_cast<std::int64_t>(std::min(ns, 9.2e18)) : 0);
  impl_->push(operation(name), d, success, details, clock::now());
}

void tracker::flush() noexcept {
  if (impl_) impl_->flush();
}

void tracker::shutdown() noexcept {
  if (impl_) impl_->shutdown();
}

tracker_counters tracker::counters() const {
  return impl_ ? impl_->counters() : tracker_counters{};
}

operation_stats tracker::stats(operation_id op) const {
  return impl_ ? impl_->stats(op.index()) : operation_stats{};
}

std::vector<operation_stats> tracker::stats() const {
  std::vector<operation_stats> all;
  if (!impl_) return all;
  const std::uint32_t n = impl_->operations.size();
  for (std::uint32_t i = 0; i < n; ++i) {
    operation_stats s = impl_->stats(i);
    if (s.count > 0) all.push_back(std::move(s));
  }
  return all;
}

std::vector<operation_histogram> tracker::histograms(
    std::span<const std::chrono::nanoseconds> bounds) const {
  std::vector<operation_histogram> all;
  if (!impl_) return all;
  const std::uint32_t n = impl_->operations.size();
  for (std::uint32_t i = 0; i < n; ++i) {
    const detail::operation_entry* e = impl_->operations.find(i);
    if (e == nullptr || e->count.load(std::memory_order_relaxed) == 0) continue;
    all.push_back(fold(*e, bounds));
  }
  return all;
}

operation_id operation(tracker& target, family f, std::string_view action) noexcept {
  char name[128];
  const std::string_view prefix = family_prefix(f);
  const std::size_t n = std::min(action.size(), sizeof name - prefix.size());
  std::memcpy(name, prefix.data(), prefix.size());
  std::memcpy(name + prefix.size(), action.data(), n);
  return target.operation({name, prefix.size() + n});
}

// ---- the recording path ----------------------------------------------------------

detail::ring* tracker_impl::local_ring() noexcept {
  for (auto& s : t_rings.slots) {
    if (s.uid == uid_) return s.ring.get();
  }
  return register_ring();
}

detail::ring* tracker_impl::register_ring() noexcept {
  try {
    auto ring = std::make_shared<detail::ring>(options_.buffer_bytes);
    {
      std::lock_guard lock(rings_mutex_);
      rings_.push_back(ring);
      ++rings_generation_;
    }
    auto& slot = t_rings.slots[t_rings.next++ % t_rings.slots.size()];
    if (slot.ring) slot.ring->orphaned.store(true, std::memory_order_release);
    slot.uid = uid_;
    slot.ring = std::move(ring);
    return slot.ring.get();
  } catch (...) {
    return nullptr;  // out of memory: this record is lost, the host goes on
  }
}

void tracker_impl::push(operation_id op, std::chrono::nanoseconds duration, bool success,
                        const record_details& details, tracker::clock::time_point end) noexcept {
  if (!op.valid()) {
    dropped_unknown_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  detail::ring* ring = local_ring();
  if (ring == nullptr) return;

  std::size_t session = details.session_id.size();
  std::size_t error = details.error.size();
  std::size_t context = details.context_json.size();
  bool truncated = false;
  if (session > max_session) session = max_session, truncated = true;
  if (error > max_error) error = max_error, truncated = true;
  if (context > max_context) context = 0, truncated = true;
  std::size_t size = (sizeof(detail::record_header) + session + error + context + 7) & ~7ull;
  if (size > ring->max_entry()) {
    context = 0;
    error = std::min<std::size_t>(error, 64);
    truncated = true;
    size = (sizeof(detail::record_header) + session + error + 7) & ~7ull;
  }

  std::byte* at = ring->try_reserve(size);
  if (at == nullptr) {
    if (options_.overflow == overflow_policy::block) {
      while (at == nullptr && !stopped_.load(std::memory_order_relaxed)) {
        std::this_thread::yield();
        at = ring->try_reserve(size);
      }
    }
    if (at == nullptr) {
      ring->count_dropped();
      return;
    }
  }
  auto* h = reinterpret_cast<detail::record_header*>(at);
  h->size = static_cast<std::uint32_t>(size);
  h->op = op.index();
  h->end_ns = end.time_since_epoch().count();
  h->duration_ns = duration.count();
  h->session_len = static_cast<std::uint16_t>(session);
  h->error_len = static_cast<std::uint16_t>(error);
  h->context_len = static_cast<std::uint16_t>(context);
  h->success = success ? 1 : 0;
  h->reserved = 0;
  char* text = reinterpret_cast<char*>(h + 1);
  // An empty view may hold a null pointer, which memcpy must not be given.
  if (session != 0) std::memcpy(text, details.session_id.data(), session);
  if (error != 0) std::memcpy(text + session, details.error.data(), error);
  if (context != 0) std::memcpy(text + session + error, details.context_json.data(), context);
  ring->commit();
  ring->count_recorded();
  if (truncated) ring->count_truncated();
}

tracker_counters tracker_impl::counters() const {
  tracker_counters c;
  {
    std::lock_guard lock(rings_mutex_);
    c.recorded = retired_recorded_;
    c.dropped_full = retired_dropped_;
    c.truncated = retired_truncated_;
    for (const auto& r : rings_) {
      c.recorded += r->recorded();
      c.dropped_full += r->dropped();
      c.truncated += r->truncated();
    }
    c.last_error = last_error_;
  }
  c.written = written_.load(std::memory_order_relaxed);
  c.dropped_io = dropped_io_.load(std::memory_order_relaxed);
  c.dropped_unknown = dropped_unknown_.load(std::memory_order_relaxed);
  return c;
}

operation_stats tracker_impl::stats(std::uint32_t id) const {
  operation_stats s;
  const detail::operation_entry* e = operations.find(id);
  if (e == nullptr) return s;
  using ns = std::chrono::nanoseconds;
  s.operation = e->name;
  s.count = e->count.load(std::memory_order_relaxed);
  s.errors = e->errors.load(std::memory_order_relaxed);
  s.sum = ns(static_cast<std::int64_t>(e->sum_ns.load(std::memory_order_relaxed)));
  if (s.count == 0) return s;
  const std::uint64_t max = e->max_ns.load(std::memory_order_relaxed);
  s.min = ns(static_cast<std::int64_t>(e->min_ns.load(std::memory_order_relaxed)));
  s.max = ns(static_cast<std::int64_t>(max));

  // Nearest rank over the bucket counts; the histogram may be mid-update, so
  // ranks use the bucket total rather than `count`.
  std::array<std::uint64_t, detail::histogram::bucket_count> counts;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    counts[i] = e->latencies.bucket(i);
    total += counts[i];
  }
  const double qs[] = {0.50, 0.90, 0.95, 0.99, 0.999};
  ns* outs[] = {&s.p50, &s.p90, &s.p95, &s.p99, &s.p999};
  std::size_t bucket = 0;
  std::uint64_t seen = 0;
  for (std::size_t k = 0; k < std::size(qs); ++k) {
    const auto rank =
        static_cast<std::uint64_t>(std::ceil(qs[k] * static_cast<double>(total) - 1e-9));
    while (bucket < counts.size() && seen + counts[bucket] < std::max<std::uint64_t>(rank, 1)) {
      seen += counts[bucket++];
    }
    const std::uint64_t v = bucket < counts.size() ? detail::histogram::value_of(bucket) : max;
    *outs[k] = ns(static_cast<std::int64_t>(std::min(v, max)));
  }
  return s;
}

}  // namespace perftrack
