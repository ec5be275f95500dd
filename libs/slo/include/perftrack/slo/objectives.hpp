#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/slo/decimal.hpp"

/// Service-level objectives over agent operations (docs/slo.md): the baselines
/// file, the severity tiers, and what each objective counts as a bad event.
namespace perftrack::slo {

using seconds = std::chrono::seconds;

enum class severity { warning, error, critical };
std::string_view name(severity s) noexcept;

enum class objective_kind {
  latency,     ///< `target` of events finish within `threshold` (a percentile objective)
  success,     ///< `target` of events succeed
  error_rate,  ///< the share of failed events against fixed warning/error/critical tiers
  gauge,       ///< a live Prometheus query against fixed tiers (resources, queues, throughput)
  ratio,       ///< `target` of events good, counted by your own PromQL (e.g. imported from OpenSLO)
};
std::string_view name(objective_kind k) noexcept;

/// One tier of the multiwindow, multi-burn-rate scheme (Google SRE workbook,
/// chapter 5): fires while the error budget burns faster than `factor` over
/// both windows.
struct burn_tier {
  severity level;
  decimal factor;
  seconds long_window;
  seconds short_window;
};

/// critical 14.4x over 1 h and 5 m; error 6x over 6 h and 30 m; warning 3x over
/// 1 d and 2 h, and 1x over 3 d and 6 h.
const std::vector<burn_tier>& burn_tiers();
/// Every window the tiers use, shortest first.
const std::vector<seconds>& burn_windows();

/// A fixed threshold: fires while the value is past it (above, or below when
/// the objective says `below = true`).
struct fixed_tier {
  severity level;
  decimal threshold;
};

/// How `perftrack slo validate` judges an objective on benchmark results
/// (docs/slo.md): which benchmarks measure it and, for a gauge, which figure.
struct benchmark_use {
  std::vector<std::string> names;  ///< benchmark names; `*` matches any run of characters
  std::string value;               ///< gauge: "rate" (operations per second) or "peak_rss" (bytes)
  double scale = 1;                ///< gauge: the figure times this (60: per second to per minute)
};

struct objective {
  std::string name;
  std::string description;
  objective_kind kind = objective_kind::success;
  /// Operations it counts (the `operation` label); empty: every operation.
  std::vector<std::string> operations;
  decimal target;                 ///< latency, success: the share of good events (0.95)
  double threshold_seconds = 0;   ///< latency: a bucket bound of agent_operation_duration_seconds
  std::string le;                 ///< latency: that bound's `le` label text
  std::vector<fixed_tier> tiers;  ///< error_rate, gauge; ascending severity
  seconds window{300};            ///< error_rate: the window of the ratio
  std::string query;              ///< gauge: a PromQL expression
  /// ratio: counters of good or bad events (one of them) and of all events: a
  /// selector the rules take the rate of, or PromQL with `{{.window}}` where
  /// the window goes, already a rate.
  std::string good_query, bad_query, total_query;
  std::string unit;                         ///< gauge: for display ("bytes", "ratio", ...)
  bool below = false;                       ///< gauge: bad when the value is below the tiers
  seconds for_duration{300};                ///< gauge: how long it must hold before firing
  std::uint64_t min_events = 0;             ///< events a window needs before it may fire
  std::optional<benchmark_use> benchmarks;  ///< what slo validate reads; none: not validated
  int line = 0;                             ///< where it is defined in its file
  /// True for the kinds a backtest over recorded operations can evaluate.
  bool from_records() const noexcept {
    return kind != objective_kind::gauge && kind != objective_kind::ratio;
  }
  /// True for the kinds graded by error-budget burn rates.
  bool burns_budget() const noexcept {
    return kind == objective_kind::latency || kind == objective_kind::success ||
           kind == objective_kind::ratio;
  }
};

struct objective_set {
  std::string source;          ///< the file, or "built-in defaults"
  seconds period{30 * 86400};  ///< the compliance period
  std::vector<objective> objectives;
};

/// Reads a baselines file. Every error names the file and line and says how to
/// fix it: unknown keys, a latency threshold that is not a bucket bound, a
/// target outside (0, 1), a ratio target whose fast-burn tier could never fire
/// (below 1 - 1/14.4, about 93.06%), an objective without operations where one
/// is required, a duplicate name.
expected<objective_set> parse_objectives(std::string_view text, const std::string& source);
expected<objective_set> load_objectives(const std::filesystem::path& file);

/// The shipped baselines (slo/baselines.toml, compiled in): the performance
/// plan's values.
std::string_view default_baselines_toml() noexcept;
/// The shipped baselines read, named "built-in baselines (slo/baselines.toml)".
expected<objective_set> default_objectives();

/// "30d", "6h", "5m", "90s", "250ms", "100us", or a number of seconds.
std::optional<double> parse_duration_seconds(std::string_view text);
/// The shortest Prometheus duration for `s` ("1d", "6h", "30m", "90s").
std::string prometheus_duration(seconds s);

}  // namespace perftrack::slo
