// The thresholds file (docs/compare.md), read with toml++.

#include <toml++/toml.h>

#include <set>

#include "perftrack/gate/compare.hpp"

namespace perftrack::gate {
namespace {

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

}  // namespace

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
  const auto fraction = [&](const toml::table& t, const char* key, double& into,
                            const std::string& where) -> std::string {
    std::optional<double> v;
    if (!read_number(t, key, v)) return where + ": \"" + key + "\" must be a number";
    if (v) {
      if (*v < 0) return where + ": \"" + key + "\" must not be negative";
      into = *v;
    }
    return {};
  };
  for (const char* key : {"fdr", "min_noise_floor", "noise_multiplier", "max_cv", "confidence"}) {
    double* field = key == std::string_view("fdr")                ? &c.fdr
                    : key == std::string_view("min_noise_floor")  ? &c.min_noise_floor
                    : key == std::string_view("noise_multiplier") ? &c.noise_multiplier
                    : key == std::string_view("max_cv")           ? &c.max_cv
                                                                  : &c.confidence;
    if (auto bad = fraction(doc, key, *field, source); !bad.empty()) return failure{bad};
  }
  if (c.confidence <= 0 || c.confidence >= 1)
    return failure{source + ": \"confidence\" must be between 0 and 1, e.g. 0.95"};
  if (const auto n = doc["min_samples"].value<std::int64_t>()) {
    if (*n < 2) return failure{source + ": \"min_samples\" must be at least 2"};
    c.min_samples = static_cast<std::size_t>(*n);
  }
  if (const auto n = doc["resamples"].value<std::int64_t>()) {
    if (*n < 100 || *n > 1'000'000)
      return failure{source + ": \"resamples\" must be between 100 and 1000000"};
    c.resamples = static_cast<int>(*n);
  }

  const std::set<std::string> threshold_keys{
      "warning",          "critical",        "improvement", "count_tolerance",
      "growth_tolerance", "lower_is_better", "skip"};
  const auto read_rule = [&](const toml::table& t, threshold_rule& r,
                             const std::string& where) -> std::string {
    std::optional<double>* numbers[] = {&r.warning, &r.critical, &r.improvement, &r.count_tolerance,
                                        &r.growth_tolerance};
    const char* names[] = {"warning", "critical", "improvement", "count_tolerance",
                           "growth_tolerance"};
    for (int i = 0; i < 5; ++i) {
      if (!read_number(t, names[i], *numbers[i]))
        return where + ": \"" + names[i] + "\" must be a number (a fraction: 0.10 is 10%)";
      if (*numbers[i] && **numbers[i] < 0)
        return where + ": \"" + names[i] + "\" must not be negative";
    }
    if (const auto node = t["lower_is_better"]) {
      const auto v = node.value<bool>();
      if (!v) return where + ": \"lower_is_better\" must be true or false";
      r.lower_is_better = *v;
    }
    if (const auto node = t["skip"]) {
      const auto v = node.value<bool>();
      if (!v) return where + ": \"skip\" must be true or false";
      r.skip = *v;
    }
    if (r.warning && r.critical && *r.warning > *r.critical)
      return where + ": \"warning\" is above \"critical\"";
    return {};
  };

  if (const auto node = doc["defaults"]) {
    const toml::table* t = node.as_table();
    if (t == nullptr) return failure{source + ": [defaults] must be a table"};
    if (auto bad = check_keys(*t, threshold_keys, source + ": [defaults]"); !bad.empty())
      return failure{bad};
    threshold_rule d;
    if (auto bad = read_rule(*t, d, source + ": [defaults]"); !bad.empty()) return failure{bad};
    if (d.warning) c.defaults.warning = *d.warning;
    if (d.critical) c.defaults.critical = *d.critical;
    if (d.improvement) c.defaults.improvement = *d.improvement;
    if (d.count_tolerance) c.defaults.count_tolerance = *d.count_tolerance;
    if (d.growth_tolerance) c.defaults.growth_tolerance = *d.growth_tolerance;
    if (d.lower_is_better) c.defaults.lower_is_better = *d.lower_is_better;
    if (d.skip) c.defaults.skip = *d.skip;
  }
  if (const auto node = doc["rule"]) {
    const toml::array* list = node.as_array();
    if (list == nullptr) return failure{source + ": rules are [[rule]] tables"};
    std::set<std::string> rule_keys = threshold_keys;
    rule_keys.insert({"category", "benchmark", "metric"});
    int index = 0;
    for (const auto& item : *list) {
      const std::string where = source + ": rule " + std::to_string(++index);
      const toml::table* t = item.as_table();
      if (t == nullptr) return failure{where + " is not a table"};
      if (auto bad = check_keys(*t, rule_keys, where); !bad.empty()) return failure{bad};
      threshold_rule r;
      r.category = (*t)["category"].value_or(std::string());
      r.benchmark = (*t)["benchmark"].value_or(std::string());
      r.metric = (*t)["metric"].value_or(std::string());
      if (auto bad = read_rule(*t, r, where); !bad.empty()) return failure{bad};
      c.rules.push_back(std::move(r));
    }
  }
  return c;
}

}  // namespace perftrack::gate
