// The gate's thresholds: the performance plan's defaults, the rules that
// override them per benchmark, and the thresholds file (docs/compare.md), read
// with toml++.

#include <toml++/toml.h>

#include <set>
#include <string_view>

#include "perftrack/gate/compare.hpp"

namespace perftrack::gate {
namespace {

/// A rule's benchmark or metric pattern: `*` matches any run of characters.
bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative `*` matching with backtracking to the last star.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

/// Reads a number (integer or float) into `out`; false when the key holds
/// something else.
bool read_number(const toml::table& t, const char* key, std::optional<double>& out) {
  const auto node = t[key];
  if (!node) return true;
  if (const auto v = node.value<double>()) {
    out = *v;
    return true;
  }
  return false;
}

std::string check_keys(const toml::table& t, const std::set<std::string>& allowed,
                       const std::string& where) {
  for (const auto& [key, value] : t) {
    if (!allowed.count(std::string(key.str())))
      return where + ": unknown key \"" + std::string(key.str()) + "\"";
  }
  return {};
}

const std::set<std::string>& threshold_keys() {
  static const std::set<std::string> keys{
      "warning",          "critical",        "improvement", "count_tolerance",
      "growth_tolerance", "lower_is_better", "skip"};
  return keys;
}

// A non-negative number at `key`, when there is one; the error otherwise.
std::string read_non_negative(const toml::table& t, const char* key, double& into,
                              const std::string& where) {
  std::optional<double> v;
  if (!read_number(t, key, v)) return where + ": \"" + key + "\" must be a number";
  if (v) {
    if (*v < 0) return where + ": \"" + key + "\" must not be negative";
    into = *v;
  }
  return {};
}

// The top-level settings: fdr, noise floors, max_cv, confidence, samples.
std::string read_settings(const toml::table& doc, gate_config& c, const std::string& source) {
  const std::pair<const char*, double*> numbers[] = {{"fdr", &c.fdr},
                                                     {"min_noise_floor", &c.min_noise_floor},
                                                     {"noise_multiplier", &c.noise_multiplier},
                                                     {"max_cv", &c.max_cv},
                                                     {"confidence", &c.confidence}};
  for (const auto& [key, field] : numbers) {
    if (auto bad = read_non_negative(doc, key, *field, source); !bad.empty()) return bad;
  }
  if (c.confidence <= 0 || c.confidence >= 1)
    return source + ": \"confidence\" must be between 0 and 1, e.g. 0.95";
  if (const auto n = doc["min_samples"].value<std::int64_t>()) {
    if (*n < 2) return source + ": \"min_samples\" must be at least 2";
    c.min_samples = static_cast<std::size_t>(*n);
  }
  if (const auto n = doc["resamples"].value<std::int64_t>()) {
    if (*n < 100 || *n > 1'000'000)
      return source + ": \"resamples\" must be between 100 and 1000000";
    c.resamples = static_cast<int>(*n);
  }
  return {};
}

std::string read_flag(const toml::table& t, const char* key, std::optional<bool>& into,
                      const std::string& where) {
  if (const auto node = t[key]) {
    const auto v = node.value_exact<bool>();  // not 3 or "yes"
    if (!v) return where + ": \"" + key + "\" must be true or false";
    into = *v;
  }
  return {};
}

// The thresholds of [defaults] or a [[rule]].
std::string read_rule(const toml::table& t, threshold_rule& r, const std::string& where) {
  const std::pair<const char*, std::optional<double>*> numbers[] = {
      {"warning", &r.warning},
      {"critical", &r.critical},
      {"improvement", &r.improvement},
      {"count_tolerance", &r.count_tolerance},
      {"growth_tolerance", &r.growth_tolerance}};
  for (const auto& [key, field] : numbers) {
    if (!read_number(t, key, *field))
      return where + ": \"" + key + "\" must be a number (a fraction: 0.10 is 10%)";
    if (*field && **field < 0) return where + ": \"" + key + "\" must not be negative";
  }
  if (auto bad = read_flag(t, "lower_is_better", r.lower_is_better, where); !bad.empty())
    return bad;
  if (auto bad = read_flag(t, "skip", r.skip, where); !bad.empty()) return bad;
  if (r.warning && r.critical && *r.warning > *r.critical)
    return where + ": \"warning\" is above \"critical\"";
  return {};
}

std::string read_defaults(const toml::table& doc, gate_config& c, const std::string& source) {
  const auto node = doc["defaults"];
  if (!node) return {};
  const toml::table* t = node.as_table();
  if (t == nullptr) return source + ": [defaults] must be a table";
  if (auto bad = check_keys(*t, threshold_keys(), source + ": [defaults]"); !bad.empty())
    return bad;
  threshold_rule d;
  if (auto bad = read_rule(*t, d, source + ": [defaults]"); !bad.empty()) return bad;
  if (d.warning) c.defaults.warning = *d.warning;
  if (d.critical) c.defaults.critical = *d.critical;
  if (d.improvement) c.defaults.improvement = *d.improvement;
  if (d.count_tolerance) c.defaults.count_tolerance = *d.count_tolerance;
  if (d.growth_tolerance) c.defaults.growth_tolerance = *d.growth_tolerance;
  if (d.lower_is_better) c.defaults.lower_is_better = *d.lower_is_better;
  if (d.skip) c.defaults.skip = *d.skip;
  return {};
}

std::string read_rules(const toml::table& doc, gate_config& c, const std::string& source) {
  const auto node = doc["rule"];
  if (!node) return {};
  const toml::array* list = node.as_array();
  if (list == nullptr) return source + ": rules are [[rule]] tables";
  std::set<std::string> rule_keys = threshold_keys();
  rule_keys.insert({"category", "benchmark", "metric"});
  int index = 0;
  for (const auto& item : *list) {
    const std::string where = source + ": rule " + std::to_string(++index);
    const toml::table* t = item.as_table();
    if (t == nullptr) return where + " is not a table";
    if (auto bad = check_keys(*t, rule_keys, where); !bad.empty()) return bad;
    threshold_rule r;
    r.category = (*t)["category"].value_or(std::string());
    r.benchmark = (*t)["benchmark"].value_or(std::string());
    r.metric = (*t)["metric"].value_or(std::string());
    if (auto bad = read_rule(*t, r, where); !bad.empty()) return bad;
    c.rules.push_back(std::move(r));
  }
  return {};
}

}  // namespace

gate_config gate_config::plan_defaults() {
  gate_config c;
  const auto critical_for = [&](const char* category, double critical) {
    threshold_rule r;
    r.category = category;
    r.critical = critical;
    c.rules.push_back(std::move(r));
  };
  critical_for("agent_spawn", 0.10);
  critical_for("memory", 0.20);
  critical_for("message_throughput", 0.15);
  critical_for("database", 0.10);
  threshold_rule leak;
  leak.benchmark = "memory/leak_check";
  leak.metric = "memory";
  leak.growth_tolerance = 0;
  c.rules.push_back(std::move(leak));
  // One RSS or heap reading per run (the last sample's counter), and the
  // failovers' part past the lease's end (a few events): noise that no test
  // can judge; the benchmarks' own samples are judged instead.
  for (const char* noisy : {"rss_*", "heap_*", "beyond_ttl_*"}) {
    threshold_rule r;
    r.metric = noisy;
    r.skip = true;
    c.rules.push_back(std::move(r));
  }
  // The leak check's allocation counters: one reading of a multi-threaded run,
  // whose envelope pools depend on scheduling (12% apart between A/A runs
  // here); the leak itself is judged on the benchmark's own samples.
  for (const char* noisy : {"allocations", "allocated_bytes"}) {
    threshold_rule r;
    r.benchmark = "memory/leak_check";
    r.metric = noisy;
    r.skip = true;
    c.rules.push_back(std::move(r));
  }
  return c;
}

thresholds gate_config::for_metric(std::string_view category, std::string_view benchmark,
                                   std::string_view metric_name) const {
  thresholds t = defaults;
  for (const auto& r : rules) {
    if (!r.category.empty() && r.category != category) continue;
    if (!r.benchmark.empty() && !glob_match(r.benchmark, benchmark)) continue;
    if (!r.metric.empty() && !glob_match(r.metric, metric_name)) continue;
    if (r.warning) t.warning = *r.warning;
    if (r.critical) t.critical = *r.critical;
    if (r.improvement) t.improvement = *r.improvement;
    if (r.count_tolerance) t.count_tolerance = *r.count_tolerance;
    if (r.growth_tolerance) t.growth_tolerance = *r.growth_tolerance;
    if (r.lower_is_better) t.lower_is_better = *r.lower_is_better;
    if (r.skip) t.skip = *r.skip;
  }
  return t;
}

expected<gate_config> gate_config::from_toml(std::string_view text, const std::string& source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return failure{source + ":" + std::to_string(e.source().begin.line) + ": " +
                   std::string(e.description())};
  }
  if (auto bad = check_keys(doc,
                            {"fdr", "min_noise_floor", "noise_multiplier", "max_cv", "min_samples",
                             "resamples", "confidence", "defaults", "rule"},
                            source);
      !bad.empty())
    return failure{bad};
  gate_config c = plan_defaults();
  for (const auto read : {read_settings, read_defaults, read_rules}) {
    if (auto bad = read(doc, c, source); !bad.empty()) return failure{bad};
  }
  return c;
}

}  // namespace perftrack::gate
