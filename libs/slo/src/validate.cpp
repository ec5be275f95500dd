// perftrack slo validate: benchmark results against the objectives that name
// benchmarks (docs/slo.md, "Benchmarks").

#include "perftrack/slo/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>

#include "perftrack/gate/render.hpp"
#include "perftrack/stats/percentile.hpp"
#include "perftrack/store/markup.hpp"

namespace perftrack::slo {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::string percent(double v) { return fmt::format("{:.2f}%", 100 * v); }

/// A figure in its unit for reading: bytes in MiB, seconds scaled, large
/// numbers whole.
std::string readable(double v, const std::string& unit) {
  if (unit == "bytes") return fmt::format("{:.1f} MiB", v / 1048576);
  if (unit == "seconds") return gate::format_value(v * 1e9, "ns");
  const std::string number =
      std::fabs(v) >= 100 ? fmt::format("{:.0f}", v) : fmt::format("{:.3g}", v);
  return unit.empty() ? number : number + " " + unit;
}

std::string threshold_text(const objective& o) {
  return gate::format_value(o.threshold_seconds * 1e9, "ns");
}

/// The event-time metric of a benchmark: perftrack's latency or time, Google
/// Benchmark's real_time, pytest-benchmark's time (all in ns).
const gate::metric* event_time(const gate::benchmark_result& b) {
  for (const auto& m : b.metrics) {
    if (m.unit == "ns" && (m.name == "latency" || m.name == "time" || m.name == "real_time"))
      return &m;
  }
  return nullptr;
}

double median_of(const gate::metric& m) {
  if (m.samples.empty()) return m.summary_only ? m.summary_median : nan;
  std::vector<double> v = m.samples;
  return stats::median(v);
}

/// The value at quantile q, linearly between the points; NaN outside them.
double value_at(const std::vector<std::pair<double, double>>& points, double q) {
  for (std::size_t i = 1; i < points.size(); ++i) {
    const auto [q0, v0] = points[i - 1];
    const auto [q1, v1] = points[i];
    if (q >= q0 && q <= q1) return q1 == q0 ? v1 : v0 + (v1 - v0) * (q - q0) / (q1 - q0);
  }
  return nan;
}

/// The highest burn tier `burn` exceeds.
std::optional<severity> burn_level(double burn) {
  std::optional<severity> level;
  for (const auto& t : burn_tiers()) {
    if (burn > t.factor.to_double() && (!level || *level < t.level)) level = t.level;
  }
  return level;
}

std::optional<severity> fixed_level(const objective& o, double value, bool at_or_past) {
  std::optional<severity> level;
  for (const auto& t : o.tiers) {
    const double th = t.threshold.to_double();
    const bool past = o.below ? (value < th || (at_or_past && value == th))
                              : (value > th || (at_or_past && value == th));
    if (past) level = t.level;
  }
  return level;
}

/// The share of the benchmark's events that failed; nothing when it did not run.
std::optional<double> failed_share(const gate::benchmark_result& b) {
  if (b.runs > 0) return static_cast<double>(b.failed_runs) / static_cast<double>(b.runs);
  if (b.status == run_status::skipped) return std::nullopt;
  return b.status == run_status::ok ? 0.0 : 1.0;
}

void judge_latency(const objective& o, const gate::benchmark_result& b, benchmark_verdict& v) {
  const gate::metric* m = event_time(b);
  if (b.status != run_status::ok || m == nullptr) {
    v.measured = b.status != run_status::ok ? "did not run: " + b.reason
                                            : "no time per event (not a latency benchmark)";
    return;
  }
  const double threshold_ns = o.threshold_seconds * 1e9;
  const double budget = 1 - o.target.to_double();
  bool bound = false;
  if (!m->quantiles.empty()) {
    std::tie(v.value, bound) = share_above(m->quantiles, threshold_ns);
  } else if (!m->samples.empty()) {
    const auto over = std::count_if(m->samples.begin(), m->samples.end(),
                                    [&](double x) { return x > threshold_ns; });
    v.value = static_cast<double>(over) / static_cast<double>(m->samples.size());
  } else {
    v.measured = "only a summary, no distribution";
    return;
  }
  v.burn = v.value / budget;
  v.upper_bound = bound;
  const double at_target = value_at(m->quantiles, o.target.to_double());
  v.at_target_ns = at_target;
  v.measured =
      fmt::format("{}{} over {}", bound ? "at most " : "", percent(v.value), threshold_text(o));
  if (std::isfinite(at_target)) {
    v.measured +=
        fmt::format("; p{:g} {}", 100 * o.target.to_double(), gate::format_value(at_target, "ns"));
  } else if (m->quantiles.empty()) {
    v.measured += fmt::format(" ({} samples)", m->samples.size());
  }
  if (bound && v.burn > 1) {
    v.measured += ": the results' percentiles stop before the target";
    return;
  }
  v.judged = true;
  v.level = bound ? std::nullopt : burn_level(v.burn);
}

void judge_failures(const objective& o, const gate::benchmark_result& b, benchmark_verdict& v) {
  const auto share = failed_share(b);
  if (!share) {
    v.measured = "skipped: " + b.reason;
    return;
  }
  v.value = *share;
  v.judged = true;
  v.measured = fmt::format("{} failed", percent(v.value));
  if (b.runs > 0) v.measured += fmt::format(" ({} of {} runs)", b.failed_runs, b.runs);
  if (o.kind == objective_kind::success) {
    v.burn = v.value / (1 - o.target.to_double());
    v.level = burn_level(v.burn);
  } else {
    v.burn = nan;
    v.level = fixed_level(o, v.value, true);
  }
}

/// Operations per second: a throughput metric, a Google Benchmark rate
/// counter, or one over the time per event.
double rate_of(const gate::benchmark_result& b) {
  for (const auto& m : b.metrics) {
    if (m.name == "throughput" || m.name.find("per_second") != std::string::npos)
      return median_of(m);
  }
  if (const gate::metric* m = event_time(b)) return 1e9 / median_of(*m);
  return nan;
}

void judge_gauge(const objective& o, const gate::benchmark_result& b, benchmark_verdict& v) {
  const benchmark_use& use = *o.benchmarks;
  if (b.status != run_status::ok) {
    v.measured = "did not run: " + b.reason;
    return;
  }
  const double raw = use.value == "rate" ? rate_of(b) : b.peak_rss_bytes;
  if (!std::isfinite(raw) || raw <= 0) {
    v.measured = use.value == "rate" ? "no rate or time per event"
                                     : "no peak memory in the results (perftrack bench records it)";
    return;
  }
  v.value = raw * use.scale;
  v.burn = nan;
  v.judged = true;
  v.measured = readable(v.value, o.unit);
  v.level = fixed_level(o, v.value, false);
}

std::string goal_of(const objective& o) {
  switch (o.kind) {
    case objective_kind::latency:
      return fmt::format("{} within {}", percent(o.target.to_double()), threshold_text(o));
    case objective_kind::success:
    case objective_kind::ratio: return fmt::format("{} succeed", percent(o.target.to_double()));
    case objective_kind::error_rate:
      return fmt::format("under {} failed", percent(o.tiers.front().threshold.to_double()));
    case objective_kind::gauge: {
      const auto& first = o.tiers.front();
      return fmt::format("{} {} ({} {} it)", o.below ? "at least" : "at most",
                         readable(first.threshold.to_double(), o.unit), name(first.level),
                         o.below ? "under" : "over");
    }
  }
  return {};
}

std::string status_text(const benchmark_verdict& v) {
  if (!v.judged) return "cannot tell";
  return v.level ? std::string(name(*v.level)) : "ok";
}

std::string burn_text(const benchmark_verdict& v) {
  if (!std::isfinite(v.burn)) return "-";
  return fmt::format("{}{:.3g}x", v.upper_bound ? "at most " : "", v.burn);
}

/// How far a verdict is from its goal, for picking the worst of several: the
/// burn, then (equal bounds) the time at the target's percentile; a gauge's
/// figure.
std::pair<double, double> badness(const benchmark_verdict& v) {
  constexpr double none = -std::numeric_limits<double>::infinity();
  const auto known = [&](double x) { return std::isfinite(x) ? x : none; };
  if (std::isfinite(v.burn)) return {v.burn, known(v.at_target_ns)};
  return {known(v.below ? -v.value : v.value), none};
}

struct folded_row {
  const benchmark_verdict* worst = nullptr;
  std::size_t count = 0;
};

/// An objective's rows of one status, folded into their worst when more than
/// five; in the order of first appearance.
std::vector<folded_row> folded(const std::vector<benchmark_verdict>& verdicts) {
  constexpr std::size_t most_listed = 5;
  std::vector<folded_row> out;
  std::size_t begin = 0;
  while (begin < verdicts.size()) {
    std::size_t end = begin;
    while (end < verdicts.size() && verdicts[end].objective == verdicts[begin].objective) ++end;
    std::vector<std::string> statuses;
    for (std::size_t i = begin; i < end; ++i) {
      const std::string s = status_text(verdicts[i]);
      if (std::find(statuses.begin(), statuses.end(), s) == statuses.end()) statuses.push_back(s);
    }
    for (const auto& s : statuses) {
      std::vector<const benchmark_verdict*> group;
      for (std::size_t i = begin; i < end; ++i) {
        if (status_text(verdicts[i]) == s) group.push_back(&verdicts[i]);
      }
      if (group.size() <= most_listed) {
        for (const auto* g : group) out.push_back({g, 1});
        continue;
      }
      const auto worst = std::max_element(
          group.begin(), group.end(), [](auto* a, auto* b) { return badness(*a) < badness(*b); });
      out.push_back({*worst, group.size()});
    }
    begin = end;
  }
  return out;
}

}  // namespace

bool validation::failing() const noexcept {
  return std::any_of(verdicts.begin(), verdicts.end(), [](const benchmark_verdict& v) {
    return v.level && *v.level != severity::warning;
  });
}

bool matches(std::string_view pattern, std::string_view name) noexcept {
  // Greedy glob with backtracking to the last star.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::pair<double, bool> share_above(const std::vector<std::pair<double, double>>& quantiles,
                                    double threshold_ns) {
  std::vector<std::pair<double, double>> points = quantiles;
  if (points.empty() || points.front().first > 0) points.insert(points.begin(), {0.0, 0.0});
  if (threshold_ns < points.front().second) return {1.0, false};
  for (std::size_t i = 1; i < points.size(); ++i) {
    const auto [q0, v0] = points[i - 1];
    const auto [q1, v1] = points[i];
    if (threshold_ns < v1) {
      const double below = q0 + (q1 - q0) * (threshold_ns - v0) / (v1 - v0);
      return {1 - below, false};
    }
  }
  const double last = points.back().first;
  return {1 - last, last < 1};
}

validation validate(const objective_set& objectives, const gate::result_set& results) {
  validation out;
  out.baselines = objectives.source;
  out.results = results.source;
  out.format = results.format;
  for (const auto& o : objectives.objectives) {
    if (!o.benchmarks) continue;
    bool any = false;
    for (const auto& b : results.benchmarks) {
      const auto& names = o.benchmarks->names;
      if (std::none_of(names.begin(), names.end(),
                       [&](const std::string& p) { return matches(p, b.name); }))
        continue;
      any = true;
      benchmark_verdict v;
      v.objective = o.name;
      v.benchmark = b.name;
      v.goal = goal_of(o);
      v.below = o.below;
      switch (o.kind) {
        case objective_kind::ratio: break;  // no benchmarks key: never reached
        case objective_kind::latency: judge_latency(o, b, v); break;
        case objective_kind::success:
        case objective_kind::error_rate: judge_failures(o, b, v); break;
        case objective_kind::gauge: judge_gauge(o, b, v); break;
      }
      out.verdicts.push_back(std::move(v));
    }
    if (!any) out.unmatched.push_back(o.name);
  }
  return out;
}

std::string render_markdown(const validation& v) {
  using store::escape_markdown_cell;
  std::string out = fmt::format("## SLO baselines\n\nResults: {} ({}). Baselines: {}.\n\n",
                                escape_markdown_cell(v.results), escape_markdown_cell(v.format),
                                escape_markdown_cell(v.baselines));
  if (v.verdicts.empty()) {
    out += "No benchmark in the results is named by an objective.\n";
  } else {
    out += "| objective | benchmark | goal | measured | burn | status |\n";
    out += "|---|---|---|---|---:|---|\n";
    for (const auto& row : folded(v.verdicts)) {
      const benchmark_verdict& r = *row.worst;
      const std::string benchmark = row.count == 1
                                        ? escape_markdown_cell(r.benchmark)
                                        : fmt::format("{} benchmarks; the worst: {}", row.count,
                                                      escape_markdown_cell(r.benchmark));
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", escape_markdown_cell(r.objective),
                         benchmark, escape_markdown_cell(r.goal), escape_markdown_cell(r.measured),
                         burn_text(r), status_text(r));
    }
  }
  if (!v.unmatched.empty()) {
    std::vector<std::string> names;
    for (const auto& n : v.unmatched) names.push_back(escape_markdown_cell(n));
    out += fmt::format("\nNo benchmark in the results for: {}.\n", fmt::join(names, ", "));
  }
  return out;
}

std::string render_json(const validation& v) {
  using json = nlohmann::json;
  const auto number = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
  json verdicts = json::array();
  for (const auto& r : v.verdicts) {
    verdicts.push_back({{"objective", r.objective},
                        {"benchmark", r.benchmark},
                        {"goal", r.goal},
                        {"measured", r.measured},
                        {"value", number(r.value)},
                        {"burn", number(r.burn)},
                        {"judged", r.judged},
                        {"status", status_text(r)}});
  }
  const json doc{{"baselines", v.baselines}, {"results", v.results},     {"format", v.format},
                 {"verdicts", verdicts},     {"unmatched", v.unmatched}, {"failing", v.failing()}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace perftrack::slo
