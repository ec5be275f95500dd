// serve --slo: the objectives over the tailer's live counters.

#include "perftrack/slo/live.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "grading.hpp"
#include "perftrack/exposition/agent_metrics.hpp"
#include "perftrack/slo/rules.hpp"

namespace perftrack::slo {
namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;

bool counts_operation(const objective& o, const std::string& op) {
  return o.operations.empty() ||
         std::find(o.operations.begin(), o.operations.end(), op) != o.operations.end();
}

}  // namespace

live_evaluator::live_evaluator(objective_set set) : set_(std::move(set)) {
  const auto layout = exposition::agent_metrics::duration_layout();
  for (const auto& o : set_.objectives) {
    le_index_.push_back(o.kind == objective_kind::latency ? layout->bucket_of(o.threshold_seconds)
                                                          : 0);
  }
}

live_evaluator::totals live_evaluator::sum(std::int64_t now_ns,
                                           const tail::aggregator::snapshot& counts) const {
  totals t{now_ns, std::vector<std::uint64_t>(set_.objectives.size()),
           std::vector<std::uint64_t>(set_.objectives.size())};
  for (const auto& [op, c] : counts.operations) {
    std::uint64_t count = 0;
    for (const auto b : c.buckets) count += b;
    for (std::size_t i = 0; i < set_.objectives.size(); ++i) {
      const objective& o = set_.objectives[i];
      if (!o.from_records() || !counts_operation(o, op)) continue;
      t.events[i] += count;
      if (o.kind == objective_kind::latency) {
        // Bad: past the threshold's bucket (buckets are per bound, not cumulative).
        for (std::size_t b = le_index_[i] + 1; b < c.buckets.size(); ++b) t.bad[i] += c.buckets[b];
      } else {
        t.bad[i] += c.errors;
      }
    }
  }
  return t;
}

void live_evaluator::observe(std::int64_t now_ns, const tail::aggregator::snapshot& counts) {
  totals t = sum(now_ns, counts);
  std::lock_guard lock(mutex_);
  const bool new_minute = history_.empty() || now_ns - history_.back().at_ns >= 60 * ns_per_second;
  if (new_minute) history_.push_back(t);
  latest_ = std::move(t);
  if (!new_minute) return;
  // Samples a minute apart for the longest window (and a minute more), an hour
  // apart beyond it for the period's error budget; none older than the period.
  const std::int64_t fine = (burn_windows().back().count() + 60) * ns_per_second;
  const std::int64_t keep =
      (std::max<std::int64_t>(set_.period.count(), burn_windows().back().count()) + 3600) *
      ns_per_second;
  while (history_.size() > 1 && history_[1].at_ns <= now_ns - keep) history_.pop_front();
  thin_out(now_ns - fine);
}

void live_evaluator::thin_out(std::int64_t before_ns) {
  // Keeps the first sample of each hour among those older than `before_ns`.
  constexpr std::int64_t hour = 3600 * ns_per_second;
  std::deque<totals> kept;
  for (auto& h : history_) {
    const bool old = h.at_ns < before_ns;
    if (!old || kept.empty() || h.at_ns - kept.back().at_ns >= hour) kept.push_back(std::move(h));
  }
  history_ = std::move(kept);
}

live_evaluator::window_counts live_evaluator::over(std::size_t i, seconds window) const {
  // The newest kept totals at or before the window's start, else the oldest:
  // like Prometheus's increase() over a series younger than the window.
  const std::int64_t start = latest_.at_ns - window.count() * ns_per_second;
  auto after = std::upper_bound(history_.begin(), history_.end(), start,
                                [](std::int64_t t, const totals& h) { return t < h.at_ns; });
  const totals* base = after == history_.begin() ? &history_.front() : &*std::prev(after);
  return {latest_.events[i] - base->events[i], latest_.bad[i] - base->bad[i]};
}

std::vector<severity> live_evaluator::holding(std::size_t i) const {
  const objective& o = set_.objectives[i];
  std::vector<severity> out;
  const auto add = [&out](bool holds, severity s) {
    if (holds && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  if (o.kind == objective_kind::error_rate) {
    const auto w = over(i, o.window);
    for (const auto& t : o.tiers) add(grading::fixed(o, t, {w.events, w.bad}).holds, t.level);
  } else if (o.from_records()) {
    for (const auto& t : burn_tiers()) {
      const auto l = over(i, t.long_window), s = over(i, t.short_window);
      add(grading::burn(o, t, {l.events, l.bad}, {s.events, s.bad}).holds, t.level);
    }
  }
  return out;
}

std::vector<std::optional<severity>> live_evaluator::now() const {
  std::lock_guard lock(mutex_);
  std::vector<std::optional<severity>> out(set_.objectives.size());
  if (history_.empty()) return out;
  for (std::size_t i = 0; i < set_.objectives.size(); ++i) {
    for (const severity s : holding(i)) {
      if (!out[i] || s > *out[i]) out[i] = s;
    }
  }
  return out;
}

std::vector<alert_state> live_evaluator::firing() const {
  std::lock_guard lock(mutex_);
  std::vector<alert_state> out;
  if (history_.empty()) return out;
  for (std::size_t i = 0; i < set_.objectives.size(); ++i) {
    const objective& o = set_.objectives[i];
    for (const severity s : holding(i)) {
      out.push_back(
          {std::string(o.kind == objective_kind::error_rate ? error_rate_alert : burn_alert),
           o.name, s, o.name + ": " + std::string(name(s)) + " tier holding", o.description});
    }
  }
  return out;
}

void live_evaluator::collect(std::vector<exposition::family>& out) const {
  using exposition::metric_type;
  exposition::family burn{.name = "perftrack_slo_burn_rate",
                          .help =
                              "How fast each objective spends its error budget over each "
                              "window (1: exactly over its period).",
                          .type = metric_type::gauge};
  exposition::family budget{.name = "perftrack_slo_error_budget_remaining_ratio",
                            .help =
                                "The share of each objective's error budget left over its "
                                "period (negative: overspent).",
                            .type = metric_type::gauge};
  exposition::family violation{.name = "perftrack_slo_violation",
                               .help = "1 while a tier of that severity holds for the objective.",
                               .type = metric_type::gauge};
  const auto severities = now();
  std::lock_guard lock(mutex_);
  if (history_.empty()) return;
  for (std::size_t i = 0; i < set_.objectives.size(); ++i) {
    const objective& o = set_.objectives[i];
    if (!o.from_records()) continue;
    for (const severity s : {severity::warning, severity::error, severity::critical}) {
      const bool reachable =
          o.kind != objective_kind::error_rate ||
          std::any_of(o.tiers.begin(), o.tiers.end(), [s](const auto& t) { return t.level == s; });
      if (!reachable) continue;
      exposition::label_set labels;
      labels.add("slo", o.name).add("severity", name(s));
      violation.samples.push_back(
          {.labels = labels, .value = severities[i] && *severities[i] == s ? 1.0 : 0.0});
    }
    if (o.kind == objective_kind::error_rate) continue;
    const double allowed = (decimal{1, 0} - o.target).to_double();
    for (const seconds w : burn_windows()) {
      const auto c = over(i, w);
      if (c.events == 0) continue;
      exposition::label_set labels;
      labels.add("slo", o.name).add("window", prometheus_duration(w));
      burn.samples.push_back(
          {.labels = labels, .value = grading::ratio({c.events, c.bad}) / allowed});
    }
    const auto p = over(i, set_.period);
    if (p.events != 0) {
      exposition::label_set labels;
      labels.add("slo", o.name);
      budget.samples.push_back(
          {.labels = labels, .value = 1 - grading::ratio({p.events, p.bad}) / allowed});
    }
  }
  out.push_back(std::move(burn));
  out.push_back(std::move(budget));
  out.push_back(std::move(violation));
}

}  // namespace perftrack::slo
