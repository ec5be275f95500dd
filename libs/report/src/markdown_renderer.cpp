#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "perftrack/report/renderer.hpp"
#include "perftrack/store/timestamp.hpp"
#include "text.hpp"

namespace perftrack::report {
namespace {

constexpr std::array<std::string_view, 8> bars = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

std::string sparkline(const operation_trend& trend) {
  double lo = std::numeric_limits<double>::infinity();
  double hi = 0;
  for (const auto& p : trend.points) {
    if (p.count == 0) continue;
    lo = std::min(lo, p.p95_ms);
    hi = std::max(hi, p.p95_ms);
  }
  std::string line;
  for (const auto& p : trend.points) {
    if (p.count == 0) {
      line += "·";
      continue;
    }
    const double f = hi > lo ? (p.p95_ms - lo) / (hi - lo) : 0.5;
    line += bars[static_cast<std::size_t>(std::lround(f * (bars.size() - 1)))];
  }
  return line;
}

std::string_view rule_text(degradation_rule rule) {
  switch (rule) {
    case degradation_rule::p95_outlier: return "P95 above average";
    case degradation_rule::avg_increase: return "Average up vs previous period";
    case degradation_rule::error_rate: return "Error rate";
  }
  return "";
}

std::string rule_value(degradation_rule rule, double v) {
  return rule == degradation_rule::p95_outlier ? fmt::format("{:.2f}x", v) : percent(v);
}

template <class... Args>
void w(std::ostream& out, fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(out, format, std::forward<Args>(args)...);
}

/// The title and the line that says what the report covers.
void write_title(const period_report& r, std::ostream& out) {
  w(out, "# Performance Report: {} ({} to {})\n\n", r.kind, date_text(r.since_ns),
    date_text(r.until_ns));
  w(out, "Generated {} from {} records. Window [{}, {}). Percentiles: {}.\n\n",
    iso_text(r.generated_ns), r.total, iso_text(r.since_ns), iso_text(r.until_ns),
    r.method == stats::percentile_method::nearest_rank ? "nearest-rank" : "linear");
}

/// One row per operation: count, success, average and percentiles.
void write_operations(const period_report& r, std::ostream& out) {
  w(out, "## Operations\n\n");
  if (r.operations.empty()) {
    w(out, "No records in this period.\n\n");
  } else {
    w(out,
      "| Operation | Count | Success | Avg (ms) | P95 (ms) | P99 (ms) | Min (ms) | Max (ms) |\n");
    w(out, "|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& op : r.operations) {
      w(out, "| {} | {} | {} | {} | {} | {} | {} | {} |\n", cell(op.operation), op.count,
        percent(op.success_rate()), ms(op.avg_ms), ms(op.p95_ms), ms(op.p99_ms), ms(op.min_ms),
        ms(op.max_ms));
    }
    w(out, "\n");
  }
}

/// Totals, failures and the malformed lines the scan skipped.
void write_reliability(const period_report& r, std::ostream& out) {
  w(out, "## Reliability\n\n");
  w(out, "| Total | Successful | Failed | Error rate | Malformed lines |\n");
  w(out, "|---:|---:|---:|---:|---:|\n");
  w(out, "| {} | {} | {} | {} | {} |\n\n", r.total, r.successful, r.failed, percent(r.error_rate()),
    r.malformed_lines);
}

/// The slowest single records.
void write_slowest(const period_report& r, std::ostream& out) {
  w(out, "## Slowest Operations\n\n");
  if (r.slowest.empty()) {
    w(out, "None.\n\n");
  } else {
    w(out, "| # | Operation | Duration (ms) | Timestamp |\n|---:|---|---:|---|\n");
    for (std::size_t i = 0; i < r.slowest.size(); ++i) {
      const auto& s = r.slowest[i];
      w(out, "| {} | {} | {} | {} |\n", i + 1, cell(s.operation), ms(s.duration_ms),
        cell(s.timestamp));
    }
    w(out, "\n");
  }
}

/// The operations with the most records, with their share.
void write_most_frequent(const period_report& r, std::ostream& out) {
  w(out, "## Most Frequent Operations\n\n");
  if (r.operations.empty()) {
    w(out, "None.\n\n");
  } else {
    w(out, "| # | Operation | Count | Share |\n|---:|---|---:|---:|\n");
    const std::size_t n = std::min(r.top, r.operations.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& op = r.operations[i];
      w(out, "| {} | {} | {} | {} |\n", i + 1, cell(op.operation), op.count,
        percent(static_cast<double>(op.count) / static_cast<double>(r.total)));
    }
    w(out, "\n");
  }
}

/// The rules that fired, or the thresholds none of them crossed.
void write_degradation(const period_report& r, std::ostream& out) {
  w(out, "## Degradation\n\n");
  if (r.degradations.empty()) {
    w(out,
      "No degradation detected (p95 > {:g}x average, average up > {} against the previous "
      "period, error rate > {}).\n",
      r.thresholds.p95_over_avg, percent(r.thresholds.avg_increase),
      percent(r.thresholds.error_rate));
  } else {
    w(out, "| Operation | Rule | Value | Threshold |\n|---|---|---:|---:|\n");
    for (const auto& d : r.degradations) {
      w(out, "| {} | {} | {} | {} |\n", cell(d.operation), rule_text(d.rule),
        rule_value(d.rule, d.value), rule_value(d.rule, d.threshold));
    }
  }
}

/// P95 per day or week as a sparkline, first and last value (when asked).
void write_trends(const period_report& r, std::ostream& out) {
  const bool daily = r.trend_bucket_ns == 86'400'000'000'000;
  w(out, "\n## Trends (P95 per {})\n\n", daily ? "day" : "week");
  if (r.trends.empty()) {
    w(out, "No records in this period.\n");
  } else {
    w(out, "| Operation | P95 trend ({} to {}) | First (ms) | Last (ms) | Change |\n",
      date_text(r.since_ns), date_text(r.until_ns));
    w(out, "|---|---|---:|---:|---:|\n");
    for (const auto& t : r.trends) {
      const trend_point* first = nullptr;
      const trend_point* last = nullptr;
      for (const auto& p : t.points) {
        if (p.count == 0) continue;
        if (first == nullptr) first = &p;
        last = &p;
      }
      if (first == nullptr) continue;
      const std::string change =
          first->p95_ms > 0 ? signed_percent(last->p95_ms / first->p95_ms - 1.0) : "n/a";
      w(out, "| {} | `{}` | {} | {} | {} |\n", cell(t.operation), sparkline(t), ms(first->p95_ms),
        ms(last->p95_ms), change);
    }
    w(out, "\n`·` marks a {} without records.\n", daily ? "day" : "week");
  }
}

}  // namespace

void markdown_renderer::render(const period_report& r, std::ostream& out) const {
  write_title(r, out);
  write_operations(r, out);
  write_reliability(r, out);
  write_slowest(r, out);
  write_most_frequent(r, out);
  write_degradation(r, out);
  if (r.has_trends) write_trends(r, out);
}

std::unique_ptr<renderer> make_renderer(std::string_view format) {
  if (format == "markdown") return std::make_unique<markdown_renderer>();
  if (format == "json") return std::make_unique<json_renderer>();
  return nullptr;
}

}  // namespace perftrack::report
