// perftrack slo check: the objectives' tiers evaluated minute by minute over
// recorded operations (docs/slo.md, "Backtest").

#include "perftrack/slo/backtest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <unordered_map>

#include "grading.hpp"
#include "perftrack/reader/scanner.hpp"

namespace perftrack::slo {
namespace {

constexpr std::int64_t minute_ns = 60'000'000'000;
constexpr std::int64_t max_span_minutes = 400 * 24 * 60;
const double nan = std::numeric_limits<double>::quiet_NaN();

using grading::counts;

/// Floor division: the minute a time falls in, also before 1970.
std::int64_t minute_of(std::int64_t ns) {
  return ns >= 0 ? ns / minute_ns : -((-ns + minute_ns - 1) / minute_ns);
}

/// Counts each evaluable objective's events per minute.
class binner final : public reader::record_sink {
public:
  binner(const std::vector<objective>& objectives, const check_options& o)
      : objectives_(objectives), options_(o), per_objective_(objectives.size()) {
    for (std::size_t i = 0; i < objectives.size(); ++i) {
      if (objectives[i].from_records() && objectives[i].operations.empty()) every_.push_back(i);
    }
  }

  void on_record(const reader::record_view& r) override {
    if (options_.since_ns && r.timestamp_ns < *options_.since_ns) return;
    if (options_.until_ns && r.timestamp_ns > *options_.until_ns) return;
    ++records_;
    last_ns_ = std::max(last_ns_, r.timestamp_ns);
    first_ns_ = std::min(first_ns_, r.timestamp_ns);
    const std::int64_t m = minute_of(r.timestamp_ns);
    for (const std::size_t i : matching(r.operation)) add(i, m, r);
    for (const std::size_t i : every_) add(i, m, r);
  }

  std::uint64_t records() const noexcept { return records_; }
  std::int64_t first_ns() const noexcept { return first_ns_; }
  std::int64_t last_ns() const noexcept { return last_ns_; }
  const std::map<std::int64_t, counts>& minutes(std::size_t i) const { return per_objective_[i]; }

private:
  const std::vector<std::size_t>& matching(std::string_view operation) {
    auto it = by_operation_.find(std::string(operation));
    if (it != by_operation_.end()) return it->second;
    std::vector<std::size_t> list;
    for (std::size_t i = 0; i < objectives_.size(); ++i) {
      const auto& ops = objectives_[i].operations;
      if (objectives_[i].from_records() &&
          std::find(ops.begin(), ops.end(), operation) != ops.end())
        list.push_back(i);
    }
    return by_operation_.emplace(std::string(operation), std::move(list)).first->second;
  }

  void add(std::size_t i, std::int64_t minute, const reader::record_view& r) {
    const objective& o = objectives_[i];
    counts& c = per_objective_[i][minute];
    ++c.events;
    // Latency: as the exporter buckets it, bad when past the bound (le is <=).
    const bool bad = o.kind == objective_kind::latency
                         ? r.duration_ms / 1000.0 > o.threshold_seconds
                         : !r.success;
    c.bad += bad ? 1 : 0;
  }

  const std::vector<objective>& objectives_;
  const check_options& options_;
  std::vector<std::map<std::int64_t, counts>> per_objective_;
  std::vector<std::size_t> every_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_operation_;
  std::uint64_t records_ = 0;
  std::int64_t first_ns_ = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_ns_ = std::numeric_limits<std::int64_t>::min();
};

/// Prefix sums over a dense range of minutes: any window's counts in O(1).
class timeline {
public:
  timeline(const std::map<std::int64_t, counts>& sparse, std::int64_t first, std::int64_t last)
      : first_(first), events_(static_cast<std::size_t>(last - first + 2)), bad_(events_.size()) {
    for (const auto& [m, c] : sparse) {
      if (m < first || m > last) continue;
      const auto k = static_cast<std::size_t>(m - first + 1);
      events_[k] += c.events;
      bad_[k] += c.bad;
    }
    for (std::size_t k = 1; k < events_.size(); ++k) {
      events_[k] += events_[k - 1];
      bad_[k] += bad_[k - 1];
    }
  }

  /// Events in the `minutes` minutes that end with minute `end` (inclusive).
  counts window(std::int64_t end, std::int64_t minutes) const {
    const auto hi = clamp(end - first_ + 1);
    const auto lo = clamp(end - minutes - first_ + 1);
    return {events_[hi] - events_[lo], bad_[hi] - bad_[lo]};
  }

private:
  std::size_t clamp(std::int64_t k) const {
    return static_cast<std::size_t>(
        std::clamp<std::int64_t>(k, 0, static_cast<std::int64_t>(events_.size()) - 1));
  }
  std::int64_t first_;
  std::vector<std::uint64_t> events_, bad_;
};

std::int64_t minutes_in(seconds s) { return std::max<std::int64_t>(1, s.count() / 60); }

window_burn view(const timeline& t, std::int64_t minute, seconds w, double budget) {
  const counts c = t.window(minute, minutes_in(w));
  window_burn b{.window = w, .events = c.events, .bad = c.bad};
  b.error_ratio = c.events == 0 ? nan : static_cast<double>(c.bad) / static_cast<double>(c.events);
  b.burn_rate = budget > 0 ? b.error_ratio / budget : nan;
  return b;
}

/// One alerting condition of an objective, evaluated at a minute: whether it
/// holds, and the figure it is judged on.
struct condition {
  severity level;
  std::string text;
  std::function<std::pair<bool, double>(std::int64_t)> holds;
};

std::vector<condition> conditions_of(const objective& o, const timeline& t) {
  std::vector<condition> out;
  if (o.kind == objective_kind::error_rate) {
    for (const auto& tier : o.tiers) {
      out.push_back(
          {tier.level,
           fmt::format(">= {} over {}", tier.threshold.text(), prometheus_duration(o.window)),
           [&t, &o, tier](std::int64_t m) {
             const auto v = grading::fixed(o, tier, t.window(m, minutes_in(o.window)));
             return std::pair{v.holds, v.figure};
           }});
    }
    return out;
  }
  for (const auto& tier : burn_tiers()) {
    out.push_back(
        {tier.level,
         fmt::format("{}x over {} and {}", tier.factor.text(),
                     prometheus_duration(tier.long_window), prometheus_duration(tier.short_window)),
         [&t, &o, tier](std::int64_t m) {
           const auto v = grading::burn(o, tier, t.window(m, minutes_in(tier.long_window)),
                                        t.window(m, minutes_in(tier.short_window)));
           return std::pair{v.holds, v.figure};
         }});
  }
  return out;
}

/// Walks every minute from `first` to `last`, recording when each condition
/// starts and stops holding.
void replay(objective_result& r, const std::vector<condition>& conds, std::int64_t first,
            std::int64_t last) {
  std::vector<std::optional<std::size_t>> open(conds.size());
  for (std::int64_t m = first; m <= last; ++m) {
    const std::int64_t at_ns = (m + 1) * minute_ns;  // evaluated at the minute's end
    for (std::size_t i = 0; i < conds.size(); ++i) {
      const auto [holds, figure] = conds[i].holds(m);
      if (holds && !open[i]) {
        open[i] = r.timeline.size();
        r.timeline.push_back({conds[i].level, conds[i].text, at_ns, std::nullopt, figure});
      } else if (holds) {
        incident& inc = r.timeline[*open[i]];
        inc.peak = std::max(inc.peak, figure);
      } else if (open[i]) {
        r.timeline[*open[i]].resolved_ns = at_ns;
        open[i].reset();
      }
    }
  }
  for (std::size_t i = 0; i < conds.size(); ++i) {
    if (open[i] && (!r.now || conds[i].level > *r.now)) r.now = conds[i].level;
  }
  std::stable_sort(r.timeline.begin(), r.timeline.end(),
                   [](const incident& a, const incident& b) { return a.fired_ns < b.fired_ns; });
}

objective_result evaluate(const objective& o, const std::map<std::int64_t, counts>& sparse,
                          std::int64_t first, std::int64_t last, std::int64_t period_first) {
  objective_result r{.spec = o, .evaluated = o.from_records()};
  if (!r.evaluated) return r;
  const timeline t(sparse, std::min(first, period_first), last);
  const counts in_period = t.window(last, last - period_first + 1);
  r.events = in_period.events;
  r.bad = in_period.bad;
  const double ratio =
      r.events == 0 ? nan : static_cast<double>(r.bad) / static_cast<double>(r.events);
  r.compliance = 1 - ratio;
  const double budget =
      o.kind == objective_kind::error_rate ? 0 : (decimal{1, 0} - o.target).to_double();
  r.budget_remaining = budget > 0 ? 1 - ratio / budget : nan;
  if (o.kind == objective_kind::error_rate) {
    r.now_windows.push_back(view(t, last, o.window, 0));
  } else {
    for (const seconds w : burn_windows()) r.now_windows.push_back(view(t, last, w, budget));
  }
  replay(r, conditions_of(o, t), first, last);
  return r;
}

}  // namespace

bool check_report::failing() const noexcept {
  return std::any_of(objectives.begin(), objectives.end(), [](const objective_result& r) {
    return r.now && *r.now != severity::warning;
  });
}

expected<check_report> run_check(const objective_set& set, const check_options& options) {
  std::error_code ec;
  std::filesystem::path failed;
  const auto files = reader::expand_inputs(options.files, ec, failed);
  if (ec) {
    return failure{fmt::format("cannot read {}: {} (give metrics files or directories with --file)",
                               failed.string(), ec.message())};
  }
  binner sink(set.objectives, options);
  reader::scan_result scanned;
  for (const auto& f : files) {
    if (!reader::scan_file_in_order(f, sink, {}, scanned, ec)) {
      return failure{fmt::format("cannot read {}: {}", f.string(), ec.message())};
    }
  }
  check_report report{.source = set.source,
                      .files = files,
                      .period = set.period,
                      .records = sink.records(),
                      .malformed = scanned.malformed};
  if (sink.records() == 0 && !options.now_ns) {
    return failure{"no records in range: nothing to check (give --file, or widen --since/--until)"};
  }
  const std::int64_t now_ns = options.now_ns     ? *options.now_ns
                              : options.until_ns ? *options.until_ns
                                                 : sink.last_ns();
  const std::int64_t last = minute_of(now_ns);
  const std::int64_t first =
      sink.records() == 0 ? last : std::min(minute_of(sink.first_ns()), last);
  const std::int64_t period_first = last - set.period.count() / 60 + 1;
  if (last - std::min(first, period_first) > max_span_minutes) {
    return failure{
        fmt::format("the records and period span more than 400 days: narrow them with "
                    "--since (or a shorter period in the baselines)")};
  }
  report.first_ns = first * minute_ns;
  report.now_ns = (last + 1) * minute_ns;
  report.period_start_ns = period_first * minute_ns;
  for (std::size_t i = 0; i < set.objectives.size(); ++i) {
    report.objectives.push_back(
        evaluate(set.objectives[i], sink.minutes(i), first, last, period_first));
  }
  return report;
}

}  // namespace perftrack::slo
