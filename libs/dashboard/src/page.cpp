// The dashboard page: one HTML file with everything it needs inside.

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/store/base64.hpp"
#include "perftrack/store/markup.hpp"
#include "perftrack/store/timestamp.hpp"

namespace perftrack::dashboard {
namespace {

#include "assets.inc"

using json = nlohmann::json;
using store::escape_markup;

json point_json(const gate::trend_point& p) {
  return {{"run", p.run}, {"median", p.median}, {"n", p.n}, {"sha", p.git_sha}, {"time", p.time}};
}

/// JSON text safe inside a <script> element (store::escape_script_json).
std::string script_safe(const json& j) {
  return store::escape_script_json(j.dump(-1, ' ', false, json::error_handler_t::replace));
}

json numbers(const std::vector<double>& v) {
  json out = json::array();
  for (const double x : v) out.push_back(std::isfinite(x) ? json(x) : json(nullptr));
  return out;
}

/// A typed array for the page: the bytes of `v` (little-endian here) in base64.
template <class T>
std::string typed(const std::vector<T>& v) {
  static_assert(std::endian::native == std::endian::little, "the page reads little-endian arrays");
  return store::base64(
      std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)));
}

/// `object_text` (a JSON object's text) with the member `key`: `value_text`
/// (JSON text) added at its end, in one allocation: the value is megabytes.
std::string with_member(std::string_view object_text, std::string_view key,
                        std::string_view value_text) {
  const std::string name = json(key).dump();
  std::string out;
  out.reserve(object_text.size() + name.size() + value_text.size() + 2);
  out += object_text.substr(0, object_text.size() - 1);  // without the closing brace
  if (object_text.size() > 2) out += ',';
  out += name;
  out += ':';
  out += value_text;
  out += '}';
  return out;
}

/// One operation with its heat map as base64 of little-endian uint32 (a
/// typed array on the page: 4 bytes a cell, not a JSON number each), and the
/// events' min/max columns as float64 (NaN where empty), as JSON text safe
/// inside a <script> element. Written as text, the base64 appended as it is:
/// through a JSON tree and its serializer, which looks at every byte, these
/// megabytes took most of the page's writing.
void append_operation(std::string& out, const operation& op) {
  out += fmt::format(R"({{"name":{},"count":{},"errors":{},"p50":{},"p95":{},"p99":{},)",
                     script_safe(op.name), op.count, op.errors, script_safe(numbers(op.p50)),
                     script_safe(numbers(op.p95)), script_safe(numbers(op.p99)));
  out += R"("heat":")";
  out += typed(op.heat);
  out += R"(","events_min":")";
  out += typed(op.events_min);
  out += R"(","events_max":")";
  out += typed(op.events_max);
  out += R"("})";
}

std::string operations_json(const operations_view& v) {
  std::size_t size = 2;
  for (const auto& op : v.list) {
    const std::size_t bytes = op.heat.size() * sizeof(op.heat[0]) + 2 * 8 * op.events_min.size();
    size += bytes / 3 * 4 + 30 * (op.p50.size() * 3 + 1) + op.name.size() * 6 + 200;
  }
  std::string list;
  list.reserve(size);
  list += '[';
  for (const auto& op : v.list) {
    if (list.size() > 1) list += ',';
    append_operation(list, op);
  }
  list += ']';
  json pairs = json::array();
  for (const auto& c : v.correlations)
    pairs.push_back({{"a", c.a}, {"b", c.b}, {"rho", c.rho}, {"n", c.n}});
  json resources = json::array();
  for (const auto& r : v.resources)
    resources.push_back({{"name", r.name}, {"values", numbers(r.values)}});
  json with_resources = json::array();
  for (const auto& c : v.resource_correlations) {
    with_resources.push_back(
        {{"operation", c.operation}, {"resource", c.resource}, {"rho", c.rho}, {"n", c.n}});
  }
  const json rest = {{"start_s", static_cast<double>(v.start_ns) / 1e9},
                     {"correlations", pairs},
                     {"resources", resources},
                     {"resource_samples", v.resource_samples},
                     {"resource_correlations", with_resources},
                     {"width_s", static_cast<double>(v.width_ns) / 1e9},
                     {"columns", v.columns},
                     {"event_width_s", static_cast<double>(v.event_width_ns) / 1e9},
                     {"event_columns", v.event_columns},
                     {"records", v.records},
                     {"bounds_ms", heat_bounds_ms()}};
  return with_member(script_safe(rest), "list", list);
}

/// The compared runs, each metric's samples per run as base64 float64 (null
/// where a run lacks it), and the first-against-last changes C++ computed.
json comparison_json(const comparison_view& v) {
  json runs = json::array();
  for (const auto& r : v.runs) {
    // A profile folder is untrusted text: as a file: URL it can only name a file.
    json profiles = json::object();
    for (const auto& [benchmark, dir] : r.profiles)
      profiles[benchmark] =
          store::file_url((std::filesystem::path(dir) / "flamegraph.html").string());
    runs.push_back({{"label", r.label},
                    {"sha", r.git_sha},
                    {"time", r.time},
                    {"machine", r.machine},
                    {"profiles", profiles}});
  }
  json diffs = json::array();
  for (const auto& d : v.diffs) diffs.push_back({{"benchmark", d.benchmark}, {"href", d.href}});
  json metrics = json::array();
  for (const auto& m : v.metrics) {
    json samples = json::array();
    for (const auto& s : m.samples) samples.push_back(s.empty() ? json(nullptr) : json(typed(s)));
    metrics.push_back({{"benchmark", m.benchmark},
                       {"metric", m.metric},
                       {"unit", m.unit},
                       {"lower_is_better", m.lower_is_better},
                       {"samples", samples}});
  }
  json changes = json::array();
  for (const auto& c : v.changes) {
    changes.push_back({{"metric", c.metric},
                       {"change", c.change},
                       {"low", c.low},
                       {"high", c.high},
                       {"base_median", c.base_median},
                       {"head_median", c.head_median}});
  }
  return {{"runs", runs}, {"metrics", metrics}, {"changes", changes}, {"diffs", diffs}};
}

std::string iso(std::int64_t ns) {
  char buf[store::timestamp_length];
  return {buf, store::format_timestamp(ns, buf)};
}

/// The key numbers without JavaScript.
std::string noscript_summary(const page_data& d) {
  std::string out = fmt::format(
      "<noscript><p>{} runs, {} benchmark metrics, {} steps in the history (the charts need "
      "JavaScript).</p>",
      d.runs.size(), d.trends.size(), d.changes.size());
  if (!d.changes.empty()) {
    out +=
        "<table><tr><th>benchmark</th><th>metric</th><th>change</th><th>before</th>"
        "<th>after</th></tr>";
    for (const auto& c : d.changes) {
      out += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{:+.1f}%</td><td>{:.6g}</td><td>{:.6g}</td></tr>",
          escape_markup(c.benchmark), escape_markup(c.metric), 100 * c.change, c.before.median,
          c.after.median);
    }
    out += "</table>";
  }
  if (d.operations && !d.operations->list.empty()) {
    out += "<table><tr><th>operation</th><th>events</th><th>failed</th></tr>";
    for (const auto& op : d.operations->list) {
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", escape_markup(op.name),
                         op.count, op.errors);
    }
    out += "</table>";
  }
  if (d.comparison && !d.comparison->changes.empty()) {
    const auto& c = *d.comparison;
    out += fmt::format(
        "<p>{} against {}:</p><table><tr><th>benchmark</th><th>metric</th><th>change</th>"
        "<th>95% interval</th></tr>",
        escape_markup(c.runs.back().label), escape_markup(c.runs.front().label));
    for (const auto& ch : c.changes) {
      const auto& m = c.metrics[ch.metric];
      out += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{:+.1f}%</td><td>{:+.1f}% to {:+.1f}%</td></tr>",
          escape_markup(m.benchmark), escape_markup(m.metric), 100 * ch.change, 100 * ch.low,
          100 * ch.high);
    }
    out += "</table>";
  }
  for (const auto& n : d.notes) out += "<p>" + escape_markup(n) + "</p>";
  return out + "</noscript>";
}

/// Whether `v` counts up by one from its first value.
bool is_run_of(const std::vector<std::uint32_t>& v) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] != v[0] + i) return false;
  }
  return true;
}

/// The late points in blocks of 64 trends: the browser can draw between
/// reading one and the next.
std::vector<std::string> late_chunks(const json& late) {
  constexpr std::size_t per_block = 64;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < late.size(); i += per_block) {
    const auto end = std::min(late.size(), i + per_block);
    out.push_back(script_safe(json(late.begin() + static_cast<std::ptrdiff_t>(i),
                                   late.begin() + static_cast<std::ptrdiff_t>(end))));
  }
  return out;
}

/// The trends in the order the page shows them: grouped by category (the
/// name up to its first '/'), the categories in order of first appearance.
std::vector<std::size_t> display_order(const std::vector<series>& trends) {
  const auto category = [](const std::string& name) { return name.substr(0, name.find('/')); };
  std::vector<std::string> categories;
  for (const auto& t : trends) {
    const auto c = category(t.benchmark);
    if (std::find(categories.begin(), categories.end(), c) == categories.end())
      categories.push_back(c);
  }
  std::vector<std::size_t> order;
  for (const auto& c : categories)
    for (std::size_t i = 0; i < trends.size(); ++i)
      if (category(trends[i].benchmark) == c) order.push_back(i);
  return order;
}

/// A trend's points as typed arrays, decoded when its chart is drawn: the run
/// as its index in `runs` (uint32; `runs_from` in `meta` where they are
/// consecutive), the median as float64, the sample count as uint32 (`n_each`
/// in `meta` where all are equal) and the band (the median's interval) as
/// float32, NaN where there is none. Points of runs older than the runs
/// listed are left out.
json trend_payload(const series& s, const std::map<std::int64_t, std::uint32_t>& index_of,
                   json& meta) {
  std::vector<std::uint32_t> at, ns;
  std::vector<double> medians;
  std::vector<float> lows, highs;
  for (const auto& p : s.points) {
    const auto i = index_of.find(p.run);
    if (i == index_of.end()) continue;
    at.push_back(i->second);
    medians.push_back(p.median);
    ns.push_back(static_cast<std::uint32_t>(std::min<std::size_t>(p.n, UINT32_MAX)));
    lows.push_back(static_cast<float>(p.low));
    highs.push_back(static_cast<float>(p.high));
  }
  json payload = {{"median", typed(medians)}, {"low", typed(lows)}, {"high", typed(highs)}};
  meta["count"] = at.size();
  // Most trends hold every run from one on, with the same n: a number each.
  if (is_run_of(at)) {
    meta["runs_from"] = at.empty() ? 0 : at.front();
  } else {
    payload["runs"] = typed(at);
  }
  if (std::adjacent_find(ns.begin(), ns.end(), std::not_equal_to<>()) == ns.end()) {
    meta["n_each"] = ns.empty() ? 0 : ns.front();
  } else {
    payload["n"] = typed(ns);
  }
  return payload;
}

}  // namespace

page_json data_json(const page_data& d, const options& o) {
  json runs = json::array();
  for (const auto& r : d.runs) {
    runs.push_back({{"id", r.id},
                    {"time", r.time},
                    {"sha", r.git_sha},
                    {"branch", r.branch},
                    {"machine", r.comparability},
                    {"status", r.status}});
  }
  std::map<std::int64_t, std::uint32_t> index_of;
  for (const auto& r : d.runs) index_of.emplace(r.id, static_cast<std::uint32_t>(index_of.size()));
  // The first trends the page shows carry their points; the others' wait in
  // late blocks, after the page's script.
  json trends = json::array(), late = json::array();
  std::vector<std::size_t> rank(d.trends.size());
  const auto order = display_order(d.trends);
  for (std::size_t k = 0; k < order.size(); ++k) rank[order[k]] = k;
  for (std::size_t i = 0; i < d.trends.size(); ++i) {
    const auto& s = d.trends[i];
    json t = {{"benchmark", s.benchmark}, {"metric", s.metric}};
    auto payload = trend_payload(s, index_of, t);
    if (rank[i] < early_trends) {
      t.update(payload);
    } else {
      t["late"] = late.size();
      late.push_back(std::move(payload));
    }
    trends.push_back(std::move(t));
  }
  json changes = json::array();
  for (const auto& c : d.changes) {
    changes.push_back({{"benchmark", c.benchmark},
                       {"metric", c.metric},
                       {"before", point_json(c.before)},
                       {"after", point_json(c.after)},
                       {"change", std::isfinite(c.change) ? json(c.change) : json(nullptr)}});
  }
  const std::string rest =
      script_safe({{"source", d.source},
                   {"generated", iso(o.now_ns)},
                   {"commit_url", o.commit_url_template},
                   {"runs", runs},
                   {"trends", trends},
                   {"changes", changes},
                   {"comparison", d.comparison ? comparison_json(*d.comparison) : json(nullptr)},
                   {"notes", d.notes}});
  return {with_member(rest, "operations", d.operations ? operations_json(*d.operations) : "null"),
          late_chunks(late)};
}

std::string render_html(const page_data& d, const options& o) {
  const std::string summary = noscript_summary(d);
  const auto blocks = data_json(d, o);
  std::size_t size = uplot_css.size() + page_css.size() + uplot_js.size() + page_js.size() +
                     summary.size() + blocks.data.size() + 4096;
  for (const auto& block : blocks.late) size += block.size() + 80;
  std::string out;
  out.reserve(size);  // megabytes: copied as it grew, each copy touched fresh pages
  out += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // No request of any kind: scripts and styles are inline, images data: URLs.
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n";
  out += "<title>perftrack dashboard</title>\n";
  out += "<style>\n";
  out += uplot_css;
  out += page_css;
  out += "</style>\n</head>\n<body>\n<header><h1>perftrack dashboard</h1>";
  out += fmt::format(
      "<p class=\"sources\">History {} &middot; {} recorded operations &middot; {} results "
      "files &middot; generated {}</p></header>\n",
      d.source.empty() ? "none" : escape_markup(d.source), d.operations ? d.operations->records : 0,
      d.comparison ? d.comparison->runs.size() : 0, iso(o.now_ns));
  out += summary;
  out += "\n<main id=\"app\"></main>\n<script type=\"application/json\" id=\"perftrack-data\">";
  out += blocks.data;
  out += "</script>\n<script>\n";
  out += uplot_js;
  out += "\n</script>\n<script>\n";
  out += page_js;
  // After the script: the page draws its first charts while the browser
  // still reads these.
  out += "\n</script>\n";
  for (const auto& block : blocks.late) {
    out += "<script type=\"application/json\" class=\"perftrack-late\">";
    out += block;
    out += "</script>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace perftrack::dashboard
