// Recorded operations for the dashboard: percentiles over time and the latency
// heat map (time on x, log-spaced latency buckets on y, as Brendan Gregg draws
// them).

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "columns.hpp"
#include "perftrack/base/string_map.hpp"
#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/reader/scanner.hpp"
#include "perftrack/stats/percentile.hpp"

namespace perftrack::dashboard {
namespace {

/// The events chart's resolution: about a pixel column each on a wide card.
constexpr std::size_t event_columns = 1000;

struct event {
  std::int64_t ns;
  double ms;
};

/// Events in blocks of 4,096 (64 KiB, below malloc's mmap threshold, so
/// freed blocks are reused): growing never copies, and merging the threads'
/// shares moves blocks. (Measured: a growing vector's copies and fresh pages
/// took a quarter of the command's time.)
class event_blocks {
public:
  static constexpr std::size_t block = 4096;
  void push_back(event e) {
    if (size_ % block == 0) blocks_.push_back(std::make_unique<event[]>(block));
    blocks_.back()[size_ % block] = e;
    ++size_;
  }
  /// Appends `other`'s events (its partly filled last block is copied).
  void append(event_blocks&& other) {
    for (std::size_t i = 0; i < other.blocks_.size(); ++i) {
      const std::size_t n = std::min(block, other.size_ - i * block);
      if (n == block && size_ % block == 0) {
        blocks_.push_back(std::move(other.blocks_[i]));
        size_ += block;
      } else {
        for (std::size_t k = 0; k < n; ++k) push_back(other.blocks_[i][k]);
      }
    }
    other = {};
  }
  template <class F>
  void for_each(F f) const {
    for (std::size_t i = 0; i < size_; ++i) f(i, blocks_[i / block][i % block]);
  }
  std::size_t size() const noexcept { return size_; }

private:
  std::vector<std::unique_ptr<event[]>> blocks_;
  std::size_t size_ = 0;
};

struct operation_events {
  event_blocks events;
  std::uint64_t errors = 0;
};

using by_name = string_map<operation_events>;  // found by string_view: a record costs no string

/// One scanning thread's share: every event of each operation, unordered.
class collecting_sink final : public reader::record_sink {
public:
  collecting_sink(std::optional<std::int64_t> since, std::optional<std::int64_t> until)
      : since_(since), until_(until) {}
  void on_record(const reader::record_view& r) override {
    if ((since_ && r.timestamp_ns < *since_) || (until_ && r.timestamp_ns > *until_)) {
      ++outside;
      return;
    }
    auto it = ops.find(r.operation);
    if (it == ops.end()) it = ops.emplace(std::string(r.operation), operation_events{}).first;
    it->second.events.push_back({r.timestamp_ns, r.duration_ms});
    it->second.errors += r.success ? 0 : 1;
    first = std::min(first, r.timestamp_ns);
    last = std::max(last, r.timestamp_ns);
  }

  by_name ops;
  std::uint64_t outside = 0;
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = std::numeric_limits<std::int64_t>::min();

private:
  std::optional<std::int64_t> since_, until_;
};

std::size_t heat_row(double ms) {
  const auto& b = heat_bounds_ms();
  // Row i holds (b[i-1], b[i]]; the first everything up to b[0], the last above.
  const auto it = std::lower_bound(b.begin(), b.end(), ms);
  return std::min<std::size_t>(static_cast<std::size_t>(it - b.begin()), b.size());
}

/// One operation's columns from its events in any order: heat-map counts and
/// the events' least and greatest per event column in one pass, then the
/// latencies grouped by column (a counting sort) for exact nearest-rank
/// percentiles per column.
operation summarize(const std::string& name, const operation_events& in, const operations_view& v) {
  operation op;
  op.name = name;
  op.count = in.events.size();
  op.errors = in.errors;
  const std::size_t rows = heat_bounds_ms().size() + 1;
  op.heat.assign(rows * v.columns, 0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  op.p50.assign(v.columns, nan);
  op.p95.assign(v.columns, nan);
  op.p99.assign(v.columns, nan);
  op.events_min.assign(v.event_columns, nan);
  op.events_max.assign(v.event_columns, nan);
  std::vector<std::uint32_t> column_of(in.events.size());
  std::vector<std::size_t> starts(v.columns + 1, 0);
  in.events.for_each([&](std::size_t i, const event& e) {
    const auto c = static_cast<std::size_t>((e.ns - v.start_ns) / v.width_ns);
    column_of[i] = static_cast<std::uint32_t>(c);
    ++starts[c + 1];
    ++op.heat[heat_row(e.ms) * v.columns + c];
    const auto ec = static_cast<std::size_t>((e.ns - v.start_ns) / v.event_width_ns);
    double& lo = op.events_min[ec];
    double& hi = op.events_max[ec];
    lo = std::isnan(lo) ? e.ms : std::min(lo, e.ms);
    hi = std::isnan(hi) ? e.ms : std::max(hi, e.ms);
  });
  for (std::size_t c = 0; c < v.columns; ++c) starts[c + 1] += starts[c];
  std::vector<double> grouped(in.events.size());
  std::vector<std::size_t> at(starts.begin(), starts.end() - 1);
  in.events.for_each([&](std::size_t i, const event& e) { grouped[at[column_of[i]]++] = e.ms; });
  for (std::size_t c = 0; c < v.columns; ++c) {
    if (starts[c] == starts[c + 1]) continue;
    const std::span<double> column(grouped.data() + starts[c], starts[c + 1] - starts[c]);
    const double qs[] = {0.5, 0.95, 0.99};
    double out[3];
    stats::percentiles(column, qs, stats::percentile_method::nearest_rank, out);
    op.p50[c] = out[0];
    op.p95[c] = out[1];
    op.p99[c] = out[2];
  }
  return op;
}

/// Which operations slow together: the rank correlation of each pair's p95
/// over the columns both have events in.
std::vector<pair_correlation> correlate(const std::vector<operation>& ops) {
  constexpr std::size_t most = 50;
  std::vector<pair_correlation> out;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    for (std::size_t j = i + 1; j < ops.size(); ++j) {
      if (const auto c = correlate_columns(ops[i].p95, ops[j].p95))
        out.push_back({ops[i].name, ops[j].name, c->rho, c->n});
    }
  }
  strongest_first(out);
  if (out.size() > most) out.resize(most);
  return out;
}

/// The recorder's resource samples beside each input: in a directory, or
/// beside a file (tracker_options::resource_file_name's default).
std::vector<std::filesystem::path> resource_files(
    const std::vector<std::filesystem::path>& inputs) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& p : inputs) {
    const auto dir = std::filesystem::is_directory(p, ec) ? p : p.parent_path();
    auto f = (dir.empty() ? std::filesystem::path(".") : dir) / "perf-resources.ndjson";
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const std::vector<double>& heat_bounds_ms() {
  static const std::vector<double> bounds = [] {
    std::vector<double> b;
    for (int i = -12; i <= 20; ++i) b.push_back(std::pow(10.0, i / 4.0));  // 1 us .. 100 s
    return b;
  }();
  return bounds;
}

/// Every operation summarized, spread over `threads` (each takes the next
/// operation), in name order.
void summarize_all(const std::map<std::string, operation_events>& ops, operations_view& v,
                   unsigned threads) {
  std::vector<const std::pair<const std::string, operation_events>*> work;
  for (const auto& entry : ops) work.push_back(&entry);
  v.list.resize(work.size());
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < work.size();)
      v.list[i] = summarize(work[i]->first, work[i]->second, v);
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads && t < work.size(); ++t) helpers.emplace_back(worker);
  worker();
  for (auto& h : helpers) h.join();
}

/// The scanning threads' events merged by operation name (sorted).
std::map<std::string, operation_events> merge(std::vector<collecting_sink>& parts) {
  std::map<std::string, operation_events> out;
  for (auto& part : parts) {
    for (auto& [name, events] : part.ops) {
      auto& into = out[name];
      into.errors += events.errors;
      into.events.append(std::move(events.events));
    }
  }
  return out;
}

expected<operations_view> collect_operations(const std::vector<std::filesystem::path>& files,
                                             std::size_t columns,
                                             std::optional<std::int64_t> since_ns,
                                             std::optional<std::int64_t> until_ns) {
  std::error_code ec;
  std::filesystem::path failed;
  const auto inputs = reader::expand_inputs(files, ec, failed);
  if (ec) return failure{fmt::format("cannot read {}: {}", failed.string(), ec.message())};
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<collecting_sink> parts;
  parts.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) parts.emplace_back(since_ns, until_ns);
  std::vector<reader::record_sink*> sinks;
  for (auto& p : parts) sinks.push_back(&p);
  reader::scan_result scanned;
  for (const auto& f : inputs) {
    if (!reader::scan_file(f, sinks, {}, scanned, ec))
      return failure{fmt::format("cannot read {}: {}", f.string(), ec.message())};
  }
  operations_view v;
  std::uint64_t outside = 0;
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
  for (const auto& p : parts) {
    outside += p.outside;
    first = std::min(first, p.first);
    last = std::max(last, p.last);
  }
  v.records = scanned.records - outside;
  v.malformed = scanned.malformed;
  if (v.records == 0) return v;
  const std::int64_t span = last - first + 1;
  v.columns = std::max<std::size_t>(1, std::min<std::size_t>(columns, v.records));
  v.width_ns =
      (span + static_cast<std::int64_t>(v.columns) - 1) / static_cast<std::int64_t>(v.columns);
  v.width_ns = std::max<std::int64_t>(v.width_ns, 1);
  v.start_ns = first;
  v.event_columns = std::min<std::size_t>(event_columns, v.records);
  v.event_width_ns =
      std::max<std::int64_t>(1, (span + static_cast<std::int64_t>(v.event_columns) - 1) /
                                    static_cast<std::int64_t>(v.event_columns));
  summarize_all(merge(parts), v, threads);
  v.correlations = correlate(v.list);
  add_resources(v, resource_files(files));
  return v;
}

}  // namespace perftrack::dashboard
