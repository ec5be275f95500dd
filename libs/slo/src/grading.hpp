#pragma once

#include <cstdint>
#include <limits>

#include "perftrack/slo/objectives.hpp"

/// How a tier is judged on a window's counts: one home for the backtest
/// (slo check) and the live evaluation (serve --slo), and the same conditions
/// the generated rules state in PromQL (rules.cpp).
namespace perftrack::slo::grading {

struct counts {
  std::uint64_t events = 0;
  std::uint64_t bad = 0;
};

/// bad / events; NaN without events.
inline double ratio(counts c) {
  return c.events == 0 ? std::numeric_limits<double>::quiet_NaN()
                       : static_cast<double>(c.bad) / static_cast<double>(c.events);
}

struct verdict {
  bool holds = false;
  double figure = 0;  ///< the long window's burn rate, or the failed share
};

/// A burn-rate tier: both windows' bad share above factor x budget, and the
/// long window with at least min_events events (`>`, as the rule's `>`).
inline verdict burn(const objective& o, const burn_tier& t, counts long_window,
                    counts short_window) {
  const double budget = (decimal{1, 0} - o.target).to_double();
  const double threshold = (t.factor * (decimal{1, 0} - o.target)).to_double();
  if (long_window.events == 0 || short_window.events == 0 || long_window.events < o.min_events)
    return {};
  const double rl = ratio(long_window), rs = ratio(short_window);
  return {rl > threshold && rs > threshold, rl / budget};
}

/// A fixed error-rate tier: the failed share at or above the tier (`>=`).
inline verdict fixed(const objective& o, const fixed_tier& t, counts window) {
  if (window.events == 0 || window.events < o.min_events) return {};
  const double r = ratio(window);
  return {r >= t.threshold.to_double(), r};
}

}  // namespace perftrack::slo::grading
