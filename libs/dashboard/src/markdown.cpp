// The dashboard's numbers as Markdown with static SVG charts.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/store/markup.hpp"

namespace perftrack::dashboard {
namespace {

using store::escape_markdown_cell;

/// A value for reading: times (ns) scaled, others with 4 significant digits.
std::string value_text(double v, const std::string& metric) {
  if (!std::isfinite(v)) return "-";
  const bool timed =
      metric == "latency" || metric == "time" || metric == "real_time" || metric == "cpu_time";
  if (timed) {
    const double a = std::fabs(v);
    if (a >= 1e9) return fmt::format("{:.4g} s", v / 1e9);
    if (a >= 1e6) return fmt::format("{:.4g} ms", v / 1e6);
    if (a >= 1e3) return fmt::format("{:.4g} us", v / 1e3);
    return fmt::format("{:.4g} ns", v);
  }
  return fmt::format("{:.4g}", v);
}

/// A line chart of `ys` (NaN: gaps) with its range labelled and points at
/// `marks` drawn red.
std::string svg_line(const std::vector<double>& ys, const std::string& title,
                     const std::string& lo_text, const std::string& hi_text,
                     const std::vector<std::size_t>& marks = {}) {
  constexpr double w = 480, h = 140, left = 70, top = 22, bottom = 8;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const double y : ys) {
    if (std::isfinite(y)) lo = std::min(lo, y), hi = std::max(hi, y);
  }
  if (!std::isfinite(lo)) lo = hi = 0;
  if (hi == lo) hi = lo + 1;
  const auto px = [&](std::size_t i) {
    return left +
           (w - left - 8) *
               (ys.size() > 1 ? static_cast<double>(i) / static_cast<double>(ys.size() - 1) : 0.5);
  };
  const auto py = [&](double y) { return top + (h - top - bottom) * (1 - (y - lo) / (hi - lo)); };
  std::string path;
  bool pen = false;
  for (std::size_t i = 0; i < ys.size(); ++i) {
    if (!std::isfinite(ys[i])) {
      pen = false;
      continue;
    }
    path += fmt::format("{}{:.1f},{:.1f} ", pen ? "L" : "M", px(i), py(ys[i]));
    pen = true;
  }
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"{0}\" height=\"{1}\" "
      "fill=\"#fff\"/>\n"
      "<text x=\"4\" y=\"14\" font-weight=\"bold\">{2}</text>\n"
      "<text x=\"4\" y=\"{3:.1f}\">{4}</text>\n<text x=\"4\" y=\"{5:.1f}\">{6}</text>\n"
      "<path d=\"{7}\" fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.5\"/>\n",
      w, h, store::escape_markup(title), py(hi) + 4, store::escape_markup(hi_text), py(lo) + 4,
      store::escape_markup(lo_text), path);
  for (const std::size_t i : marks) {
    if (i < ys.size() && std::isfinite(ys[i]))
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"#c62828\"/>\n", px(i),
                         py(ys[i]));
  }
  return out + "</svg>\n";
}

void steps_section(const page_data& d, const std::string& dir, markdown_output& out) {
  out.markdown += "## Regressions and steps\n\n";
  if (d.changes.empty()) {
    out.markdown += "No lasting step of 5% or more in any benchmark's history.\n\n";
    return;
  }
  out.markdown += "| benchmark | metric | commits | change | before | after |\n";
  out.markdown += "|---|---|---|---:|---:|---:|\n";
  for (const auto& c : d.changes) {
    out.markdown += fmt::format(
        "| {} | {} | {}..{} | {:+.1f}% | {} | {} |\n", escape_markdown_cell(c.benchmark),
        escape_markdown_cell(c.metric), escape_markdown_cell(c.before.git_sha.substr(0, 12)),
        escape_markdown_cell(c.after.git_sha.substr(0, 12)), 100 * c.change,
        value_text(c.before.median, c.metric), value_text(c.after.median, c.metric));
  }
  out.markdown += "\n";
  for (std::size_t k = 0; k < d.changes.size(); ++k) {
    const auto& c = d.changes[k];
    const auto t = std::find_if(d.trends.begin(), d.trends.end(), [&](const series& s) {
      return s.benchmark == c.benchmark && s.metric == c.metric;
    });
    if (t == d.trends.end()) continue;
    std::vector<double> ys;
    std::vector<std::size_t> marks;
    for (std::size_t i = 0; i < t->points.size(); ++i) {
      ys.push_back(t->points[i].median);
      if (t->points[i].run == c.after.run) marks.push_back(i);
    }
    const auto [lo, hi] = std::minmax_element(ys.begin(), ys.end());
    const std::string name = fmt::format("step-{}.svg", k + 1);
    out.svgs.emplace_back(name,
                          svg_line(ys, c.benchmark + " · " + c.metric, value_text(*lo, c.metric),
                                   value_text(*hi, c.metric), marks));
    out.markdown += fmt::format("![step {}: the median of each run]({}/{})\n", k + 1, dir, name);
  }
  out.markdown += "\n";
}

std::pair<std::string_view, std::string_view> names_of(const pair_correlation& c) {
  return {c.a, c.b};
}
std::pair<std::string_view, std::string_view> names_of(const resource_correlation& c) {
  return {c.operation, c.resource};
}

/// A ranked correlation table under `title`: each row's two names, rho and n.
template <class Row>
void correlation_table(std::string_view title, std::string_view second,
                       const std::vector<Row>& rows, markdown_output& out) {
  if (rows.empty()) return;
  out.markdown +=
      fmt::format("\n### {}\n\n| operation | {} | rho | n |\n|---|---|---:|---:|\n", title, second);
  for (const auto& r : rows) {
    const auto [a, b] = names_of(r);
    out.markdown += fmt::format("| {} | {} | {:.3f} | {} |\n", escape_markdown_cell(a),
                                escape_markdown_cell(b), r.rho, r.n);
  }
}

void operations_section(const operations_view& v, const std::string& dir, markdown_output& out) {
  out.markdown += "## Operations\n\n| operation | events | failed |\n|---|---:|---:|\n";
  for (const auto& op : v.list) {
    out.markdown +=
        fmt::format("| {} | {} | {} |\n", escape_markdown_cell(op.name), op.count, op.errors);
  }
  out.markdown += "\n";
  for (std::size_t k = 0; k < v.list.size(); ++k) {
    const auto& op = v.list[k];
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const double y : op.p95) {
      if (std::isfinite(y)) lo = std::min(lo, y), hi = std::max(hi, y);
    }
    const std::string name = fmt::format("operation-{}.svg", k + 1);
    out.svgs.emplace_back(
        name, svg_line(op.p95, op.name + " · p95 over time", value_text(lo * 1e6, "latency"),
                       value_text(hi * 1e6, "latency")));
    out.markdown +=
        fmt::format("![{}: p95 over time]({}/{})\n", escape_markdown_cell(op.name), dir, name);
  }
  correlation_table("Operations that slow together", "operation", v.correlations, out);
  correlation_table("Operations and resources", "resource", v.resource_correlations, out);
  out.markdown += "\n";
}

/// The first run against the last, as the page opens it.
void comparison_section(const comparison_view& v, markdown_output& out) {
  if (v.runs.size() < 2) return;
  out.markdown += fmt::format(
      "## Compare: {} against {}\n\nchange: the Hodges-Lehmann estimate of head/base with its "
      "95% interval\n\n| benchmark | metric | base median | head median | change | 95% "
      "interval |\n|---|---|---:|---:|---:|---:|\n",
      escape_markdown_cell(v.runs.back().label), escape_markdown_cell(v.runs.front().label));
  for (const auto& c : v.changes) {
    const auto& m = v.metrics[c.metric];
    out.markdown +=
        fmt::format("| {} | {} | {} | {} | {:+.1f}% | {:+.1f}% to {:+.1f}% |\n",
                    escape_markdown_cell(m.benchmark), escape_markdown_cell(m.metric),
                    value_text(c.base_median, m.metric), value_text(c.head_median, m.metric),
                    100 * c.change, 100 * c.low, 100 * c.high);
  }
  out.markdown += "\n";
}

}  // namespace

markdown_output render_markdown(const page_data& d, const std::string& dir) {
  markdown_output out;
  out.markdown = fmt::format(
      "# perftrack dashboard\n\nHistory: {}; {} runs, {} benchmark metrics.\n\n",
      escape_markdown_cell(d.source.empty() ? "none" : d.source), d.runs.size(), d.trends.size());
  for (const auto& n : d.notes) out.markdown += "- " + escape_markdown_cell(n) + "\n";
  if (!d.notes.empty()) out.markdown += "\n";
  steps_section(d, dir, out);
  if (d.comparison) comparison_section(*d.comparison, out);
  if (d.operations) operations_section(*d.operations, dir, out);
  return out;
}

}  // namespace perftrack::dashboard
