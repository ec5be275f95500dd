#include "perftrack/gate/render.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "perftrack/store/markup.hpp"
#include "rows.hpp"

namespace perftrack::gate {
namespace {

using json = nlohmann::json;

/// Severity order for tables: what needs attention first.
int rank_of(severity s) { return static_cast<int>(s); }

/// What a brief listing shows: everything but the unchanged and the peers'
/// references (--full, and the comment's "All results", show those too).
bool shown_when_brief(severity s) { return s != severity::unchanged && s != severity::reference; }

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string summary_line(const comparison& c) {
  std::map<std::string, bool> benchmarks;
  for (const auto& r : c.rows) benchmarks[r.benchmark] = true;
  char buf[400];
  std::snprintf(
      buf, sizeof buf,
      "%zu benchmarks, %zu metrics: %zu critical, %zu warning, %zu improvement, "
      "%zu inconclusive, %zu new, %zu missing, %zu unchanged; %zu of peers, not judged",
      benchmarks.size(), c.rows.size(), c.count(severity::critical), c.count(severity::warning),
      c.count(severity::improvement), c.count(severity::inconclusive), c.count(severity::added),
      c.count(severity::missing), c.count(severity::unchanged), c.count(severity::reference));
  return buf;
}

/// "code that did not change ran 18.0% slower than in the baseline (median
/// of 12 peers' and 13 counted benchmarks' timings): ...".
std::string drift_line(const machine_drift& d) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "code that did not change ran %.1f%% %s than in the baseline",
                std::fabs(d.slower) * 100, d.slower >= 0 ? "slower" : "faster");
  return std::string(buf) + " (" + detail::drift_sources(d) +
         "): the machine's drift, which a change of ours must exceed to count";
}

std::string interval(const comparison_row& r) {
  if (std::isnan(r.change)) return "-";
  std::string s = format_change(r.change);
  if (r.test == test_kind::fisher)
    return format_change(r.change).substr(0, 1) + format_value(std::fabs(r.change) * 100, "points");
  if (std::isfinite(r.ci_low) && std::isfinite(r.ci_high) && r.test != test_kind::count &&
      r.test != test_kind::growth)
    s += " [" + format_change(r.ci_low) + ", " + format_change(r.ci_high) + "]";
  return s;
}

using store::escape_markdown_cell;

std::string markdown_row(const comparison_row& r) {
  std::string sev(name(r.verdict));
  if (r.low_confidence) sev += " (low confidence)";
  if (!r.note.empty() && r.verdict != severity::unchanged) sev += ": " + r.note;
  return "| " + escape_markdown_cell(r.benchmark) + " | " + escape_markdown_cell(r.metric) + " | " +
         format_value(r.baseline, r.unit) + " | " + format_value(r.current, r.unit) + " | " +
         interval(r) + " | " + escape_markdown_cell(sev) + " |\n";
}

}  // namespace

std::string format_value(double v, const std::string& unit) {
  if (std::isnan(v)) return "-";
  char buf[64];
  if (unit == "ns") {
    const double a = std::fabs(v);
    if (a >= 1e9)
      std::snprintf(buf, sizeof buf, "%.3g s", v / 1e9);
    else if (a >= 1e6)
      std::snprintf(buf, sizeof buf, "%.3g ms", v / 1e6);
    else if (a >= 1e3)
      std::snprintf(buf, sizeof buf, "%.3g us", v / 1e3);
    else
      std::snprintf(buf, sizeof buf, "%.3g ns", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.4g", v);
  std::string out = buf;
  if (!unit.empty()) out += " " + unit;
  return out;
}

std::string format_change(double fraction) {
  if (std::isnan(fraction)) return "-";
  if (std::isinf(fraction)) return fraction > 0 ? "+inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", fraction * 100);
  return buf;
}

void render_console(const comparison& c, std::ostream& out, bool full) {
  std::vector<const comparison_row*> rows;
  for (const auto& r : c.rows) {
    if (full || shown_when_brief(r.verdict)) rows.push_back(&r);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return rank_of(a->verdict) < rank_of(b->verdict);
  });
  std::size_t width = 0;
  for (const auto* r : rows) width = std::max(width, r->benchmark.size() + r->metric.size() + 3);
  for (const auto* r : rows) {
    char q[48] = "";
    if (std::isfinite(r->q_value)) std::snprintf(q, sizeof q, "q=%.3g", r->q_value);
    const std::string label = r->benchmark + " [" + r->metric + "]";
    char line[512];
    std::snprintf(line, sizeof line, "%-12s %-*s %-30s %-10s n=%zu/%zu  %s -> %s",
                  std::string(name(r->verdict)).c_str(), static_cast<int>(width), label.c_str(),
                  interval(*r).c_str(), q, r->n_baseline, r->n_current,
                  format_value(r->baseline, r->unit).c_str(),
                  format_value(r->current, r->unit).c_str());
    out << line;
    if (r->low_confidence) out << "  (low confidence)";
    if (!r->note.empty()) out << "  " << r->note;
    out << '\n';
  }
  if (c.cross_machine)
    out << "note: different machines or builds (baseline: " << c.baseline_key
        << "; current: " << c.current_key << "): changes may be the machine's\n";
  if (c.drift) out << "note: " << drift_line(*c.drift) << '\n';
  std::string status(c.overall_status());
  std::transform(status.begin(), status.end(), status.begin(), ::toupper);
  out << "compare: " << summary_line(c) << " -> " << status << '\n';
}

std::string render_json(const comparison& c) {
  json doc;
  doc["overall_status"] = std::string(c.overall_status());
  json summary;
  for (const auto s :
       {severity::critical, severity::warning, severity::improvement, severity::inconclusive,
        severity::added, severity::missing, severity::reference, severity::unchanged})
    summary[std::string(name(s))] = c.count(s);
  summary["total"] = c.rows.size();
  doc["summary"] = summary;
  doc["baseline"] = {{"source", c.baseline_source},
                     {"git_sha", c.baseline_sha},
                     {"comparability", c.baseline_key}};
  doc["current"] = {
      {"source", c.current_source}, {"git_sha", c.current_sha}, {"comparability", c.current_key}};
  doc["cross_machine"] = c.cross_machine;
  doc["machine_drift"] = c.drift ? json{{"slower", c.drift->slower},
                                        {"peers", c.drift->peers},
                                        {"counted", c.drift->counted}}
                                 : json(nullptr);
  json results = json::array(), regressions = json::array(), improvements = json::array();
  for (const auto& r : c.rows) {
    json row{{"benchmark", r.benchmark},
             {"category", r.category},
             {"metric", r.metric},
             {"unit", r.unit},
             {"peer", r.peer.empty() ? json(nullptr) : json(r.peer)},
             {"direction", r.lower_is_better ? "lower_is_better" : "higher_is_better"},
             {"baseline", number(r.baseline)},
             {"current", number(r.current)},
             {"change", number(r.change)},
             {"ci_low", number(r.ci_low)},
             {"ci_high", number(r.ci_high)},
             {"worse_bound", number(r.worse_bound)},
             {"p_value", number(r.p_value)},
             {"q_value", number(r.q_value)},
             {"n_baseline", r.n_baseline},
             {"n_current", r.n_current},
             {"noise_floor", number(r.noise_floor)},
             {"severity", std::string(name(r.verdict))},
             {"test", std::string(name(r.test))},
             {"low_confidence", r.low_confidence}};
    if (!r.note.empty()) row["note"] = r.note;
    if (r.verdict == severity::critical || r.verdict == severity::warning)
      regressions.push_back(row);
    if (r.verdict == severity::improvement) improvements.push_back(row);
    results.push_back(std::move(row));
  }
  doc["regressions"] = std::move(regressions);
  doc["improvements"] = std::move(improvements);
  doc["results"] = std::move(results);
  return doc.dump(2) + "\n";
}

std::string render_markdown(const comparison& c, std::size_t max_chars) {
  const auto status = c.overall_status();
  std::string head;
  if (status == "fail")
    head = "## :x: perftrack: critical performance regression\n\n";
  else if (status == "warning")
    head = "## :warning: perftrack: performance warning\n\n";
  else if (status == "inconclusive")
    head = "## :grey_question: perftrack: inconclusive\n\n";
  else
    head = "## :white_check_mark: perftrack: no performance regression\n\n";
  head += summary_line(c) + ".";
  if (!c.baseline_sha.empty()) head += " Baseline " + c.baseline_sha.substr(0, 12) + ".";
  head += "\n\n";
  if (c.cross_machine)
    head += "> **Different machines or builds**: baseline `" + c.baseline_key + "`, current `" +
            c.current_key + "`. Changes may come from the machine.\n\n";
  if (c.drift) head += "> " + drift_line(*c.drift) + ".\n\n";

  const std::string table_head =
      "| Benchmark | Metric | Baseline | Current | Change [95% CI] | Severity |\n"
      "|---|---|---:|---:|---|---|\n";
  std::vector<const comparison_row*> changed;
  for (const auto& r : c.rows) {
    if (shown_when_brief(r.verdict)) changed.push_back(&r);
  }
  std::stable_sort(changed.begin(), changed.end(), [](const auto* a, const auto* b) {
    return rank_of(a->verdict) < rank_of(b->verdict);
  });

  const std::string details_open =
      "<details><summary>All " + std::to_string(c.rows.size()) + " results</summary>\n\n";
  const std::string details_close = "\n</details>\n";
  const std::string cut_note_template =
      "\n_%zu more rows not shown: the comment is limited to %zu characters; the JSON report "
      "(--json) has them all._\n";
  const std::size_t reserve = 200;  // room for a cut note and the closing tags

  std::string out = head;
  std::size_t shown = 0;
  if (!changed.empty()) {
    out += table_head;
    for (const auto* r : changed) {
      const auto line = markdown_row(*r);
      if (out.size() + line.size() + reserve > max_chars) break;
      out += line;
      ++shown;
    }
    if (shown < changed.size()) {
      char note[256];
      std::snprintf(note, sizeof note, cut_note_template.c_str(), changed.size() - shown,
                    max_chars);
      out += note;
      return out;
    }
    out += "\n";
  } else {
    out += "No benchmark changed beyond its noise floor and thresholds.\n\n";
  }
  if (out.size() + details_open.size() + table_head.size() + details_close.size() + reserve >
      max_chars)
    return out;
  out += details_open + table_head;
  std::size_t all_shown = 0;
  for (const auto& r : c.rows) {
    const auto line = markdown_row(r);
    if (out.size() + line.size() + details_close.size() + reserve > max_chars) break;
    out += line;
    ++all_shown;
  }
  if (all_shown < c.rows.size()) {
    char note[256];
    std::snprintf(note, sizeof note, cut_note_template.c_str(), c.rows.size() - all_shown,
                  max_chars);
    out += note;
  }
  out += details_close;
  return out;
}

std::string render_junit(const comparison& c, severity fail_at) {
  struct test_case {
    std::string category;
    std::vector<const comparison_row*> rows;
  };
  std::vector<std::string> order;
  std::map<std::string, test_case> cases;
  for (const auto& r : c.rows) {
    auto [it, added] = cases.try_emplace(r.benchmark);
    if (added) {
      order.push_back(r.benchmark);
      it->second.category = r.category;
    }
    it->second.rows.push_back(&r);
  }
  const auto fails = [&](severity s) {
    return s == severity::critical || (fail_at == severity::warning && s == severity::warning);
  };
  std::size_t failures = 0, skipped = 0;
  std::string body;
  for (const auto& benchmark : order) {
    const auto& tc = cases[benchmark];
    body += "  <testcase classname=\"perftrack." +
            store::escape_markup(tc.category.empty() ? "benchmarks" : tc.category) + "\" name=\"" +
            store::escape_markup(benchmark) + "\">\n";
    std::string failed, skip, out;
    for (const auto* r : tc.rows) {
      const std::string line = r->metric + ": " + std::string(name(r->verdict)) + " " +
                               interval(*r) + (r->note.empty() ? "" : " (" + r->note + ")");
      if (fails(r->verdict))
        failed += line + "\n";
      else if (r->verdict == severity::inconclusive || r->verdict == severity::missing)
        skip += line + "\n";
      out += line + "\n";
    }
    if (!failed.empty()) {
      ++failures;
      body += "    <failure message=\"" +
              store::escape_markup(failed.substr(0, failed.find('\n'))) + "\">" +
              store::escape_markup(failed) + "</failure>\n";
    } else if (!skip.empty()) {
      ++skipped;
      body += "    <skipped message=\"" + store::escape_markup(skip.substr(0, skip.find('\n'))) +
              "\"/>\n";
    }
    body += "    <system-out>" + store::escape_markup(out) + "</system-out>\n  </testcase>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"perftrack compare\" "
         "tests=\"" +
         std::to_string(order.size()) + "\" failures=\"" + std::to_string(failures) +
         "\" skipped=\"" + std::to_string(skipped) + "\" errors=\"0\">\n" + body + "</testsuite>\n";
}

}  // namespace perftrack::gate
