#include "perftrack/gate/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>
#include <unordered_map>

#include "perftrack/gate/statistics.hpp"
#include "references.hpp"
#include "rows.hpp"

namespace perftrack::gate {
namespace {

using detail::finite_change;
using detail::percent;
using detail::verdict_and_change;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct side_summary {
  double median = nan, mean = nan, stddev = nan;
  std::size_t n = 0;
};

side_summary summarize(const metric& m) {
  side_summary s;
  if (m.summary_only) {
    s.median = m.summary_median;
    s.mean = m.summary_mean != 0 ? m.summary_mean : m.summary_median;
    s.stddev = m.summary_stddev;
    s.n = m.summary_n;
    return s;
  }
  s.n = m.samples.size();
  if (s.n == 0) return s;
  s.median = median(m.samples);
  s.mean = std::accumulate(m.samples.begin(), m.samples.end(), 0.0) / static_cast<double>(s.n);
  s.stddev = coefficient_of_variation(m.samples) * std::fabs(s.mean);
  return s;
}

/// The change as the gate judges it: positive is worse, whatever the direction.
struct badness {
  double estimate, low, high;
};

badness as_badness(const comparison_row& r) {
  if (r.lower_is_better) return {r.change, r.ci_low, r.ci_high};
  return {-r.change, -r.ci_high, -r.ci_low};
}

severity grade(double bad, const thresholds& t) {
  if (bad >= t.critical) return severity::critical;
  if (bad >= t.warning) return severity::warning;
  if (bad <= -t.improvement) return severity::improvement;
  return severity::unchanged;
}

std::size_t non_finite(const std::vector<double>& samples) {
  return static_cast<std::size_t>(
      std::count_if(samples.begin(), samples.end(), [](double v) { return !std::isfinite(v); }));
}

// A pending measurement row: its samples, for the tests and the bootstrap.
struct pending {
  std::size_t row;
  const metric* base;
  const metric* cur;
  thresholds limits;
};

void compare_counts(comparison_row& r, const metric& base, const metric& cur, const thresholds& t) {
  r.test = test_kind::count;
  r.p_value = r.q_value = nan;
  r.n_baseline = base.samples.size();
  r.n_current = cur.samples.size();
  r.baseline = median(base.samples);
  r.current = median(cur.samples);
  if (!std::isfinite(r.baseline) || !std::isfinite(r.current)) {
    r.change = r.ci_low = r.ci_high = nan;
    r.verdict = severity::inconclusive;
    r.note = "no finite count on both sides";
    return;
  }
  if (r.baseline == 0) {
    // No relative change exists; a count that leaves zero is judged by its
    // direction, with the absolute values in the note.
    r.change = r.current == 0 ? 0 : std::numeric_limits<double>::infinity();
    r.ci_low = r.ci_high = r.change;
    if (r.current == 0) return;
    const bool worse = r.lower_is_better == (r.current > 0);
    r.verdict = worse ? severity::critical : severity::improvement;
    char buf[64];
    std::snprintf(buf, sizeof buf, "was 0, now %g", r.current);
    r.note = buf;
    return;
  }
  r.change = r.current / r.baseline - 1;
  r.ci_low = r.ci_high = r.change;
  // A count that differs between a side's repetitions (estimated cycles follow
  // the heap's layout, which differs from one call to the next: 419 or 501 per
  // spawn) has changed only when the two sides' ranges are apart.
  const auto [bmin, bmax] = std::minmax_element(base.samples.begin(), base.samples.end());
  const auto [cmin, cmax] = std::minmax_element(cur.samples.begin(), cur.samples.end());
  if ((*bmin != *bmax || *cmin != *cmax) && *cmin <= *bmax && *bmin <= *cmax) {
    r.ci_low = *cmin / *bmax - 1;
    r.ci_high = *cmax / *bmin - 1;
    if (std::fabs(r.change) > t.count_tolerance) {
      r.note = fmt::format("within the repetitions' spread ({:g}-{:g}, now {:g}-{:g})", *bmin,
                           *bmax, *cmin, *cmax);
    }
    return;
  }
  if (std::fabs(r.change) <= t.count_tolerance) {
    r.verdict = severity::unchanged;
    return;
  }
  r.verdict = grade(as_badness(r).estimate, t);
  if (r.verdict == severity::unchanged) r.note = "changed within the thresholds";
}

void compare_growth(comparison_row& r, const metric& base, const metric& cur, const thresholds& t) {
  r.test = test_kind::growth;
  const auto b = summarize(base), c = summarize(cur);
  r.n_baseline = b.n;
  r.n_current = c.n;
  r.baseline = b.median;
  r.current = c.median;
  r.change = r.baseline == 0 ? (r.current == 0 ? 0 : std::numeric_limits<double>::infinity())
                             : r.current / r.baseline - 1;
  r.ci_low = r.ci_high = r.change;
  r.p_value = r.q_value = nan;
  const double grown = r.lower_is_better ? r.current - r.baseline : r.baseline - r.current;
  if (!std::isfinite(grown)) {
    r.verdict = severity::inconclusive;
    r.note = "no finite value on both sides";
  } else if (grown > *t.growth_tolerance) {
    r.verdict = severity::critical;
    char buf[96];
    std::snprintf(buf, sizeof buf, "grew by %g %s (allowed: %g)", grown, r.unit.c_str(),
                  *t.growth_tolerance);
    r.note = buf;
  } else {
    r.verdict = severity::unchanged;
  }
}

/// From summaries (mean, stddev, n) only: a normal approximation of the
/// difference of means and of the ratio's interval (delta method).
void compare_summaries(comparison_row& r, const metric& base, const metric& cur,
                       const gate_config& cfg) {
  r.test = test_kind::summary;
  r.low_confidence = true;
  const auto b = summarize(base), c = summarize(cur);
  r.baseline = b.median;
  r.current = c.median;
  r.n_baseline = b.n;
  r.n_current = c.n;
  r.change = r.current / r.baseline - 1;
  r.cv_baseline = b.mean != 0 ? b.stddev / std::fabs(b.mean) : 0;
  r.cv_current = c.mean != 0 ? c.stddev / std::fabs(c.mean) : 0;
  if (b.n < 2 || c.n < 2 || !(b.mean > 0) || !(c.mean > 0)) {
    r.p_value = nan;
    r.ci_low = r.ci_high = r.change;
    return;
  }
  const double vb = b.stddev * b.stddev / static_cast<double>(b.n);
  const double vc = c.stddev * c.stddev / static_cast<double>(c.n);
  const double se_diff = std::sqrt(vb + vc);
  r.p_value = se_diff > 0 ? std::min(1.0, 2 * normal_sf(std::fabs(c.mean - b.mean) / se_diff))
                          : (c.mean == b.mean ? 1.0 : 0.0);
  // The ratio's relative standard error (delta method), around the medians' ratio.
  const double relative_se = std::sqrt(vb / (b.mean * b.mean) + vc / (c.mean * c.mean));
  const double z = normal_quantile(0.5 + cfg.confidence / 2);
  r.ci_low = (1 + r.change) * (1 - z * relative_se) - 1;
  r.ci_high = (1 + r.change) * (1 + z * relative_se) - 1;
}

/// The verdict of a measured row with finite estimates. A counted change
/// (significant after false-discovery control, its interval clear of the noise
/// floor) is graded by its estimate, however wide the interval. Otherwise the
/// row is unchanged only when a critical regression is ruled out at the
/// confidence: a one-sided question, so its one-sided bound (a non-inferiority
/// test); when it cannot be, the row is inconclusive, with why.
void judge(comparison_row& r, const thresholds& t, const gate_config& cfg) {
  const badness bad = as_badness(r);
  const bool significant = r.q_value <= cfg.fdr;
  const bool beyond_noise = bad.low > r.noise_floor || bad.high < -r.noise_floor;
  if (significant && beyond_noise) {
    r.verdict = grade(bad.estimate, t);
    if (r.verdict == severity::unchanged) r.note = "a real change below the thresholds";
    return;
  }
  if (r.worse_bound < t.critical) {
    r.verdict = severity::unchanged;
    return;
  }
  r.verdict = severity::inconclusive;
  if (r.cv_baseline > cfg.max_cv || r.cv_current > cfg.max_cv) {
    r.note = "too noisy (cv " + percent(r.cv_baseline) + " and " + percent(r.cv_current) +
             "; a critical change could hide in the interval): more repetitions narrow it";
  } else {
    r.note = "interval too wide (up to " + percent(r.worse_bound) +
             " worse; a critical change at " + percent(t.critical) +
             " could hide in it): more repetitions narrow it";
  }
}

}  // namespace

std::string_view name(severity s) noexcept {
  switch (s) {
    case severity::critical: return "critical";
    case severity::warning: return "warning";
    case severity::inconclusive: return "inconclusive";
    case severity::missing: return "missing";
    case severity::improvement: return "improvement";
    case severity::added: return "new";
    case severity::reference: return "reference";
    case severity::unchanged: return "unchanged";
  }
  return "unchanged";
}

std::string_view name(test_kind t) noexcept {
  switch (t) {
    case test_kind::none: return "";
    case test_kind::mann_whitney: return "mann-whitney";
    case test_kind::wilcoxon: return "wilcoxon";
    case test_kind::fisher: return "fisher";
    case test_kind::summary: return "summary";
    case test_kind::count: return "count";
    case test_kind::growth: return "growth";
  }
  return "";
}

std::size_t comparison::count(severity s) const {
  return static_cast<std::size_t>(
      std::count_if(rows.begin(), rows.end(), [s](const auto& r) { return r.verdict == s; }));
}

std::string_view comparison::overall_status() const {
  if (count(severity::critical)) return "fail";
  if (count(severity::warning)) return "warning";
  if (count(severity::inconclusive) || count(severity::missing)) return "inconclusive";
  return "pass";
}

std::vector<std::string> comparability_differences(const result_set& a, const result_set& b) {
  std::vector<std::string> out;
  for (const auto& [field, value] : a.comparability) {
    const auto it = b.comparability.find(field);
    if (it != b.comparability.end() && it->second != value)
      out.push_back(field + ": " + value + " vs " + it->second);
  }
  return out;
}

namespace {

/// A row of `cur`'s metric, every figure not yet known (NaN).
comparison_row row_of(const benchmark_result& cur, const std::string& metric_name) {
  comparison_row r;
  r.benchmark = cur.name;
  r.category = cur.category;
  r.metric = metric_name;
  r.peer = cur.peer;
  r.p_value = r.q_value = r.change = r.ci_low = r.ci_high = nan;
  r.baseline = r.current = nan;
  return r;
}

/// A failed or skipped run gives one row and nothing else: true when it did.
bool failed_or_skipped(const benchmark_result& cur, std::vector<comparison_row>& rows) {
  if (cur.status == run_status::error) {
    auto r = row_of(cur, cur.metrics.empty() ? "-" : cur.metrics.front().name);
    r.verdict = severity::critical;
    r.note = "the benchmark failed: " + cur.reason;
    rows.push_back(std::move(r));
    return true;
  }
  if (cur.status == run_status::skipped || cur.metrics.empty()) {
    auto r = row_of(cur, "-");
    r.verdict = severity::inconclusive;
    r.note = "skipped" + (cur.reason.empty() ? std::string() : ": " + cur.reason);
    rows.push_back(std::move(r));
    return true;
  }
  return false;
}

/// Failed repetitions on either side: the error rates, by Fisher's exact test
/// (graded in grade_error_rates).
void add_error_rate(const benchmark_result* base, const benchmark_result& cur,
                    std::vector<comparison_row>& rows) {
  if (!base || base->runs == 0 || cur.runs == 0) return;
  if (base->failed_runs == 0 && cur.failed_runs == 0) return;
  auto r = row_of(cur, "error_rate");
  r.unit = "rate";
  r.test = test_kind::fisher;
  r.baseline = static_cast<double>(base->failed_runs) / static_cast<double>(base->runs);
  r.current = static_cast<double>(cur.failed_runs) / static_cast<double>(cur.runs);
  r.change = r.ci_low = r.ci_high = r.current - r.baseline;
  r.n_baseline = base->runs;
  r.n_current = cur.runs;
  r.p_value = fisher_exact(static_cast<std::int64_t>(base->failed_runs),
                           static_cast<std::int64_t>(base->runs - base->failed_runs),
                           static_cast<std::int64_t>(cur.failed_runs),
                           static_cast<std::int64_t>(cur.runs - cur.failed_runs));
  rows.push_back(std::move(r));
}

const metric* baseline_metric(const benchmark_result* base, const std::string& name) {
  if (!base || base->status != run_status::ok) return nullptr;
  const metric* found = nullptr;
  for (const auto& candidate : base->metrics) {
    if (candidate.name == name) found = &candidate;
  }
  return found;
}

/// One metric of `cur` against the baseline's: counts, growth and summaries are
/// judged here; measurements are left for the tests (added to `measured`).
void add_metric_row(const benchmark_result* base, const benchmark_result& cur, const metric& m,
                    const compare_options& options, std::vector<comparison_row>& rows,
                    std::vector<pending>& measured) {
  const gate_config& cfg = options.config;
  const thresholds t = cfg.for_metric(cur.category, cur.name, m.name);
  if (t.skip) return;
  auto r = row_of(cur, m.name);
  r.unit = m.unit;
  r.lower_is_better = t.lower_is_better.value_or(m.lower_is_better);
  const auto cs = summarize(m);
  r.current = cs.median;
  r.n_current = cs.n;
  const metric* bm = baseline_metric(base, m.name);
  if (!bm) {
    r.verdict = severity::added;
    r.note = base ? "no baseline for this metric" : "not in the baseline";
    rows.push_back(std::move(r));
    return;
  }
  r.noise_floor = cfg.min_noise_floor;
  if (const auto n = options.noise.find(cur.name + "\t" + m.name); n != options.noise.end())
    r.noise_floor = std::max(r.noise_floor, cfg.noise_multiplier * n->second);
  if (t.growth_tolerance) {
    compare_growth(r, *bm, m, t);
  } else if (m.kind == metric_kind::count || bm->kind == metric_kind::count) {
    compare_counts(r, *bm, m, t);
    r.n_baseline = bm->samples.size();
  } else if (m.summary_only || bm->summary_only) {
    compare_summaries(r, *bm, m, cfg);
  } else {
    r.test = options.paired && m.samples.size() == bm->samples.size() ? test_kind::wilcoxon
                                                                      : test_kind::mann_whitney;
    measured.push_back({rows.size(), bm, &m, t});
  }
  rows.push_back(std::move(r));
}

/// The rows of the current run's benchmarks, then the baseline's missing ones;
/// returns the measured rows still to be tested.
std::vector<pending> pair_rows(const result_set& baseline, const result_set& current,
                               const compare_options& options, std::vector<comparison_row>& rows) {
  std::unordered_map<std::string, const benchmark_result*> base_by_name;
  for (const auto& b : baseline.benchmarks) base_by_name.emplace(b.name, &b);
  std::unordered_map<std::string, bool> seen;
  std::vector<pending> measured;
  for (const auto& cur : current.benchmarks) {
    seen[cur.name] = true;
    const auto found = base_by_name.find(cur.name);
    const benchmark_result* base = found == base_by_name.end() ? nullptr : found->second;
    if (failed_or_skipped(cur, rows)) continue;
    add_error_rate(base, cur, rows);
    for (const auto& m : cur.metrics) add_metric_row(base, cur, m, options, rows, measured);
  }
  for (const auto& b : baseline.benchmarks) {
    if (seen.count(b.name)) continue;
    comparison_row r;
    r.benchmark = b.name;
    r.category = b.category;
    r.metric = b.metrics.empty() ? "-" : b.metrics.front().name;
    r.p_value = r.q_value = r.change = r.ci_low = r.ci_high = r.current = nan;
    r.baseline = b.metrics.empty() ? nan : summarize(b.metrics.front()).median;
    r.verdict = severity::missing;
    r.note = "in the baseline, not in this run";
    rows.push_back(std::move(r));
  }
  return measured;
}

/// A measured row's rank test and bootstrap interval (its seed is its own, so
/// the result does not depend on the thread that computes it).
void test_row(comparison_row& r, const pending& p, const gate_config& cfg) {
  const auto& b = p.base->samples;
  const auto& c = p.cur->samples;
  r.n_baseline = b.size();
  r.n_current = c.size();
  // Harrell-Davis medians: the estimate and its interval use them too.
  r.baseline = harrell_davis_median(b);
  r.current = harrell_davis_median(c);
  r.cv_baseline = coefficient_of_variation(b);
  r.cv_current = coefficient_of_variation(c);
  if (b.empty() || c.empty() || non_finite(b) || non_finite(c)) return;
  const bool paired = r.test == test_kind::wilcoxon;
  r.p_value = (paired ? wilcoxon_signed_rank(b, c) : mann_whitney_u(b, c)).p_value;
  const auto seed = seed_for(r.benchmark + "\t" + r.metric);
  const auto ci = paired ? paired_bootstrap_median_ratio(b, c, seed, cfg.resamples, cfg.confidence)
                         : bootstrap_median_ratio(b, c, seed, cfg.resamples, cfg.confidence);
  r.change = ci.estimate;
  r.ci_low = ci.low;
  r.ci_high = ci.high;
  r.worse_bound = r.lower_is_better ? ci.below : -ci.above;
}

/// The tests and bootstraps, spread over the cores.
void test_rows(std::vector<comparison_row>& rows, const std::vector<pending>& measured,
               const gate_config& cfg) {
  const unsigned threads =
      std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                      static_cast<unsigned>(measured.size() / 16 + 1)));
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < measured.size();) {
      test_row(rows[measured[i].row], measured[i], cfg);
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
}

/// False-discovery control (Benjamini-Hochberg) over every row of the
/// project's own with a p-value; a peer's rows are no hypotheses of ours, and
/// their q-values are their p-values.
void control_false_discoveries(std::vector<comparison_row>& rows) {
  std::vector<std::size_t> tested;
  std::vector<double> p;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].peer.empty()) {
      rows[i].q_value = rows[i].p_value;
      continue;
    }
    if (!std::isnan(rows[i].p_value)) {
      tested.push_back(i);
      p.push_back(rows[i].p_value);
    }
  }
  const auto q = benjamini_hochberg(p);
  for (std::size_t k = 0; k < tested.size(); ++k) rows[tested[k]].q_value = q[k];
}

void grade_measured(std::vector<comparison_row>& rows, const std::vector<pending>& measured,
                    const gate_config& cfg) {
  for (const auto& pm : measured) {
    auto& r = rows[pm.row];
    if (r.n_baseline < cfg.min_samples || r.n_current < cfg.min_samples) {
      r.verdict = severity::inconclusive;
      r.note = "too few samples (" + std::to_string(r.n_baseline) + " and " +
               std::to_string(r.n_current) + "; at least " + std::to_string(cfg.min_samples) +
               " each)";
    } else if (const auto bad = non_finite(pm.base->samples) + non_finite(pm.cur->samples)) {
      r.verdict = severity::inconclusive;
      r.note = std::to_string(bad) + " samples are not finite numbers (NaN or infinity)";
    } else if (!finite_change(r)) {
      r.verdict = severity::inconclusive;
      r.note = "no finite estimate of the change (a median of zero?)";
    } else {
      judge(r, pm.limits, cfg);
    }
  }
}

/// Error rates: more failures than the baseline, beyond chance, is critical.
void grade_error_rates(std::vector<comparison_row>& rows, const gate_config& cfg) {
  for (auto& r : rows) {
    if (r.test != test_kind::fisher) continue;
    if (!(r.q_value <= cfg.fdr)) {  // not significant (or no q at all)
      r.verdict = severity::unchanged;
    } else if (r.current > r.baseline) {
      r.verdict = severity::critical;
      r.note =
          "more failed repetitions (" + percent(r.baseline) + " -> " + percent(r.current) + ")";
    } else {
      r.verdict = severity::improvement;
      r.note = "fewer failed repetitions";
    }
  }
}

/// Summaries: their own test, graded the same way, marked low confidence.
void grade_summaries(std::vector<comparison_row>& rows, const gate_config& cfg) {
  for (auto& r : rows) {
    if (r.test != test_kind::summary) continue;
    const thresholds t = cfg.for_metric(r.category, r.benchmark, r.metric);
    if (std::isnan(r.p_value)) {
      r.verdict = severity::inconclusive;
      r.note = "low confidence: summaries without enough repetitions";
      continue;
    }
    if (!finite_change(r)) {
      r.verdict = severity::inconclusive;
      r.note = "low confidence: no finite estimate of the change from the summaries";
      continue;
    }
    const badness bad = as_badness(r);
    const bool counted =
        r.q_value <= cfg.fdr && (bad.low > r.noise_floor || bad.high < -r.noise_floor);
    r.verdict = counted ? grade(bad.estimate, t) : severity::unchanged;
    r.note = "low confidence: compared from summaries, not samples";
  }
}

}  // namespace

// In phases: pair the rows (judging what needs no test), test the measured
// rows, control false discoveries, grade, rest counted benchmarks on their
// instruction counts, set peers' rows aside, then allow for the machine's
// drift that they show.
comparison compare(const result_set& baseline, const result_set& current,
                   const compare_options& options) {
  const gate_config& cfg = options.config;
  comparison out;
  out.baseline_source = baseline.source;
  out.current_source = current.source;
  out.baseline_key = baseline.comparability_key();
  out.current_key = current.comparability_key();
  out.cross_machine = !comparability_differences(baseline, current).empty();
  out.baseline_sha = baseline.git_sha;
  out.current_sha = current.git_sha;
  const std::vector<pending> measured = pair_rows(baseline, current, options, out.rows);
  test_rows(out.rows, measured, cfg);
  control_false_discoveries(out.rows);
  grade_measured(out.rows, measured, cfg);
  grade_error_rates(out.rows, cfg);
  grade_summaries(out.rows, cfg);
  detail::rest_on_counts(out.rows);
  detail::set_peers_aside(out.rows);
  out.drift = detail::drift_of(out.rows);
  if (out.drift) detail::allow_for_drift(out.rows, *out.drift);
  return out;
}

}  // namespace perftrack::gate
