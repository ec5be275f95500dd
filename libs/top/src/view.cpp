#include "perftrack/top/view.hpp"

#include <algorithm>
#include <cmath>

#include "perftrack/stats/percentile.hpp"

namespace perftrack::top {

std::string_view name(sort_key k) noexcept {
  switch (k) {
    case sort_key::p99: return "p99";
    case sort_key::rate: return "rate";
    case sort_key::errors: return "errors";
    case sort_key::name: return "name";
  }
  return "p99";
}

view::view(view_options options) : options_(options) {}

namespace {

constexpr double ns_per_second = 1e9;

/// What happened between `before` and `now`: the difference, or all of `now`
/// when a counter went down or the bounds changed (the source restarted).
std::vector<std::uint64_t> events_between(const operation_totals& before,
                                          const operation_totals& now) {
  bool reset = before.bounds != now.bounds || before.buckets.size() != now.buckets.size();
  for (std::size_t i = 0; !reset && i < now.buckets.size(); ++i) {
    reset = now.buckets[i] < before.buckets[i];
  }
  if (reset) return now.buckets;
  std::vector<std::uint64_t> d(now.buckets.size());
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = now.buckets[i] - before.buckets[i];
  return d;
}

}  // namespace

void view::advance(state& s, std::int64_t now_ns, double seconds,
                   const operation_totals& now) const {
  tick t{.at_ns = now_ns, .buckets = events_between(s.last, now)};
  t.errors = now.errors >= s.last.errors ? now.errors - s.last.errors : now.errors;
  std::uint64_t events = 0;
  for (const auto c : t.buckets) events += c;
  s.rate = static_cast<double>(events) / seconds;
  s.error_rate = static_cast<double>(t.errors) / seconds;
  s.trend.push_back(stats::bucket_quantile(now.bounds, t.buckets, 0.99));
  while (s.trend.size() > options_.history) s.trend.pop_front();
  s.recent.push_back(std::move(t));
  const std::int64_t oldest = now_ns - std::chrono::nanoseconds(options_.window).count();
  while (!s.recent.empty() && s.recent.front().at_ns <= oldest) s.recent.pop_front();
  s.last = now;
}

void view::add(std::int64_t now_ns, const reading& r) {
  const bool first = readings_++ == 0;
  const double seconds = std::max(1e-3, static_cast<double>(now_ns - last_ns_) / ns_per_second);
  last_ns_ = now_ns;
  for (const auto& [operation, totals] : r) {
    auto it = operations_.find(operation);
    if (it == operations_.end()) {
      // A new operation: everything it has counted so far happened before now,
      // except when it appears after the start (then it happened since).
      it = operations_.emplace(operation, state{}).first;
      if (first) {
        it->second.last = totals;
        continue;
      }
      it->second.last.bounds = totals.bounds;
      it->second.last.buckets.assign(totals.buckets.size(), 0);
    }
    advance(it->second, now_ns, seconds, totals);
  }
  if (first) return;
  for (auto& [operation, s] : operations_) {
    if (!r.contains(operation)) advance(s, now_ns, seconds, s.last);  // gone: nothing new
  }
}

std::vector<row> view::rows(sort_key key) const {
  std::vector<row> out;
  out.reserve(operations_.size());
  for (const auto& [operation, s] : operations_) {
    row r{.operation = operation,
          .rate = s.rate,
          .error_rate = s.error_rate,
          .total = s.last.count(),
          .errors = s.last.errors};
    std::vector<std::uint64_t> window(s.last.buckets.size(), 0);
    for (const auto& t : s.recent) {
      for (std::size_t i = 0; i < window.size() && i < t.buckets.size(); ++i)
        window[i] += t.buckets[i];
    }
    r.p50 = stats::bucket_quantile(s.last.bounds, window, 0.50);
    r.p95 = stats::bucket_quantile(s.last.bounds, window, 0.95);
    r.p99 = stats::bucket_quantile(s.last.bounds, window, 0.99);
    r.trend.assign(s.trend.begin(), s.trend.end());
    out.push_back(std::move(r));
  }
  // Largest first (an operation without events in the window last), then by name.
  const auto value = [key](const row& r) {
    switch (key) {
      case sort_key::rate: return r.rate;
      case sort_key::errors: return r.error_rate;
      default: return std::isnan(r.p99) ? -1.0 : r.p99;
    }
  };
  std::stable_sort(out.begin(), out.end(), [&](const row& a, const row& b) {
    if (key == sort_key::name) return a.operation < b.operation;
    return value(a) > value(b);
  });
  return out;
}

}  // namespace perftrack::top
