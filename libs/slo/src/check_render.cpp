// The slo check report as Markdown and JSON.

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "perftrack/slo/backtest.hpp"
#include "perftrack/store/markup.hpp"
#include "perftrack/store/timestamp.hpp"

namespace perftrack::slo {
namespace {

std::string when(std::int64_t ns) {
  char buf[store::timestamp_length];
  return {buf, store::format_timestamp(ns, buf)};
}

std::string percent(double v) {
  return std::isfinite(v) ? fmt::format("{:.3f}%", 100 * v) : std::string("-");
}

std::string figure(double v) { return std::isfinite(v) ? fmt::format("{:.3g}", v) : "-"; }

/// Markdown table cells: names come from users' files.
std::string cell(std::string_view s) { return store::escape_markdown_cell(s); }

std::string goal(const objective& o) {
  switch (o.kind) {
    case objective_kind::latency:
      return fmt::format("{} within {} s", percent(o.target.to_double()), o.le);
    case objective_kind::success: return fmt::format("{} succeed", percent(o.target.to_double()));
    case objective_kind::error_rate: {
      std::string s = "failed";
      for (const auto& t : o.tiers) s += fmt::format(" {} {}", name(t.level), t.threshold.text());
      return s;
    }
    case objective_kind::gauge: return "live: " + o.query;
    case objective_kind::ratio: return fmt::format("live: {} good", percent(o.target.to_double()));
  }
  return {};
}

std::string status(const objective_result& r) {
  if (!r.evaluated) return "live only";
  return r.now ? std::string(name(*r.now)) : "ok";
}

void summary_table(const check_report& report, std::string& out) {
  out += "| objective | goal | events | compliance | error budget left | now |\n";
  out += "|---|---|---:|---:|---:|---|\n";
  for (const auto& r : report.objectives) {
    if (!r.evaluated) continue;
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", cell(r.spec.name), cell(goal(r.spec)),
                       r.events, percent(r.compliance), percent(r.budget_remaining), status(r));
  }
}

void burn_table(const check_report& report, std::string& out) {
  out +=
      "\n## Burn rates now\n\nThe error budget's burn rate over each window (1 = spent "
      "exactly over the period; error_rate objectives: the failed share).\n\n";
  std::vector<std::string> heads;
  for (const seconds w : burn_windows()) heads.push_back(prometheus_duration(w));
  out += fmt::format("| objective | {} |\n|---|", fmt::join(heads, " | "));
  for (std::size_t i = 0; i < heads.size(); ++i) out += "---:|";
  out += "\n";
  for (const auto& r : report.objectives) {
    if (!r.evaluated || r.spec.kind == objective_kind::error_rate) continue;
    std::vector<std::string> cells;
    for (const auto& w : r.now_windows) cells.push_back(figure(w.burn_rate));
    out += fmt::format("| {} | {} |\n", cell(r.spec.name), fmt::join(cells, " | "));
  }
  for (const auto& r : report.objectives) {
    if (!r.evaluated || r.spec.kind != objective_kind::error_rate) continue;
    const auto& w = r.now_windows.front();
    out += fmt::format("\n{}: {} failed over the last {} ({} events).\n", cell(r.spec.name),
                       percent(w.error_ratio), prometheus_duration(w.window), w.events);
  }
}

void timeline_table(const check_report& report, std::string& out) {
  out +=
      "\n## Timeline\n\nWhen each tier would have fired and resolved (evaluated every "
      "minute).\n\n";
  std::size_t rows = 0;
  std::string table =
      "| objective | severity | condition | fired | resolved | peak |\n"
      "|---|---|---|---|---|---:|\n";
  for (const auto& r : report.objectives) {
    for (const auto& inc : r.timeline) {
      table += fmt::format("| {} | {} | {} | {} | {} | {} |\n", cell(r.spec.name), name(inc.level),
                           inc.condition, when(inc.fired_ns),
                           inc.resolved_ns ? when(*inc.resolved_ns) : "firing", figure(inc.peak));
      ++rows;
    }
  }
  out += rows == 0 ? "Nothing would have fired.\n" : table;
}

}  // namespace

std::string render_markdown(const check_report& report) {
  std::string out =
      fmt::format("# SLO check\n\nBaselines: {}. {} records", cell(report.source), report.records);
  if (report.malformed != 0) out += fmt::format(" ({} malformed lines skipped)", report.malformed);
  out += fmt::format(", evaluated every minute from {} to {}; compliance over {} from {}.\n\n",
                     when(report.first_ns), when(report.now_ns), prometheus_duration(report.period),
                     when(report.period_start_ns));
  summary_table(report, out);
  burn_table(report, out);
  timeline_table(report, out);
  std::vector<std::string> live;
  for (const auto& r : report.objectives) {
    if (!r.evaluated) live.push_back(cell(r.spec.name));
  }
  if (!live.empty()) {
    out += fmt::format(
        "\nLive only (Prometheus rules from `perftrack slo rules`; not in recorded "
        "operations): {}.\n",
        fmt::join(live, ", "));
  }
  return out;
}

std::string render_json(const check_report& report) {
  using nlohmann::json;
  const auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json doc{{"baselines", report.source},          {"records", report.records},
           {"malformed_lines", report.malformed}, {"first", when(report.first_ns)},
           {"now", when(report.now_ns)},          {"period_seconds", report.period.count()},
           {"failing", report.failing()}};
  json list = json::array();
  for (const auto& r : report.objectives) {
    json o{{"name", r.spec.name},
           {"kind", name(r.spec.kind)},
           {"goal", goal(r.spec)},
           {"evaluated", r.evaluated},
           {"status", status(r)}};
    if (r.evaluated) {
      o["events"] = r.events;
      o["bad_events"] = r.bad;
      o["compliance"] = number(r.compliance);
      o["error_budget_remaining"] = number(r.budget_remaining);
      json windows = json::array();
      for (const auto& w : r.now_windows) {
        windows.push_back({{"window", prometheus_duration(w.window)},
                           {"events", w.events},
                           {"bad_events", w.bad},
                           {"error_ratio", number(w.error_ratio)},
                           {"burn_rate", number(w.burn_rate)}});
      }
      o["windows"] = windows;
      json timeline = json::array();
      for (const auto& inc : r.timeline) {
        timeline.push_back({{"severity", name(inc.level)},
                            {"condition", inc.condition},
                            {"fired", when(inc.fired_ns)},
                            {"resolved", inc.resolved_ns ? json(when(*inc.resolved_ns)) : json()},
                            {"peak", number(inc.peak)}});
      }
      o["timeline"] = timeline;
    }
    list.push_back(o);
  }
  doc["objectives"] = list;
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace perftrack::slo
