#pragma once

#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/gate/results.hpp"

/// Comparing a run against a baseline (docs/compare.md): per benchmark and
/// metric, a rank test, a bootstrap interval of the change, false-discovery
/// control across the comparison, a noise floor, and a severity.
namespace perftrack::gate {

/// Thresholds of one benchmark metric, as fractions (0.10 = 10%).
struct thresholds {
  double warning = 0.05;
  double critical = 0.10;
  double improvement = 0.05;
  /// Counts: the relative difference that is no change.
  double count_tolerance = 0;
  /// When set, any growth of the median above the baseline's by more than this
  /// (in the metric's unit) is critical, e.g. a leak check's RSS growth.
  std::optional<double> growth_tolerance;
  /// Overrides the input's direction (lower or higher is better).
  std::optional<bool> lower_is_better;
  /// Not judged at all (e.g. a single noisy reading kept for information).
  bool skip = false;
};

/// Thresholds for the benchmarks a rule matches; unset fields keep what earlier
/// rules (or the defaults) gave.
struct threshold_rule {
  std::string category;   ///< empty: any
  std::string benchmark;  ///< a glob (`*` matches any run of characters); empty: any
  std::string metric;     ///< a glob; empty: any
  std::optional<double> warning, critical, improvement, count_tolerance, growth_tolerance;
  std::optional<bool> lower_is_better;
  std::optional<bool> skip;
};

struct gate_config {
  double fdr = 0.05;              ///< Benjamini-Hochberg q
  double min_noise_floor = 0.01;  ///< a change must clear at least this
  double noise_multiplier = 3;    ///< ... and this many times the A/A noise from history
  double max_cv = 0.25;           ///< noisier sides make a row inconclusive
  std::size_t min_samples = 5;
  int resamples = 10'000;
  double confidence = 0.95;
  thresholds defaults;
  std::vector<threshold_rule> rules;  ///< in order; later ones win

  /// The performance plan's thresholds: warning 5%, critical 10% (spawn and
  /// database 10%, memory 20%, message throughput 15%), improvement 5%, any
  /// growth of memory/leak_check critical; single noisy readings (perftrack's
  /// rss_* and heap_* counters) not judged.
  static gate_config plan_defaults();
  /// The defaults, changed by a TOML file (docs/compare.md); errors name the
  /// file and the key.
  static expected<gate_config> from_toml(std::string_view text, const std::string& source);

  thresholds for_metric(std::string_view category, std::string_view benchmark,
                        std::string_view metric) const;
};

/// `reference`: a peer's benchmark (another project's code), measured and
/// shown beside the project's own, never judged.
enum class severity {
  critical,
  warning,
  inconclusive,
  missing,
  improvement,
  added,
  reference,
  unchanged
};
std::string_view name(severity s) noexcept;

/// What a row's verdict was computed with (docs/compare.md, "How a verdict is
/// reached"): none for rows without a comparison (missing, new, failed).
enum class test_kind { none, mann_whitney, wilcoxon, fisher, summary, count, growth };
/// As the JSON report spells it: "mann-whitney", "wilcoxon", ..., "" for none.
std::string_view name(test_kind t) noexcept;

/// One benchmark metric compared. Changes are current / baseline - 1 of the
/// medians; NaN where not computed (p and q of counts, a missing side).
struct comparison_row {
  std::string benchmark;
  std::string category;
  std::string metric;
  std::string unit;
  std::string peer;  ///< the benchmark's peer (benchmark_result::peer), empty for ours
  bool lower_is_better = true;
  double baseline = 0;  ///< median
  double current = 0;   ///< median
  double change = 0;
  double ci_low = 0;
  double ci_high = 0;
  /// How much worse (positive) the change can be, at the confidence, one-sided:
  /// a row is unchanged only when this is below the critical threshold. NaN
  /// where no interval was bootstrapped (counts, summaries, growth).
  double worse_bound = std::numeric_limits<double>::quiet_NaN();
  double p_value = 0;
  double q_value = 0;
  std::size_t n_baseline = 0;
  std::size_t n_current = 0;
  double noise_floor = 0;
  double cv_baseline = 0;
  double cv_current = 0;
  severity verdict = severity::unchanged;
  bool low_confidence = false;  ///< from summaries, not samples
  test_kind test = test_kind::none;
  std::string note;  ///< why inconclusive, failed, new, ...
};

/// How much slower (positive) or faster (negative) the machine ran than when
/// the baseline was recorded, read from the timings of code that did not
/// change: the peers' (code no commit of ours changes) and our counted
/// benchmarks' whose instruction counts are unchanged; the median of their
/// changes, each turned so that positive is slower (docs/compare.md, rule 12).
struct machine_drift {
  double slower = 0;        ///< e.g. 0.18: that code took 18% longer
  std::size_t peers = 0;    ///< the peers' timing rows it is the median of
  std::size_t counted = 0;  ///< and our counted benchmarks' timing rows
};

struct comparison {
  std::vector<comparison_row> rows;  ///< in the current run's order, then the missing
  /// From at least 3 timing rows of unchanged code; a change of ours whose
  /// interval reaches it, in the same direction, is inconclusive.
  std::optional<machine_drift> drift;
  std::string baseline_source, current_source;
  std::string baseline_key, current_key;
  bool cross_machine = false;  ///< the keys differ (allowed by the caller)
  std::string baseline_sha, current_sha;

  std::size_t count(severity s) const;
  /// fail (a critical row), warning, inconclusive (an inconclusive or missing
  /// row), or pass.
  std::string_view overall_status() const;
};

struct compare_options {
  gate_config config = gate_config::plan_defaults();
  /// A/A noise per "benchmark\tmetric" (relative, e.g. 0.02), from history.
  std::map<std::string, double> noise;
  /// Samples are paired by index (A/B runs interleaved): Wilcoxon signed-rank.
  bool paired = false;
};

/// Compares `current` against `baseline`. Pure: the same inputs give the same
/// rows bit for bit (each bootstrap is seeded from its benchmark and metric).
comparison compare(const result_set& baseline, const result_set& current,
                   const compare_options& options);

/// Fields whose values differ between two comparability keys, e.g.
/// "cpu_model: AMD EPYC vs Intel Xeon"; empty when comparable.
std::vector<std::string> comparability_differences(const result_set& a, const result_set& b);

}  // namespace perftrack::gate
