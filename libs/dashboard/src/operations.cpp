// Recorded operations for the dashboard: percentiles over time and the latency
// heat map (time on x, log-spaced latency buckets on y, as Brendan Gregg draws
// them).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/reader/scanner.hpp"
#include "perftrack/stats/correlation.hpp"
#include "perftrack/stats/percentile.hpp"

namespace perftrack::dashboard {
namespace {

/// The events chart's resolution: about a pixel column each on a wide card.
constexpr std::size_t event_columns = 1000;

struct event {
  std::int64_t ns;
  double ms;
};

struct operation_events {
  std::vector<event> events;
  std::uint64_t errors = 0;
};

class collecting_sink final : public reader::record_sink {
public:
  collecting_sink(std::optional<std::int64_t> since, std::optional<std::int64_t> until)
      : since_(since), until_(until) {}
  void on_record(const reader::record_view& r) override {
    if ((since_ && r.timestamp_ns < *since_) || (until_ && r.timestamp_ns > *until_)) {
      ++outside_;
      return;
    }
    auto& op = by_name_[std::string(r.operation)];
    op.events.push_back({r.timestamp_ns, r.duration_ms});
    if (!r.success) ++op.errors;
    first_ = std::min(first_, r.timestamp_ns);
    last_ = std::max(last_, r.timestamp_ns);
  }
  std::map<std::string, operation_events>& by_name() { return by_name_; }
  std::int64_t first() const { return first_; }
  std::int64_t last() const { return last_; }
  std::uint64_t outside() const { return outside_; }

private:
  std::optional<std::int64_t> since_, until_;
  std::uint64_t outside_ = 0;
  std::map<std::string, operation_events> by_name_;
  std::int64_t first_ = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_ = std::numeric_limits<std::int64_t>::min();
};

std::size_t heat_row(double ms) {
  const auto& b = heat_bounds_ms();
  // Row i holds (b[i-1], b[i]]; the first everything up to b[0], the last above.
  const auto it = std::lower_bound(b.begin(), b.end(), ms);
  return std::min<std::size_t>(static_cast<std::size_t>(it - b.begin()), b.size());
}

operation summarize(const std::string& name, operation_events& in, const operations_view& v) {
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
  std::sort(in.events.begin(), in.events.end(),
            [](const event& a, const event& b) { return a.ns < b.ns; });
  for (const event& e : in.events) {
    const auto c = static_cast<std::size_t>((e.ns - v.start_ns) / v.event_width_ns);
    double& lo = op.events_min[c];
    double& hi = op.events_max[c];
    lo = std::isnan(lo) ? e.ms : std::min(lo, e.ms);
    hi = std::isnan(hi) ? e.ms : std::max(hi, e.ms);
  }
  std::vector<double> column;
  std::size_t at = 0;
  for (std::size_t c = 0; c < v.columns; ++c) {
    const std::int64_t end = v.start_ns + static_cast<std::int64_t>(c + 1) * v.width_ns;
    column.clear();
    for (; at < in.events.size() && in.events[at].ns < end; ++at) {
      column.push_back(in.events[at].ms);
      ++op.heat[heat_row(in.events[at].ms) * v.columns + c];
    }
    if (column.empty()) continue;
    const double qs[] = {0.5, 0.95, 0.99};
    double out[3];
    stats::percentiles(std::span<double>(column), qs, stats::percentile_method::nearest_rank, out);
    op.p50[c] = out[0];
    op.p95[c] = out[1];
    op.p99[c] = out[2];
  }
  return op;
}

/// Which operations slow together: the rank correlation of each pair's p95
/// over the columns both have events in.
std::vector<pair_correlation> correlate(const std::vector<operation>& ops) {
  constexpr std::size_t min_columns = 5, most = 50;
  std::vector<pair_correlation> out;
  std::vector<double> x, y;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    for (std::size_t j = i + 1; j < ops.size(); ++j) {
      x.clear();
      y.clear();
      for (std::size_t c = 0; c < ops[i].p95.size(); ++c) {
        if (std::isfinite(ops[i].p95[c]) && std::isfinite(ops[j].p95[c])) {
          x.push_back(ops[i].p95[c]);
          y.push_back(ops[j].p95[c]);
        }
      }
      if (x.size() < min_columns) continue;
      const double rho = stats::spearman(x, y);
      if (std::isfinite(rho)) out.push_back({ops[i].name, ops[j].name, rho, x.size()});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::fabs(a.rho) != std::fabs(b.rho) ? std::fabs(a.rho) > std::fabs(b.rho) : a.n > b.n;
  });
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

expected<operations_view> collect_operations(const std::vector<std::filesystem::path>& files,
                                             std::size_t columns,
                                             std::optional<std::int64_t> since_ns,
                                             std::optional<std::int64_t> until_ns) {
  std::error_code ec;
  std::filesystem::path failed;
  const auto inputs = reader::expand_inputs(files, ec, failed);
  if (ec) return failure{fmt::format("cannot read {}: {}", failed.string(), ec.message())};
  collecting_sink sink(since_ns, until_ns);
  reader::scan_result scanned;
  for (const auto& f : inputs) {
    if (!reader::scan_file_in_order(f, sink, {}, scanned, ec))
      return failure{fmt::format("cannot read {}: {}", f.string(), ec.message())};
  }
  operations_view v;
  v.records = scanned.records - sink.outside();
  v.malformed = scanned.malformed;
  if (v.records == 0) return v;
  const std::int64_t span = sink.last() - sink.first() + 1;
  v.columns = std::max<std::size_t>(1, std::min<std::size_t>(columns, v.records));
  v.width_ns =
      (span + static_cast<std::int64_t>(v.columns) - 1) / static_cast<std::int64_t>(v.columns);
  v.width_ns = std::max<std::int64_t>(v.width_ns, 1);
  v.start_ns = sink.first();
  v.event_columns = std::min<std::size_t>(event_columns, v.records);
  v.event_width_ns =
      std::max<std::int64_t>(1, (span + static_cast<std::int64_t>(v.event_columns) - 1) /
                                    static_cast<std::int64_t>(v.event_columns));
  for (auto& [name, events] : sink.by_name()) v.list.push_back(summarize(name, events, v));
  v.correlations = correlate(v.list);
  add_resources(v, resource_files(files));
  return v;
}

}  // namespace perftrack::dashboard
