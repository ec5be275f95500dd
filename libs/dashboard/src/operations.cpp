// Recorded operations for the dashboard: percentiles over time and the latency
// heat map (time on x, log-spaced latency buckets on y, as Brendan Gregg draws
// them).

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
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
#include "perftrack/stats/duration_samples.hpp"
#include "perftrack/stats/percentile.hpp"

namespace perftrack::dashboard {
namespace {

/// The events chart's resolution: about a pixel column each on a wide card.
constexpr std::size_t most_event_columns = 1000;

/// Where an event goes: a time column (percentiles, heat map) and a finer
/// event column (least and greatest latency).
struct layout {
  std::int64_t start_ns = 0, width_ns = 1;
  std::size_t columns = 0;
  std::int64_t event_width_ns = 1;
  std::size_t event_columns = 0;
  bool operator==(const layout&) const = default;

  /// `columns` time columns (fewer for fewer records) over [first, last].
  static layout over(std::int64_t first, std::int64_t last, std::uint64_t records,
                     std::size_t columns) {
    const std::int64_t span = last - first + 1;
    layout l;
    l.start_ns = first;
    l.columns = std::max<std::size_t>(1, std::min<std::size_t>(columns, records));
    l.width_ns = std::max<std::int64_t>(1, ceil_div(span, l.columns));
    l.event_columns = std::max<std::size_t>(1, std::min<std::size_t>(most_event_columns, records));
    l.event_width_ns = std::max<std::int64_t>(1, ceil_div(span, l.event_columns));
    l.end_offset_ns_ = std::min(l.width_ns * static_cast<std::int64_t>(l.columns),
                                l.event_width_ns * static_cast<std::int64_t>(l.event_columns));
    l.per_width_ = 1.0 / static_cast<double>(l.width_ns);
    l.per_event_width_ = 1.0 / static_cast<double>(l.event_width_ns);
    return l;
  }
  /// Where `ns` goes: its time column and event column; false outside. Two
  /// multiplications, each put right by a step either way: a division costs
  /// more than the rest of a record's binning.
  bool place(std::int64_t ns, std::size_t& column, std::size_t& event_column) const noexcept {
    const std::int64_t offset = ns - start_ns;
    if (ns < start_ns || offset >= end_offset_ns_) return false;
    column = quotient(offset, width_ns, per_width_);
    event_column = quotient(offset, event_width_ns, per_event_width_);
    return true;
  }

private:
  std::int64_t end_offset_ns_ = 0;  // past the last column of either kind
  double per_width_ = 1, per_event_width_ = 1;

  /// offset / width for 0 <= offset < 2^53 and a quotient below a few
  /// thousand: the product's rounding is under one either way.
  static std::size_t quotient(std::int64_t offset, std::int64_t width, double per_width) noexcept {
    auto q = static_cast<std::int64_t>(static_cast<double>(offset) * per_width);
    q -= q * width > offset ? 1 : 0;
    q += (q + 1) * width <= offset ? 1 : 0;
    return static_cast<std::size_t>(q);
  }

  static std::int64_t ceil_div(std::int64_t a, std::size_t b) {
    return (a + static_cast<std::int64_t>(b) - 1) / static_cast<std::int64_t>(b);
  }
};

/// Row i holds (b[i-1], b[i]]; the first everything up to b[0], the last
/// above: the number of bounds below `ms`. The bounds are quarter decades,
/// so a binary octave [2^e, 2^(e+1)) holds at most two of them: the octave
/// (the double's exponent) gives how many bounds lie below it, and two
/// comparisons finish, with no branch to mispredict (a record's row is as
/// random as its latency).
class heat_rows {
public:
  heat_rows() {
    const auto& b = heat_bounds_ms();
    bounds_.assign(b.begin(), b.end());
    bounds_.resize(b.size() + 2, std::numeric_limits<double>::infinity());
    for (int e = 0; e < octaves; ++e) {
      const double low = std::ldexp(1.0, e + min_exponent);  // the octave's least value
      below_[e] = static_cast<std::uint8_t>(std::lower_bound(b.begin(), b.end(), low) -
                                            b.begin());  // bounds < low
    }
  }
  std::size_t operator()(double ms) const noexcept {
    if (!(ms > 0)) return 0;
    // The exponent from the bits: std::ilogb is a call into libm.
    int e =
        static_cast<int>((std::bit_cast<std::uint64_t>(ms) >> 52) & 0x7ff) - 1023 - min_exponent;
    e = std::clamp(e, 0, octaves - 1);
    const std::size_t k = below_[e];
    return k + (bounds_[k] < ms ? 1 : 0) + (bounds_[k + 1] < ms ? 1 : 0);
  }

private:
  // 2^-21 ms (0.5 ns) to 2^26 ms (18 hours): every value below or above
  // lands in the first or last octave, whose counts still hold.
  static constexpr int min_exponent = -21, octaves = 48;
  std::vector<double> bounds_;
  std::uint8_t below_[octaves] = {};
};

/// One operation's events binned as they are read: the heat map, the least
/// and greatest per event column, and each time column's latencies (4 bytes
/// each where they are whole microseconds) for exact percentiles.
///
/// A time column's percentiles are taken when the operation's events move on
/// to another column, on the scanning thread while its latencies are still
/// in its cache. In a file in time order that column is then complete, and
/// once the events are a column further on its latencies are dropped and
/// their memory serves the next column (closed): the latencies held are a
/// few columns' worth, not the file's, and no page is faulted in for each.
/// A column stays open (its latencies kept, taken again at the end) while it
/// may still gain events: the one before the current (records a little out
/// of order), the first this thread saw (its start may be the previous
/// thread's end) and the last. An event for a closed column makes the bins
/// inexact: the caller bins again with every column kept open.
struct operation_bins {
  operation op;
  std::vector<stats::duration_samples> samples;  // per time column

  // While binning, an event column without events holds +inf and -inf (so
  // that min and max need no test); finish() makes them NaN.
  operation_bins(const layout& l, bool keep_all)
      : samples(l.columns), summarized_(l.columns, 0), closed_(l.columns, 0), keep_all_(keep_all) {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    op.heat.assign((heat_bounds_ms().size() + 1) * l.columns, 0);
    op.events_min.assign(l.event_columns, inf);
    op.events_max.assign(l.event_columns, -inf);
    op.p50.assign(l.columns, nan);
    op.p95.assign(l.columns, nan);
    op.p99.assign(l.columns, nan);
  }
  void add(const layout& l, std::size_t column, std::size_t event_column, double ms, bool success) {
    if (column != last_column_) move_to(column);
    ++op.count;
    op.errors += success ? 0 : 1;
    samples[column].add(ms);
    static const heat_rows heat_row;
    ++op.heat[heat_row(ms) * l.columns + column];
    widen(event_column, ms, ms);
  }
  /// Adds `other`'s events (another thread's share); inexact when a column
  /// both hold events in was closed by either.
  void merge(operation_bins&& other) {
    op.count += other.op.count;
    op.errors += other.op.errors;
    inexact = inexact || other.inexact;
    for (std::size_t c = 0; c < samples.size(); ++c) {
      if (other.events(c) == 0) continue;
      if (events(c) == 0) {  // the other's column, with its percentiles if taken
        op.p50[c] = other.op.p50[c];
        op.p95[c] = other.op.p95[c];
        op.p99[c] = other.op.p99[c];
        summarized_[c] = other.summarized_[c];
        closed_[c] = other.closed_[c];
        std::swap(samples[c], other.samples[c]);
      } else if (closed_[c] != 0 || other.closed_[c] != 0) {
        inexact = true;
      } else {
        samples[c].append(other.samples[c]);
      }
    }
    for (std::size_t i = 0; i < op.heat.size(); ++i) op.heat[i] += other.op.heat[i];
    for (std::size_t i = 0; i < op.events_min.size(); ++i)
      widen(i, other.op.events_min[i], other.op.events_max[i]);
  }
  /// Each column's nearest-rank p50/p95/p99 (NaN where it has no event).
  operation finish(std::string name) && {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < op.events_min.size(); ++i) {
      if (op.events_min[i] > op.events_max[i]) op.events_min[i] = op.events_max[i] = nan;
    }
    op.name = std::move(name);
    for (std::size_t c = 0; c < samples.size(); ++c) {
      summarize(c);
      samples[c].release();
    }
    return std::move(op);
  }

  /// An event came for a closed column, or a merge met one: a column's
  /// percentiles would miss some of its events.
  bool inexact = false;

private:
  static constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  /// The events each column's percentiles were taken over (0: not taken).
  std::vector<std::size_t> summarized_;
  std::vector<std::uint8_t> closed_;  // percentiles taken, latencies dropped
  bool keep_all_;
  std::size_t first_column_ = none, previous_column_ = none, last_column_ = none;
  stats::duration_samples spare_;  // a closed column's memory, for the next one

  std::size_t events(std::size_t c) const {
    return closed_[c] != 0 ? summarized_[c] : samples[c].size();
  }
  void move_to(std::size_t column) {
    if (last_column_ == none) {
      first_column_ = column;
      last_column_ = column;
      return;
    }
    summarize(last_column_);
    // Done with the column before the last, unless the events came back to
    // it (which only saves the binning again: see below).
    if (!keep_all_ && previous_column_ != none && previous_column_ != column &&
        previous_column_ != first_column_)
      close(previous_column_);
    previous_column_ = last_column_;
    if (closed_[column] != 0) inexact = true;  // its percentiles were taken without this event
    if (samples[column].size() == 0) {
      std::swap(samples[column], spare_);
      // Neighbouring columns hold about as many events: room for that
      // saves the vector's doublings (and their fresh pages).
      const std::size_t n = samples[last_column_].size();
      samples[column].reserve(n + n / 8 + 16);
    }
    last_column_ = column;
  }
  void close(std::size_t c) {
    if (closed_[c] != 0) return;
    summarize(c);
    closed_[c] = 1;
    samples[c].clear();
    std::swap(samples[c], spare_);
  }
  void summarize(std::size_t c) {
    const std::size_t n = samples[c].size();
    if (n == 0 || summarized_[c] == n) return;
    const double qs[] = {0.5, 0.95, 0.99};
    double out[3];
    samples[c].percentiles(qs, stats::percentile_method::nearest_rank, out);
    op.p50[c] = out[0];
    op.p95[c] = out[1];
    op.p99[c] = out[2];
    summarized_[c] = n;
  }
  void widen(std::size_t event_column, double lo, double hi) noexcept {
    op.events_min[event_column] = std::min(op.events_min[event_column], lo);
    op.events_max[event_column] = std::max(op.events_max[event_column], hi);
  }
};

/// One scanning thread's share, binned into a layout guessed before the scan.
/// It also finds the records' true span, to check the guess.
class binning_sink final : public reader::record_sink {
public:
  binning_sink(const layout& l, bool keep_all, std::optional<std::int64_t> since,
               std::optional<std::int64_t> until)
      : layout_(l), keep_all_(keep_all), since_(since), until_(until) {}
  void on_record(const reader::record_view& r) override {
    if ((since_ && r.timestamp_ns < *since_) || (until_ && r.timestamp_ns > *until_)) return;
    ++records;
    first = std::min(first, r.timestamp_ns);
    last = std::max(last, r.timestamp_ns);
    std::size_t column = 0, event_column = 0;
    if (!layout_.place(r.timestamp_ns, column, event_column)) {
      ++misplaced;
      return;
    }
    ops.find_or_make(r.operation, [&] { return operation_bins(layout_, keep_all_); })
        .add(layout_, column, event_column, r.duration_ms, r.success);
  }

  cached_string_map<operation_bins> ops;  // found by string_view: a record costs no string
  std::uint64_t records = 0, misplaced = 0;
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = std::numeric_limits<std::int64_t>::min();

private:
  layout layout_;
  bool keep_all_;
  std::optional<std::int64_t> since_, until_;
};

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

/// One scan of `inputs` binned into `l`, by all cores.
struct binned {
  std::vector<binning_sink> parts;
  reader::scan_result scanned;
  std::uint64_t records = 0, misplaced = 0;
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
};

/// `keep_all`: every time column's latencies kept to the end (operation_bins).
expected<binned> bin(const std::vector<std::filesystem::path>& inputs, const layout& l,
                     bool keep_all, std::optional<std::int64_t> since_ns,
                     std::optional<std::int64_t> until_ns) {
  binned out;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  out.parts.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) out.parts.emplace_back(l, keep_all, since_ns, until_ns);
  std::vector<reader::record_sink*> sinks;
  for (auto& p : out.parts) sinks.push_back(&p);
  std::error_code ec;
  for (const auto& f : inputs) {
    if (!reader::scan_file(f, sinks, {}, out.scanned, ec))
      return failure{fmt::format("cannot read {}: {}", f.string(), ec.message())};
  }
  for (const auto& p : out.parts) {
    out.records += p.records;
    out.misplaced += p.misplaced;
    out.first = std::min(out.first, p.first);
    out.last = std::max(out.last, p.last);
  }
  return out;
}

/// How to bin: the layout the files' first and last records suggest (their
/// whole span when they are in time order), within [since, until]; every
/// column kept open when a file starts before an earlier one ends (its
/// records would come back to closed columns).
struct binning_plan {
  layout guess;
  bool keep_all = false;
};

expected<binning_plan> plan_binning(const std::vector<std::filesystem::path>& inputs,
                                    std::size_t columns, std::optional<std::int64_t> since_ns,
                                    std::optional<std::int64_t> until_ns) {
  std::optional<reader::time_span> all;
  binning_plan plan;
  for (const auto& f : inputs) {
    std::optional<reader::time_span> span;
    std::error_code ec;
    if (!reader::edge_span(f, span, ec))
      return failure{fmt::format("cannot read {}: {}", f.string(), ec.message())};
    if (!span) continue;
    if (!all) {
      all = span;
      continue;
    }
    plan.keep_all = plan.keep_all || span->first_ns < all->last_ns;
    all->first_ns = std::min(all->first_ns, span->first_ns);
    all->last_ns = std::max(all->last_ns, span->last_ns);
  }
  if (!all) return plan;
  const std::int64_t first = since_ns ? std::max(*since_ns, all->first_ns) : all->first_ns;
  const std::int64_t last = until_ns ? std::min(*until_ns, all->last_ns) : all->last_ns;
  plan.guess = layout::over(first, std::max(first, last), std::numeric_limits<std::uint64_t>::max(),
                            columns);
  return plan;
}

/// The threads' bins merged by operation name and summarized, spread over
/// the cores (each takes the next operation), in name order; nullopt when
/// the bins are inexact (operation_bins::inexact).
std::optional<std::vector<operation>> summarize(std::vector<binning_sink>& parts) {
  std::map<std::string, operation_bins*> named;
  for (auto& part : parts) {
    for (auto& [name, bins] : part.ops.map()) {
      auto [it, fresh] = named.emplace(name, &bins);
      if (!fresh) it->second->merge(std::move(bins));
    }
  }
  for (const auto& [name, bins] : named) {
    if (bins->inexact) return std::nullopt;
  }
  std::vector<std::pair<const std::string*, operation_bins*>> work;
  for (auto& [name, bins] : named) work.emplace_back(&name, bins);
  std::vector<operation> out(work.size());
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < work.size();)
      out[i] = std::move(*work[i].second).finish(*work[i].first);
  };
  std::vector<std::thread> helpers;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 1; t < threads && t < work.size(); ++t) helpers.emplace_back(worker);
  worker();
  for (auto& h : helpers) h.join();
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

/// Events are binned as they are read, into the span the files' first and
/// last records suggest; when the records' true span or count calls for other
/// columns (files out of time order, fewer records than columns, a window
/// narrower than the files), they are read again into those, and again with
/// every column's latencies kept when records out of time order came back
/// to a column already closed.
expected<operations_view> collect_operations(const std::vector<std::filesystem::path>& files,
                                             std::size_t columns,
                                             std::optional<std::int64_t> since_ns,
                                             std::optional<std::int64_t> until_ns) {
  std::error_code ec;
  std::filesystem::path failed;
  const auto inputs = reader::expand_inputs(files, ec, failed);
  if (ec) return failure{fmt::format("cannot read {}: {}", failed.string(), ec.message())};
  auto plan = plan_binning(inputs, columns, since_ns, until_ns);
  if (!plan) return failure{plan.error()};
  auto pass = bin(inputs, plan->guess, plan->keep_all, since_ns, until_ns);
  if (!pass) return failure{pass.error()};
  operations_view v;
  v.records = pass->records;
  v.malformed = pass->scanned.malformed;
  if (v.records == 0) return v;
  const auto actual = layout::over(pass->first, pass->last, v.records, columns);
  if (actual != plan->guess || pass->misplaced > 0) {
    pass = bin(inputs, actual, plan->keep_all, since_ns, until_ns);
    if (!pass) return failure{pass.error()};
  }
  auto list = summarize(pass->parts);
  if (!list) {  // records out of time order came back to closed columns
    pass = bin(inputs, actual, true, since_ns, until_ns);
    if (!pass) return failure{pass.error()};
    list = summarize(pass->parts);
  }
  v.start_ns = actual.start_ns;
  v.width_ns = actual.width_ns;
  v.columns = actual.columns;
  v.event_width_ns = actual.event_width_ns;
  v.event_columns = actual.event_columns;
  v.list = std::move(list).value();
  v.correlations = correlate(v.list);
  add_resources(v, resource_files(files));
  return v;
}

}  // namespace perftrack::dashboard
