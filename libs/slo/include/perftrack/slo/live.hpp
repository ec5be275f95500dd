#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "perftrack/exposition/metrics.hpp"
#include "perftrack/slo/notify.hpp"
#include "perftrack/slo/objectives.hpp"
#include "perftrack/tail/aggregator.hpp"

/// `perftrack serve --slo`: the objectives evaluated live over the counters the
/// tailer keeps, the way the generated rules evaluate them in Prometheus: a
/// window's counts are the counters now minus the counters at the window's
/// start (docs/slo.md, "Live").
namespace perftrack::slo {

class live_evaluator {
public:
  explicit live_evaluator(objective_set set);

  /// Takes the counters as of `now_ns` (Unix time): kept once a minute for
  /// the windows and the period, the latest always. Any thread.
  void observe(std::int64_t now_ns, const tail::aggregator::snapshot& counts);

  /// perftrack_slo_burn_rate{slo,window}, perftrack_slo_error_budget_remaining_ratio{slo},
  /// perftrack_slo_violation{slo,severity} (1 while a tier of that severity
  /// holds), for the objectives recorded operations answer. Any thread.
  void collect(std::vector<exposition::family>& out) const;

  /// The highest severity holding now for each objective (nullopt: none, or a
  /// gauge, which only Prometheus evaluates), in the set's order.
  std::vector<std::optional<severity>> now() const;

  /// Every severity holding now, one alert each, named as the rules name them
  /// (SLOErrorBudgetBurn, SLOErrorRate), for alertmanager_notifier.
  std::vector<alert_state> firing() const;

private:
  struct totals {
    std::int64_t at_ns = 0;
    std::vector<std::uint64_t> events, bad;  // per objective, cumulative
  };
  totals sum(std::int64_t now_ns, const tail::aggregator::snapshot& counts) const;
  /// Counts of objective i over the `window` ending at the latest totals.
  struct window_counts {
    std::uint64_t events = 0, bad = 0;
  };
  window_counts over(std::size_t i, seconds window) const;
  void thin_out(std::int64_t before_ns);
  /// The severities holding for objective i (caller holds the lock).
  std::vector<severity> holding(std::size_t i) const;

  objective_set set_;
  std::vector<std::size_t> le_index_;  // latency: the bucket index of the threshold
  mutable std::mutex mutex_;
  std::deque<totals> history_;  // one a minute, oldest first
  totals latest_;
};

}  // namespace perftrack::slo
