#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "perftrack/gate/results.hpp"
#include "perftrack/slo/objectives.hpp"

/// `perftrack slo validate`: benchmark results (perftrack bench, Google
/// Benchmark, pytest-benchmark) judged against the objectives that name
/// benchmarks, with the severities the live alerts use (docs/slo.md).
namespace perftrack::slo {

/// One objective on one benchmark.
struct benchmark_verdict {
  std::string objective;
  std::string benchmark;
  std::string goal;      ///< "95% within 2 s", "at least 100 tasks per minute"
  std::string measured;  ///< what the results say, for reading
  /// latency, success, error_rate: the share of bad events (an estimate for
  /// latency, from the results' percentiles); gauge: the figure.
  double value = std::numeric_limits<double>::quiet_NaN();
  /// latency, success: value / error budget, graded like a burn rate: 14.4x
  /// critical, 6x error, 1x warning. NaN for the fixed-tier kinds.
  double burn = std::numeric_limits<double>::quiet_NaN();
  double at_target_ns = std::numeric_limits<double>::quiet_NaN();  ///< latency: p(target)
  bool below = false;             ///< gauge: bad when the figure is under the tiers
  bool upper_bound = false;       ///< latency: value and burn are at most these
  bool judged = false;            ///< false: the results cannot tell (see measured)
  std::optional<severity> level;  ///< judged and past a tier
};

struct validation {
  std::string baselines;  ///< where the objectives came from
  std::string results;    ///< the results file
  std::string format;     ///< its format
  std::vector<benchmark_verdict> verdicts;
  /// Objectives whose benchmark names matched nothing in the results.
  std::vector<std::string> unmatched;

  /// True when a verdict is at error or critical: exit 1.
  bool failing() const noexcept;
};

/// `*` in `pattern` matches any run of characters.
bool matches(std::string_view pattern, std::string_view name) noexcept;

/// The share of events above `threshold_ns` read from a distribution given as
/// (quantile, value) points, linearly between them (with (0, 0) below the
/// first): the second member is true when the share is only an upper bound
/// (the threshold lies past the last point, below quantile 1).
std::pair<double, bool> share_above(const std::vector<std::pair<double, double>>& quantiles,
                                    double threshold_ns);

validation validate(const objective_set& objectives, const gate::result_set& results);

/// One row per objective and benchmark, except that an objective's rows of one
/// status, when more than five, fold into one that shows the worst of them.
std::string render_markdown(const validation& v);
std::string render_json(const validation& v);

}  // namespace perftrack::slo
