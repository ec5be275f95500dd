// OpenSLO v1 export and import (docs/slo.md, "OpenSLO"), with yaml-cpp for
// the YAML and toml++ for the baselines file an import writes.

#include "perftrack/slo/openslo.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "selectors.hpp"

namespace perftrack::slo {
namespace {

constexpr std::string_view annotation = "perftrack.dev/";

// ---- export ----------------------------------------------------------------------

/// A name OpenSLO accepts (RFC 1123: lowercase letters, digits and '-', at
/// most 63 characters, alphanumeric at both ends), unique in `taken`.
std::string dns_name(std::string_view name, std::set<std::string>& taken) {
  std::string out;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 128) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  out = out.substr(0, 60);
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty()) out = "slo";
  std::string unique = out;
  for (int i = 2; !taken.insert(unique).second; ++i) unique = fmt::format("{}-{}", out, i);
  return unique;
}

void metric_source(YAML::Emitter& y, const std::string& query) {
  y << YAML::BeginMap << YAML::Key << "metricSource" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "type" << YAML::Value << "Prometheus";
  y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap << YAML::Key << "query" << YAML::Value
    << YAML::DoubleQuoted << query << YAML::EndMap;
  y << YAML::EndMap << YAML::EndMap;
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// perftrack's fields that OpenSLO has no place for.
std::vector<std::pair<std::string, std::string>> annotations_of(const objective& o) {
  std::vector<std::pair<std::string, std::string>> a{{"name", o.name},
                                                     {"kind", std::string(name(o.kind))}};
  if (!o.operations.empty()) a.emplace_back("operations", json_text(o.operations));
  if (o.kind == objective_kind::latency) a.emplace_back("threshold", o.le);
  if (o.kind != objective_kind::gauge) a.emplace_back("min-events", std::to_string(o.min_events));
  if (!o.unit.empty()) a.emplace_back("unit", o.unit);
  if (o.benchmarks) {
    nlohmann::json b{{"names", o.benchmarks->names}};
    if (!o.benchmarks->value.empty()) {
      b["value"] = o.benchmarks->value;
      b["scale"] = o.benchmarks->scale;
    }
    a.emplace_back("benchmarks", json_text(b));
  }
  return a;
}

void indicator(YAML::Emitter& y, const objective& o, const std::string& dns) {
  y << YAML::Key << "indicator" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name"
    << YAML::Value << dns + "-sli" << YAML::EndMap;
  y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  if (o.kind == objective_kind::gauge) {
    y << YAML::Key << "thresholdMetric" << YAML::Value;
    metric_source(y, o.query);
  } else {
    const selectors::counters c = selectors::counters_of(o);
    y << YAML::Key << "ratioMetric" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "counter" << YAML::Value << true;
    y << YAML::Key << (c.bad.empty() ? "good" : "bad") << YAML::Value;
    metric_source(y, c.bad.empty() ? c.good : c.bad);
    y << YAML::Key << "total" << YAML::Value;
    metric_source(y, c.total);
    y << YAML::EndMap;
  }
  y << YAML::EndMap << YAML::EndMap;
}

/// The objectives list: one target for the budget kinds; one per tier, named
/// by its severity, for error_rate (1 - the tier's share) and gauge (op, value).
void objectives_of(YAML::Emitter& y, const objective& o) {
  y << YAML::Key << "objectives" << YAML::Value << YAML::BeginSeq;
  if (o.burns_budget()) {
    y << YAML::BeginMap << YAML::Key << "displayName" << YAML::Value << o.description;
    y << YAML::Key << "target" << YAML::Value << o.target.text() << YAML::EndMap;
  }
  for (const auto& t : o.tiers) {
    y << YAML::BeginMap << YAML::Key << "displayName" << YAML::Value << std::string(name(t.level));
    if (o.kind == objective_kind::error_rate) {
      y << YAML::Key << "target" << YAML::Value << (decimal{1, 0} - t.threshold).text();
    } else {
      // Good while on the right side of the tier; OpenSLO needs a target share
      // of good time slices, which perftrack's tiers do not have.
      y << YAML::Key << "op" << YAML::Value << (o.below ? "gte" : "lte");
      y << YAML::Key << "value" << YAML::Value << t.threshold.text();
      y << YAML::Key << "target" << YAML::Value << "0.99";
      y << YAML::Key << "timeSliceTarget" << YAML::Value << "1";
      y << YAML::Key << "timeSliceWindow" << YAML::Value << prometheus_duration(o.for_duration);
    }
    y << YAML::EndMap;
  }
  y << YAML::EndSeq;
}

void slo_document(YAML::Emitter& y, const objective& o, seconds period, const std::string& dns) {
  y << YAML::BeginDoc << YAML::BeginMap;
  y << YAML::Key << "apiVersion" << YAML::Value << "openslo/v1";
  y << YAML::Key << "kind" << YAML::Value << "SLO";
  y << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << dns;
  y << YAML::Key << "displayName" << YAML::Value << o.description;
  y << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : annotations_of(o))
    y << YAML::Key << std::string(annotation) + k << YAML::Value << YAML::DoubleQuoted << v;
  y << YAML::EndMap << YAML::EndMap;
  y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "description" << YAML::Value << o.description;
  y << YAML::Key << "service" << YAML::Value << "perftrack";
  indicator(y, o, dns);
  const seconds window = o.kind == objective_kind::error_rate ? o.window : period;
  y << YAML::Key << "timeWindow" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  y << YAML::Key << "duration" << YAML::Value << prometheus_duration(window);
  y << YAML::Key << "isRolling" << YAML::Value << true << YAML::EndMap << YAML::EndSeq;
  y << YAML::Key << "budgetingMethod" << YAML::Value
    << (o.kind == objective_kind::gauge ? "Timeslices" : "Occurrences");
  objectives_of(y, o);
  y << YAML::EndMap << YAML::EndMap;
}

// ---- import ----------------------------------------------------------------------

/// An objective table as it will be written: keys in order, each value as TOML
/// text (numbers as exact decimals, strings quoted by toml++).
using table = std::vector<std::pair<std::string, std::string>>;

std::string toml_string(const std::string& s) {
  std::ostringstream out;
  out << toml::value<std::string>(s);
  return out.str();
}

std::string toml_number(double v) {
  return decimal::representable(v) ? decimal::from_double(v).text() : fmt::format("{}", v);
}

std::string toml_strings(const std::vector<std::string>& list) {
  std::vector<std::string> quoted;
  for (const auto& s : list) quoted.push_back(toml_string(s));
  return fmt::format("[{}]", fmt::join(quoted, ", "));
}

void put(table& t, const std::string& key, std::string value) {
  const auto it = std::find_if(t.begin(), t.end(), [&](const auto& kv) { return kv.first == key; });
  if (it != t.end()) {
    it->second = std::move(value);
  } else {
    t.emplace_back(key, std::move(value));
  }
}

std::string get(const table& t, const std::string& key) {
  const auto it = std::find_if(t.begin(), t.end(), [&](const auto& kv) { return kv.first == key; });
  return it == t.end() ? std::string() : it->second;
}

std::string toml_text(const std::string& period, const std::vector<table>& objectives) {
  std::string out = period.empty() ? "" : fmt::format("period = {}\n", toml_string(period));
  for (const auto& t : objectives) {
    out += "\n[[objective]]\n";
    for (const auto& [k, v] : t) out += fmt::format("{} = {}\n", k, v);
  }
  return out;
}

struct document {
  YAML::Node node;
  int line = 0;  ///< 1-based
};

/// Errors name the file and the document's line.
struct context {
  const std::string& source;
  const std::map<std::string, document>& slis;
  const std::map<std::string, document>& sources;
};

failure error_at(const context& c, const YAML::Node& n, const std::string& what) {
  const int line = n.Mark().is_null() ? 0 : n.Mark().line + 1;
  return failure{fmt::format("{}:{}: {}", c.source, line, what)};
}

std::string text(const YAML::Node& n, const std::string& fallback = {}) {
  return n && n.IsScalar() ? n.Scalar() : fallback;
}

/// An OpenSLO duration ("30d", "4w", "1M") in the units perftrack reads.
std::optional<std::string> duration_of(const std::string& d, std::vector<std::string>& notes) {
  if (d.size() < 2) return std::nullopt;
  const char unit = d.back();
  const std::string number = d.substr(0, d.size() - 1);
  if (number.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const long n = std::stol(number);
  switch (unit) {
    case 's':
    case 'm':
    case 'h':
    case 'd': return d;
    case 'w': return fmt::format("{}d", n * 7);
    case 'M':
    case 'Q':
    case 'Y': {  // calendar lengths, read as fixed days
      const long days = n * (unit == 'M' ? 30 : unit == 'Q' ? 90 : 365);
      notes.push_back(fmt::format("{} read as {}d", d, days));
      return fmt::format("{}d", days);
    }
    default: return std::nullopt;
  }
}

/// The PromQL of a metricSource: type Prometheus, or a metricSourceRef to a
/// DataSource document of that type.
expected<std::string> query_of(const context& c, const YAML::Node& metric, std::string_view what) {
  const YAML::Node src = metric["metricSource"];
  if (!src || !src.IsMap()) return error_at(c, metric, fmt::format("{} has no metricSource", what));
  std::string type = text(src["type"]);
  if (type.empty() && src["metricSourceRef"]) {
    const auto it = c.sources.find(text(src["metricSourceRef"]));
    if (it == c.sources.end()) {
      return error_at(c, src,
                      fmt::format("metricSourceRef \"{}\" names no DataSource document in the file",
                                  text(src["metricSourceRef"])));
    }
    type = text(it->second.node["spec"]["type"]);
  }
  std::string lower = type;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  if (lower != "prometheus") {
    return error_at(c, src,
                    fmt::format("{}'s source is \"{}\": perftrack evaluates PromQL only (type: "
                                "Prometheus, with spec.query)",
                                what, type.empty() ? "unnamed" : type));
  }
  const YAML::Node spec = src["spec"];
  const std::string query = spec ? text(spec["query"], text(spec["promql"])) : std::string();
  if (query.empty()) return error_at(c, src, fmt::format("{} has no spec.query", what));
  return query;
}

/// The SLI spec of an SLO: inline, or an indicatorRef to an SLI document.
expected<YAML::Node> indicator_of(const context& c, const YAML::Node& spec) {
  YAML::Node sli;
  if (const YAML::Node inline_sli = spec["indicator"]; inline_sli && inline_sli.IsMap()) {
    sli = inline_sli["spec"];
  } else if (const YAML::Node ref = spec["indicatorRef"]) {
    const auto it = c.slis.find(text(ref));
    if (it == c.slis.end())
      return error_at(c, ref, fmt::format("indicatorRef \"{}\" names no SLI document", text(ref)));
    sli = it->second.node["spec"];
  } else {
    return error_at(c, spec, "the SLO has neither indicator nor indicatorRef");
  }
  if (!sli || !sli.IsMap()) return error_at(c, spec, "the indicator has no spec");
  return sli;
}

std::optional<severity> severity_named(const std::string& s) {
  for (const auto level : {severity::warning, severity::error, severity::critical}) {
    if (s == name(level)) return level;
  }
  return std::nullopt;
}

expected<double> target_of(const context& c, const YAML::Node& objective) {
  try {
    if (objective["target"]) return objective["target"].as<double>();
    if (objective["targetPercent"]) return objective["targetPercent"].as<double>() / 100;
  } catch (const YAML::Exception&) {
  }
  return error_at(c, objective, "an objective needs a numeric target (or targetPercent)");
}

/// The annotations perftrack wrote on export (kind, operations, ...).
std::map<std::string, std::string> perftrack_annotations(const YAML::Node& metadata) {
  std::map<std::string, std::string> out;
  if (const YAML::Node a = metadata["annotations"]; a && a.IsMap()) {
    for (const auto& kv : a) {
      const std::string key = kv.first.as<std::string>();
      if (key.rfind(annotation, 0) == 0 && kv.second.IsScalar())
        out[key.substr(annotation.size())] = kv.second.Scalar();
    }
  }
  return out;
}

/// The strings of a JSON array text; none when it is not one.
std::vector<std::string> json_strings(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& s : j) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

/// Reads annotations back into `t`: operations, threshold, min_events, unit,
/// benchmarks (JSON texts where lists).
void apply_annotations(const std::map<std::string, std::string>& a, table& t) {
  const auto at = [&](const char* key) {
    const auto it = a.find(key);
    return it == a.end() ? std::optional<std::string>() : it->second;
  };
  if (const auto ops = at("operations")) put(t, "operations", toml_strings(json_strings(*ops)));
  if (const auto th = at("threshold")) put(t, "threshold", toml_string(*th + "s"));
  if (const auto n = at("min-events"); n && n->find_first_not_of("0123456789") == std::string::npos)
    put(t, "min_events", *n);
  if (const auto unit = at("unit")) put(t, "unit", toml_string(*unit));
  if (const auto bench = at("benchmarks")) {
    const auto b = nlohmann::json::parse(*bench, nullptr, false);
    if (!b.is_object() || !b.contains("names")) return;
    const std::string names = toml_strings(json_strings(b["names"].dump()));
    if (b.contains("value") && b["value"].is_string() && b.value("scale", 1.0) > 0) {
      put(t, "benchmarks",
          fmt::format("{{ names = {}, value = {}, scale = {} }}", names,
                      toml_string(b["value"].get<std::string>()),
                      toml_number(b.value("scale", 1.0))));
    } else {
      put(t, "benchmarks", names);
    }
  }
}

struct slo_view {
  std::string name, description;
  std::map<std::string, std::string> annotations;
  YAML::Node sli, objectives;
};

expected<std::vector<table>> ratio_objectives(const context& c, const slo_view& s,
                                              const std::string& kind) {
  const YAML::Node ratio = s.sli["ratioMetric"];
  if (ratio["raw"] || ratio["rawType"])
    return error_at(c, ratio,
                    "raw ratio metrics are not supported: give counters of good or "
                    "bad events and of all events");
  if (ratio["counter"] && !ratio["counter"].as<bool>(false))
    return error_at(c, ratio,
                    "counter: false (gauges of events) is not supported: perftrack "
                    "takes the rate of counters");
  table base{{"name", toml_string(s.name)},
             {"description", toml_string(s.description)},
             {"kind", toml_string(kind)}};
  if (kind == "ratio") {
    for (const char* key : {"good", "bad", "total"}) {
      if (!ratio[key]) continue;
      auto q = query_of(c, ratio[key], fmt::format("ratioMetric.{}", key));
      if (!q) return q.error();
      put(base, std::string(key) + "_query", toml_string(*q));
    }
  }
  apply_annotations(s.annotations, base);
  std::vector<table> out;
  if (kind == "error_rate") {
    table t = base;
    for (const auto& o : s.objectives) {
      const auto level = severity_named(text(o["displayName"]));
      auto target = target_of(c, o);
      if (!target) return target.error();
      if (!level) return error_at(c, o, "an error_rate objective's displayName is its severity");
      put(t, std::string(name(*level)), (decimal{1, 0} - decimal::from_double(*target)).text());
    }
    out.push_back(std::move(t));
    return out;
  }
  for (std::size_t i = 0; i < s.objectives.size(); ++i) {
    auto target = target_of(c, s.objectives[i]);
    if (!target) return target.error();
    table t = base;
    if (s.objectives.size() > 1) put(t, "name", toml_string(fmt::format("{}-{}", s.name, i + 1)));
    put(t, "target", toml_number(*target));
    out.push_back(std::move(t));
  }
  return out;
}

expected<std::vector<table>> gauge_objective(const context& c, const slo_view& s) {
  auto query = query_of(c, s.sli["thresholdMetric"], "thresholdMetric");
  if (!query) return query.error();
  table t{{"name", toml_string(s.name)},
          {"description", toml_string(s.description)},
          {"kind", toml_string("gauge")},
          {"query", toml_string(*query)}};
  apply_annotations(s.annotations, t);
  for (const auto& o : s.objectives) {
    const std::string op = text(o["op"]);
    if (op != "lte" && op != "lt" && op != "gte" && op != "gt")
      return error_at(c, o, "a threshold objective needs op: lte, lt, gte or gt");
    put(t, "below", op == "gte" || op == "gt" ? "true" : "false");
    double value = 0;
    try {
      value = o["value"].as<double>();
    } catch (const YAML::Exception&) {
      return error_at(c, o, "a threshold objective needs a numeric value");
    }
    auto level = severity_named(text(o["displayName"]));
    if (!level && s.objectives.size() == 1) level = severity::error;
    if (!level)
      return error_at(c, o,
                      "with several threshold objectives, name each by its severity "
                      "(displayName: warning, error or critical)");
    put(t, std::string(name(*level)), toml_number(value));
    if (o["timeSliceWindow"]) put(t, "for", toml_string(text(o["timeSliceWindow"])));
  }
  return std::vector<table>{std::move(t)};
}

expected<std::vector<table>> objectives_of_slo(const context& c, const document& d) {
  const YAML::Node spec = d.node["spec"];
  if (!spec || !spec.IsMap()) return error_at(c, d.node, "an SLO document needs a spec");
  auto sli = indicator_of(c, spec);
  if (!sli) return sli.error();
  slo_view s;
  s.annotations = perftrack_annotations(d.node["metadata"]);
  s.name = s.annotations.count("name") ? s.annotations["name"] : text(d.node["metadata"]["name"]);
  s.description = text(spec["description"], text(d.node["metadata"]["displayName"], s.name));
  s.sli = *sli;
  s.objectives = spec["objectives"];
  if (s.name.empty()) return error_at(c, d.node, "an SLO needs metadata.name");
  if (!s.objectives || !s.objectives.IsSequence() || s.objectives.size() == 0)
    return error_at(c, spec, fmt::format("SLO \"{}\" has no objectives", s.name));
  const std::string hinted = s.annotations.count("kind") ? s.annotations["kind"] : "";
  if (s.sli["thresholdMetric"]) return gauge_objective(c, s);
  if (!s.sli["ratioMetric"])
    return error_at(c, spec,
                    fmt::format("SLO \"{}\": the indicator has neither ratioMetric nor "
                                "thresholdMetric",
                                s.name));
  // An export of perftrack's own objective reads back as its kind; any other
  // ratio keeps its queries.
  return ratio_objectives(c, s, hinted.empty() || hinted == "gauge" ? "ratio" : hinted);
}

expected<openslo_import> import_documents(std::string_view yaml, const std::string& source);

}  // namespace

std::string export_openslo(const objective_set& set) {
  YAML::Emitter y;
  y.SetIndent(2);
  std::set<std::string> taken;
  for (const auto& o : set.objectives) slo_document(y, o, set.period, dns_name(o.name, taken));
  return fmt::format(
      "# OpenSLO v1, exported by `perftrack slo export` from {}.\n"
      "# perftrack.dev/ annotations keep what OpenSLO has no field for (docs/slo.md).\n{}\n",
      set.source, y.c_str());
}

expected<openslo_import> import_openslo(std::string_view yaml, const std::string& source) {
  // yaml-cpp throws where a node is not the shape asked for (a scalar where a
  // map was expected, a number out of range): refused, naming the place.
  try {
    return import_documents(yaml, source);
  } catch (const YAML::Exception& e) {
    return failure{fmt::format("{}:{}: not the OpenSLO shape expected: {}", source,
                               e.mark.is_null() ? 0 : e.mark.line + 1, e.msg)};
  } catch (const std::exception& e) {
    return failure{fmt::format("{}: cannot read it: {}", source, e.what())};
  }
}

namespace {

expected<openslo_import> import_documents(std::string_view yaml, const std::string& source) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    return failure{fmt::format("{}:{}: not YAML: {}", source, e.mark.line + 1, e.msg)};
  }
  std::map<std::string, document> slis, sources;
  std::vector<document> slos;
  openslo_import out;
  for (const auto& n : docs) {
    if (!n.IsMap()) continue;
    const document d{n, n.Mark().line + 1};
    const std::string api = text(n["apiVersion"]), kind = text(n["kind"]);
    if (api != "openslo/v1") {
      return failure{
          fmt::format("{}:{}: apiVersion \"{}\": perftrack reads OpenSLO v1 "
                      "(apiVersion: openslo/v1)",
                      source, d.line, api)};
    }
    if (kind == "SLO")
      slos.push_back(d);
    else if (kind == "SLI")
      slis[text(n["metadata"]["name"])] = d;
    else if (kind == "DataSource")
      sources[text(n["metadata"]["name"])] = d;
    else
      out.notes.push_back(fmt::format("left out the {} document at line {}", kind, d.line));
  }
  if (slos.empty()) return failure{source + ": no SLO document (kind: SLO) to import"};
  const context c{source, slis, sources};
  std::string period;
  std::vector<table> objectives;
  for (const auto& d : slos) {
    auto tables = objectives_of_slo(c, d);
    if (!tables) return tables.error();
    const YAML::Node window = d.node["spec"]["timeWindow"];
    const YAML::Node first =
        window && window.IsSequence() && window.size() > 0 ? window[0] : YAML::Node();
    if (first) {
      if (!first["isRolling"].as<bool>(true))
        out.notes.push_back(fmt::format("line {}: a calendar window read as rolling", d.line));
      auto w = duration_of(text(first["duration"]), out.notes);
      if (!w) return error_at(c, first, "timeWindow.duration must be like 30d, 4w or 1M");
      for (auto& t : *tables) {
        if (get(t, "kind") == toml_string("error_rate")) {
          put(t, "window", toml_string(*w));
        } else if (period.empty()) {
          period = *w;
        } else if (period != *w) {
          return error_at(c, first,
                          fmt::format("compliance window {} differs from {} of the "
                                      "SLOs before it: perftrack keeps one period a "
                                      "file, so split the file",
                                      *w, period));
        }
      }
    }
    for (auto& t : *tables) {
      // Checked as --slo would check it, alone, with the SLO's line.
      auto checked = parse_objectives(toml_text(period, {t}),
                                      fmt::format("{}:{} (the SLO as TOML)", source, d.line));
      if (!checked) return checked.error();
      objectives.push_back(std::move(t));
    }
  }
  out.objectives = objectives.size();
  out.toml = fmt::format("# Imported by `perftrack slo import` from {} (OpenSLO v1).\n{}", source,
                         toml_text(period, objectives));
  auto whole = parse_objectives(out.toml, source + " (imported)");
  if (!whole) return whole.error();
  return out;
}

}  // namespace

}  // namespace perftrack::slo
