#include "perftrack/report/builder.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <memory>
#include <queue>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "perftrack/base/string_map.hpp"
#include "perftrack/stats/duration_samples.hpp"
#include "perftrack/stats/percentile.hpp"

namespace perftrack::report {
namespace {

constexpr std::int64_t ns_per_day = 86'400'000'000'000;

// One operation's records as one thread saw them.
struct accumulator {
  stats::duration_samples durations;   // in the window, for exact percentiles
  std::vector<std::uint16_t> buckets;  // trend bucket of each duration (trends only)
  std::uint64_t successes = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = 0;
  std::uint64_t previous_count = 0;
  double previous_sum = 0;
};

struct slow_candidate {
  double duration_ms;
  std::string operation;
  std::string timestamp;
  bool operator>(const slow_candidate& o) const { return duration_ms > o.duration_ms; }
};

// A record_sink per scanning thread: aggregates without locks.
/// Operations by name, looked up by string_view without a copy.
using operation_map = cached_string_map<accumulator>;

class aggregator final : public reader::record_sink {
public:
  aggregator(std::int64_t since, std::int64_t until, std::int64_t bucket_ns, std::size_t top)
      : since_(since),
        until_(until),
        previous_since_(since - (until - since)),
        bucket_ns_(bucket_ns),
        top_(top) {}

  void on_record(const reader::record_view& r) override {
    const std::int64_t t = r.timestamp_ns;
    if (t >= until_ || t < previous_since_) return;
    accumulator& a = find(r.operation);
    if (t < since_) {
      ++a.previous_count;
      a.previous_sum += r.duration_ms;
      return;
    }
    a.durations.add(r.duration_ms);
    if (bucket_ns_ > 0) a.buckets.push_back(static_cast<std::uint16_t>((t - since_) / bucket_ns_));
    a.successes += r.success;
    a.sum += r.duration_ms;
    a.min = std::min(a.min, r.duration_ms);
    a.max = std::max(a.max, r.duration_ms);
    if (top_ > 0 && (slowest_.size() < top_ || r.duration_ms > slowest_.top().duration_ms)) {
      slowest_.push({r.duration_ms, std::string(r.operation), std::string(r.timestamp_text)});
      if (slowest_.size() > top_) slowest_.pop();
    }
  }

  string_map<accumulator>& operations() { return ops_.map(); }
  std::vector<slow_candidate> take_slowest() {
    std::vector<slow_candidate> out;
    while (!slowest_.empty()) {
      out.push_back(slowest_.top());
      slowest_.pop();
    }
    return out;
  }

private:
  accumulator& find(std::string_view op) {
    return ops_.find_or_make(op, [] { return accumulator{}; });
  }

  std::int64_t since_;
  std::int64_t until_;
  std::int64_t previous_since_;
  std::int64_t bucket_ns_;
  std::size_t top_;
  operation_map ops_;
  std::priority_queue<slow_candidate, std::vector<slow_candidate>, std::greater<>> slowest_;
};

// Moves `from` onto the end of `into`, freeing `from`.
template <class T>
void append(std::vector<T>& into, std::vector<T>& from) {
  if (into.empty()) {
    into.swap(from);
    return;
  }
  into.insert(into.end(), from.begin(), from.end());
  std::vector<T>().swap(from);
}

operation_trend make_trend(const std::string& name, accumulator& a, std::size_t bucket_count,
                           std::int64_t since, std::int64_t bucket_ns,
                           stats::percentile_method method) {
  // Counting sort of the durations by bucket, then a p95 per bucket.
  operation_trend trend{name, std::vector<trend_point>(bucket_count)};
  std::vector<std::size_t> start(bucket_count + 1, 0);
  for (const auto b : a.buckets) ++start[b + 1];
  for (std::size_t i = 0; i < bucket_count; ++i) start[i + 1] += start[i];
  a.durations.visit([&](auto values, auto to_double) {
    using value_type = typename decltype(values)::value_type;
    std::vector<value_type> grouped(values.size());
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < values.size(); ++i) grouped[fill[a.buckets[i]]++] = values[i];
    for (std::size_t b = 0; b < bucket_count; ++b) {
      trend_point& p = trend.points[b];
      p.start_ns = since + static_cast<std::int64_t>(b) * bucket_ns;
      p.count = start[b + 1] - start[b];
      if (p.count == 0) continue;
      const double q = 0.95;
      std::span<value_type> bucket(grouped.data() + start[b], p.count);
      stats::percentiles(bucket, {&q, 1}, method, {&p.p95_ms, 1}, to_double);
    }
  });
  std::vector<std::uint16_t>().swap(a.buckets);
  return trend;
}

}  // namespace

std::string_view name(degradation_rule rule) noexcept {
  switch (rule) {
    case degradation_rule::p95_outlier: return "p95_outlier";
    case degradation_rule::avg_increase: return "avg_increase";
    case degradation_rule::error_rate: return "error_rate";
  }
  return "unknown";
}

std::string_view name(period_kind kind) noexcept {
  switch (kind) {
    case period_kind::monthly: return "monthly";
    case period_kind::weekly: return "weekly";
    case period_kind::trends: return "trends";
  }
  return "unknown";
}

std::vector<degradation> find_degradations(const std::vector<operation_summary>& operations,
                                           const degradation_thresholds& th) {
  std::vector<degradation> found;
  for (const auto& op : operations) {
    if (op.count < th.min_count || op.count == 0) continue;
    if (op.avg_ms > 0 && op.p95_ms > th.p95_over_avg * op.avg_ms) {
      found.push_back(
          {op.operation, degradation_rule::p95_outlier, op.p95_ms / op.avg_ms, th.p95_over_avg});
    }
    if (op.previous_count > 0 && op.previous_avg_ms > 0) {
      const double increase = op.avg_ms / op.previous_avg_ms - 1.0;
      if (increase > th.avg_increase) {
        found.push_back({op.operation, degradation_rule::avg_increase, increase, th.avg_increase});
      }
    }
    if (op.error_rate() > th.error_rate) {
      found.push_back({op.operation, degradation_rule::error_rate, op.error_rate(), th.error_rate});
    }
  }
  return found;
}

namespace {

/// Trend buckets of a report: a day up to a month's window, a week beyond.
struct bucket_layout {
  std::int64_t width_ns = 0;  ///< 0: no trends
  std::size_t count = 0;
};

/// The report's window and, for trends, its buckets.
expected<bucket_layout> set_window(const report_request& request, period_report& report) {
  const std::int64_t days = request.kind == period_kind::monthly ? 30
                            : request.kind == period_kind::weekly
                                ? 7
                                : std::max<std::int64_t>(request.days, 1);
  report.until_ns = request.until_ns.value_or(request.now_ns);
  report.since_ns = request.since_ns.value_or(report.until_ns - days * ns_per_day);
  if (report.since_ns >= report.until_ns) {
    return failure{"the window is empty: --since must be before --until (and --now)"};
  }
  bucket_layout buckets;
  if (request.kind != period_kind::trends) return buckets;
  report.has_trends = true;
  const std::int64_t span = report.until_ns - report.since_ns;
  buckets.width_ns = span <= 31 * ns_per_day ? ns_per_day : 7 * ns_per_day;
  buckets.count = static_cast<std::size_t>((span + buckets.width_ns - 1) / buckets.width_ns);
  if (buckets.count > 65535) {
    return failure{"the trends window is too long: use at most 1200 years"};
  }
  report.trend_bucket_ns = buckets.width_ns;
  return buckets;
}

/// Reads every input file into one aggregator per thread.
expected<std::vector<std::unique_ptr<aggregator>>> scan(const report_request& request,
                                                        period_report& report,
                                                        const bucket_layout& buckets,
                                                        unsigned threads, read_warnings& warnings) {
  std::error_code ec;
  std::filesystem::path failed;
  report.files = reader::expand_inputs(request.inputs, ec, failed);
  if (ec) {
    return failure{"cannot read " + failed.string() + ": " + ec.message() +
                   " (pass an existing file or directory with --file)"};
  }
  std::vector<std::unique_ptr<aggregator>> parts;
  std::vector<reader::record_sink*> sinks;
  for (unsigned t = 0; t < threads; ++t) {
    parts.push_back(std::make_unique<aggregator>(report.since_ns, report.until_ns, buckets.width_ns,
                                                 request.top));
    sinks.push_back(parts.back().get());
  }
  reader::scan_result scanned;
  reader::scan_options options;
  options.threads = threads;
  for (const auto& file : report.files) {
    if (!reader::scan_file(file, sinks, options, scanned, ec)) {
      return failure{"cannot read " + file.string() + ": " + ec.message()};
    }
  }
  warnings.malformed = scanned.malformed;
  warnings.first_malformed = scanned.first_malformed;
  report.malformed_lines = scanned.malformed;
  return parts;
}

/// Merges the threads' partial results into the first, one operation at a time
/// so that only one operation's samples are ever copied.
string_map<accumulator>& merge(std::vector<std::unique_ptr<aggregator>>& parts) {
  auto& merged = parts[0]->operations();
  for (std::size_t t = 1; t < parts.size(); ++t) {
    for (auto& [op, a] : parts[t]->operations()) {
      auto [it, inserted] = merged.try_emplace(op);
      accumulator& into = it->second;
      if (inserted) {
        into = std::move(a);
        continue;
      }
      into.durations.append(a.durations);
      append(into.buckets, a.buckets);
      into.successes += a.successes;
      into.sum += a.sum;
      into.min = std::min(into.min, a.min);
      into.max = std::max(into.max, a.max);
      into.previous_count += a.previous_count;
      into.previous_sum += a.previous_sum;
    }
    parts[t]->operations().clear();
  }
  return merged;
}

operation_summary summary_of(const std::string& op, accumulator& a,
                             stats::percentile_method method) {
  operation_summary s;
  s.operation = op;
  s.count = a.durations.size();
  s.previous_count = a.previous_count;
  s.previous_avg_ms =
      a.previous_count == 0 ? 0 : a.previous_sum / static_cast<double>(a.previous_count);
  s.successes = a.successes;
  s.avg_ms = a.sum / static_cast<double>(s.count);
  s.min_ms = a.min;
  s.max_ms = a.max;
  const std::array<double, 3> qs{0.50, 0.95, 0.99};
  std::array<double, 3> out{};
  a.durations.percentiles(qs, method, out);
  s.p50_ms = out[0];
  s.p95_ms = out[1];
  s.p99_ms = out[2];
  return s;
}

/// Percentiles (and trends) per operation, spread over the threads: selection
/// is O(N) per operation and operations are independent.
void summarise(string_map<accumulator>& merged, const report_request& request,
               const bucket_layout& buckets, unsigned threads, period_report& report) {
  std::vector<std::pair<const std::string*, accumulator*>> work;
  for (auto& [op, a] : merged) {
    if (a.durations.size() > 0) work.emplace_back(&op, &a);
  }
  std::sort(work.begin(), work.end(), [](const auto& x, const auto& y) {
    return x.second->durations.size() > y.second->durations.size();
  });
  std::vector<operation_summary> summaries(work.size());
  std::vector<operation_trend> trends(report.has_trends ? work.size() : 0);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < work.size();) {
      const std::string& op = *work[i].first;
      accumulator& a = *work[i].second;
      if (report.has_trends) {
        trends[i] =
            make_trend(op, a, buckets.count, report.since_ns, buckets.width_ns, request.method);
      }
      summaries[i] = summary_of(op, a, request.method);
      a.durations.release();
    }
  };
  {
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < threads && t < work.size(); ++t) helpers.emplace_back(worker);
    worker();
    for (auto& h : helpers) h.join();
  }
  for (auto& s : summaries) {
    report.total += s.count;
    report.successful += s.successes;
    report.operations.push_back(std::move(s));
  }
  for (auto& t : trends) report.trends.push_back(std::move(t));
  report.failed = report.total - report.successful;
  std::sort(report.operations.begin(), report.operations.end(), [](const auto& x, const auto& y) {
    return x.count != y.count ? x.count > y.count : x.operation < y.operation;
  });
  std::sort(report.trends.begin(), report.trends.end(),
            [](const auto& x, const auto& y) { return x.operation < y.operation; });
}

/// The `top` slowest records of all threads, slowest first (earlier first on ties).
void keep_slowest(std::vector<std::unique_ptr<aggregator>>& parts, std::size_t top,
                  period_report& report) {
  std::vector<slow_candidate> slow;
  for (auto& p : parts) {
    auto mine = p->take_slowest();
    slow.insert(slow.end(), std::make_move_iterator(mine.begin()),
                std::make_move_iterator(mine.end()));
  }
  std::sort(slow.begin(), slow.end(), [](const auto& x, const auto& y) {
    return x.duration_ms != y.duration_ms ? x.duration_ms > y.duration_ms
                                          : x.timestamp < y.timestamp;
  });
  if (slow.size() > top) slow.resize(top);
  for (auto& c : slow)
    report.slowest.push_back({std::move(c.operation), c.duration_ms, std::move(c.timestamp)});
}

}  // namespace

// In phases: the window, the scan (one aggregator per thread), the merge, the
// summaries and trends, the slowest records, the degradation rules.
expected<period_report> build_report(const report_request& request, read_warnings& warnings) {
  period_report report;
  report.kind = std::string(name(request.kind));
  report.generated_ns = request.now_ns;
  report.method = request.method;
  report.thresholds = request.thresholds;
  report.top = request.top;
  const auto buckets = set_window(request, report);
  if (!buckets) return buckets.error();
  const unsigned threads =
      std::max(1u, request.threads != 0 ? request.threads : std::thread::hardware_concurrency());
  auto parts = scan(request, report, *buckets, threads, warnings);
  if (!parts) return parts.error();
  summarise(merge(*parts), request, *buckets, threads, report);
  keep_slowest(*parts, request.top, report);
  report.degradations = find_degradations(report.operations, request.thresholds);
  return report;
}

}  // namespace perftrack::report
