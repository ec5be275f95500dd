// The baselines file (docs/slo.md), read with toml++.

#include "perftrack/slo/objectives.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "perftrack/exposition/agent_metrics.hpp"

namespace perftrack::slo {
namespace {

constexpr std::string_view builtin_baselines =
#include "baselines_toml.inc"
    ;

/// A fast-burn tier of 14.4x can fire only if 14.4 x (1 - target) <= 1.
const decimal fastest_factor{144, 1};

std::string at(const std::string& source, const toml::node& n) {
  return fmt::format("{}:{}", source, n.source().begin.line);
}

std::string check_keys(const toml::table& t, const std::set<std::string_view>& allowed,
                       const std::string& source, std::string_view what) {
  for (const auto& [key, value] : t) {
    if (allowed.count(key.str()) == 0) {
      std::vector<std::string_view> names(allowed.begin(), allowed.end());
      return fmt::format("{}: unknown key \"{}\" in {} (known: {})", at(source, value), key.str(),
                         what, fmt::join(names, ", "));
    }
  }
  return {};
}

/// A number perftrack can keep exact (decimal::representable), or nothing.
std::optional<double> number(const toml::node& n) {
  if (const auto v = n.value<double>(); v && decimal::representable(*v)) return *v;
  return std::nullopt;
}

/// A duration given as "10s"/"50ms" or as a number of seconds.
expected<double> duration_at(const toml::node& n, const std::string& source, std::string_view key) {
  std::optional<double> v;
  if (const auto s = n.value_exact<std::string>()) v = parse_duration_seconds(*s);
  if (!v) v = number(n);
  if (!v || !(*v > 0) || !std::isfinite(*v)) {
    return failure{
        fmt::format("{}: \"{}\" must be a positive duration such as \"10s\", \"50ms\" or \"5m\"",
                    at(source, n), key)};
  }
  return *v;
}

struct reader {
  const toml::table& t;
  const std::string& source;
  const toml::node& self;

  const toml::node* get(std::string_view key) const { return t.get(key); }
  std::string where() const { return at(source, self); }
};

std::string read_operations(const reader& r, objective& o, bool required) {
  const toml::node* n = r.get("operations");
  if (n == nullptr) {
    return required ? fmt::format(
                          "{}: objective \"{}\" has no \"operations\": list the "
                          "operations it counts, e.g. operations = [\"task_update\"]",
                          r.where(), o.name)
                    : std::string{};
  }
  const toml::array* list = n->as_array();
  if (list == nullptr)
    return fmt::format("{}: \"operations\" must be a list of names", at(r.source, *n));
  for (const auto& item : *list) {
    const auto s = item.value_exact<std::string>();
    if (!s || s->empty())
      return fmt::format("{}: operation names are non-empty strings", at(r.source, item));
    o.operations.push_back(*s);
  }
  if (required && o.operations.empty()) {
    return fmt::format("{}: objective \"{}\" has an empty \"operations\" list: name at least one",
                       at(r.source, *n), o.name);
  }
  return {};
}

std::string read_target(const reader& r, objective& o) {
  const toml::node* n = r.get("target");
  if (n == nullptr) {
    return fmt::format(
        "{}: objective \"{}\" has no \"target\" (the share of good events, e.g. 0.99)", r.where(),
        o.name);
  }
  const auto v = number(*n);
  if (!v || !(*v > 0 && *v < 1)) {
    return fmt::format("{}: \"target\" must be a share between 0 and 1 exclusive (0.99 is 99%)",
                       at(r.source, *n));
  }
  o.target = decimal::from_double(*v);
  const decimal burn_at_fastest = (decimal{1, 0} - o.target) * fastest_factor;
  if (burn_at_fastest.to_double() > 1) {
    return fmt::format(
        "{}: target {} leaves an error budget of {}, and the critical tier's 14.4x burn would need "
        "an error ratio of {} (over 100%): it could never fire. Use a target of at least 0.9306, "
        "or an error_rate objective with fixed tiers for looser goals",
        at(r.source, *n), o.target.text(), (decimal{1, 0} - o.target).text(),
        burn_at_fastest.text());
  }
  return {};
}

std::string read_threshold(const reader& r, objective& o) {
  const toml::node* n = r.get("threshold");
  if (n == nullptr) {
    return fmt::format("{}: latency objective \"{}\" has no \"threshold\" (e.g. \"50ms\")",
                       r.where(), o.name);
  }
  auto v = duration_at(*n, r.source, "threshold");
  if (!v) return v.error().message;
  const auto layout = exposition::agent_metrics::duration_layout();
  const auto& bounds = layout->bounds();
  const std::size_t i = layout->bucket_of(*v * (1 - 1e-9));
  if (i < bounds.size() && std::abs(bounds[i] - *v) <= 1e-9 * *v) {
    o.threshold_seconds = bounds[i];
    o.le = layout->le(i);
    return {};
  }
  const std::string below = i > 0 ? layout->le(i - 1) + " s" : "none";
  const std::string above = i < bounds.size() ? layout->le(i) + " s" : "none";
  return fmt::format(
      "{}: threshold {} s is not a bucket bound of agent_operation_duration_seconds, so "
      "Prometheus could not count the events within it; the nearest bounds are {} and {} "
      "(docs/slo.md lists them all)",
      at(r.source, *n), *v, below, above);
}

std::string read_tiers(const reader& r, objective& o) {
  for (const severity s : {severity::warning, severity::error, severity::critical}) {
    const toml::node* n = r.get(name(s));
    if (n == nullptr) continue;
    const auto v = number(*n);
    if (!v) {
      return fmt::format("{}: \"{}\" must be a number, 0 or between 1e-12 and 1e15 in size",
                         at(r.source, *n), name(s));
    }
    o.tiers.push_back({s, decimal::from_double(*v)});
  }
  if (o.tiers.empty()) {
    return fmt::format(
        "{}: objective \"{}\" has no tier: give at least one of warning, error, "
        "critical",
        r.where(), o.name);
  }
  for (std::size_t i = 1; i < o.tiers.size(); ++i) {
    const double a = o.tiers[i - 1].threshold.to_double(), b = o.tiers[i].threshold.to_double();
    if (o.below ? b > a : b < a) {
      return fmt::format(
          "{}: the tiers of \"{}\" must get stricter from warning to critical ({} "
          "is {} {} but {} is {})",
          r.where(), o.name, name(o.tiers[i].level), o.below ? "above" : "below",
          name(o.tiers[i - 1].level), name(o.tiers[i - 1].level), o.tiers[i - 1].threshold.text());
    }
  }
  return {};
}

std::string read_benchmark_names(const toml::array& list, const std::string& source,
                                 benchmark_use& use) {
  for (const auto& item : list) {
    const auto s = item.value_exact<std::string>();
    if (!s || s->empty())
      return fmt::format("{}: benchmark names are non-empty strings", at(source, item));
    use.names.push_back(*s);
  }
  if (use.names.empty())
    return fmt::format("{}: \"benchmarks\" names no benchmark", at(source, list));
  return {};
}

/// benchmarks = ["a/*", "b"], or for a gauge
/// benchmarks = { names = [...], value = "rate", scale = 60 }.
std::string read_benchmarks(const reader& r, objective& o) {
  const toml::node* n = r.get("benchmarks");
  if (n == nullptr) return {};
  benchmark_use use;
  const bool gauge = o.kind == objective_kind::gauge;
  if (const toml::array* list = n->as_array(); list != nullptr && !gauge) {
    if (auto bad = read_benchmark_names(*list, r.source, use); !bad.empty()) return bad;
    o.benchmarks = std::move(use);
    return {};
  }
  const toml::table* t = n->as_table();
  if (t == nullptr || !gauge) {
    return fmt::format(
        "{}: \"benchmarks\" is {} (docs/slo.md)", at(r.source, *n),
        gauge ? "a table for a gauge: { names = [\"task_completion/*\"], value = \"rate\", "
                "scale = 60 }"
              : "a list of benchmark names, e.g. [\"agent_spawn/single\"]");
  }
  if (auto bad = check_keys(*t, {"names", "value", "scale"}, r.source, "\"benchmarks\"");
      !bad.empty())
    return bad;
  const toml::array* names = (*t)["names"].as_array();
  if (names == nullptr)
    return fmt::format("{}: \"benchmarks\" needs \"names\", a list", at(r.source, *n));
  if (auto bad = read_benchmark_names(*names, r.source, use); !bad.empty()) return bad;
  use.value = (*t)["value"].value_or(std::string());
  if (use.value != "rate" && use.value != "peak_rss") {
    return fmt::format(
        "{}: \"value\" of \"benchmarks\" is \"rate\" (operations per second) or "
        "\"peak_rss\" (the peak resident memory, bytes)",
        at(r.source, *n));
  }
  if (const toml::node* scale = t->get("scale")) {
    const auto v = number(*scale);
    if (!v || !(*v > 0))
      return fmt::format("{}: \"scale\" must be a positive number", at(r.source, *scale));
    use.scale = *v;
  }
  o.benchmarks = std::move(use);
  return {};
}

/// A ratio's query: a selector, or PromQL with {{.window}} (a rate already).
std::string read_query(const reader& r, std::string_view key, std::string& into) {
  const toml::node* n = r.get(key);
  if (n == nullptr) return {};
  const auto text = n->value_exact<std::string>();
  if (!text || text->empty())
    return fmt::format("{}: \"{}\" must be a PromQL string", at(r.source, *n), key);
  if (text->find("{{.window}}") == std::string::npos &&
      text->find_first_of("()") != std::string::npos) {
    return fmt::format(
        "{}: \"{}\" is an expression but has no {{{{.window}}}}: give a counter's selector "
        "(e.g. http_requests_total{{code=~\"5..\"}}), or write the rate yourself with "
        "{{{{.window}}}} where the window goes (sum(rate(x[{{{{.window}}}}])))",
        at(r.source, *n), key);
  }
  into = *text;
  return {};
}

std::string read_ratio_queries(const reader& r, objective& o) {
  for (const auto& [key, into] :
       {std::pair<std::string_view, std::string*>{"good_query", &o.good_query},
        {"bad_query", &o.bad_query},
        {"total_query", &o.total_query}}) {
    if (auto bad = read_query(r, key, *into); !bad.empty()) return bad;
  }
  if (o.total_query.empty() || o.good_query.empty() == o.bad_query.empty()) {
    return fmt::format(
        "{}: ratio objective \"{}\" needs \"total_query\" and one of \"good_query\" or "
        "\"bad_query\"",
        r.where(), o.name);
  }
  return {};
}

std::string read_kind_fields(const reader& r, objective& o) {
  switch (o.kind) {
    case objective_kind::latency:
      if (auto bad = read_operations(r, o, true); !bad.empty()) return bad;
      if (auto bad = read_threshold(r, o); !bad.empty()) return bad;
      return read_target(r, o);
    case objective_kind::success:
      if (auto bad = read_operations(r, o, true); !bad.empty()) return bad;
      return read_target(r, o);
    case objective_kind::error_rate: {
      if (auto bad = read_operations(r, o, false); !bad.empty()) return bad;
      if (const toml::node* n = r.get("window")) {
        auto v = duration_at(*n, r.source, "window");
        if (!v) return v.error().message;
        o.window = seconds(static_cast<std::int64_t>(std::llround(*v)));
      }
      if (auto bad = read_tiers(r, o); !bad.empty()) return bad;
      for (const auto& t : o.tiers) {
        const double v = t.threshold.to_double();
        if (!(v > 0 && v <= 1))
          return fmt::format("{}: error-rate tiers are shares between 0 and 1 (0.05 is 5%)",
                             r.where());
      }
      return {};
    }
    case objective_kind::ratio: {
      if (auto bad = read_ratio_queries(r, o); !bad.empty()) return bad;
      return read_target(r, o);
    }
    case objective_kind::gauge: {
      const toml::node* q = r.get("query");
      const auto text = q != nullptr ? q->value_exact<std::string>() : std::nullopt;
      if (!text || text->empty()) {
        return fmt::format("{}: gauge objective \"{}\" needs a \"query\" (PromQL)", r.where(),
                           o.name);
      }
      o.query = *text;
      if (const toml::node* n = r.get("unit")) o.unit = n->value_or(std::string());
      if (const toml::node* n = r.get("below")) {
        const auto b = n->value_exact<bool>();
        if (!b) return fmt::format("{}: \"below\" must be true or false", at(r.source, *n));
        o.below = *b;
      }
      if (const toml::node* n = r.get("for")) {
        auto v = duration_at(*n, r.source, "for");
        if (!v) return v.error().message;
        o.for_duration = seconds(static_cast<std::int64_t>(std::llround(*v)));
      }
      return read_tiers(r, o);
    }
  }
  return {};
}

const std::set<std::string_view>& allowed_keys(objective_kind k) {
  static const std::set<std::string_view> latency{"name",       "description", "kind",
                                                  "operations", "threshold",   "target",
                                                  "min_events", "benchmarks"};
  static const std::set<std::string_view> success{
      "name", "description", "kind", "operations", "target", "min_events", "benchmarks"};
  static const std::set<std::string_view> error_rate{
      "name",    "description", "kind",     "operations", "window",
      "warning", "error",       "critical", "min_events", "benchmarks"};
  static const std::set<std::string_view> gauge{"name",  "description", "kind",      "query",
                                                "unit",  "below",       "for",       "warning",
                                                "error", "critical",    "benchmarks"};
  static const std::set<std::string_view> ratio{"name",      "description", "kind",   "good_query",
                                                "bad_query", "total_query", "target", "min_events"};
  switch (k) {
    case objective_kind::ratio: return ratio;
    case objective_kind::latency: return latency;
    case objective_kind::success: return success;
    case objective_kind::error_rate: return error_rate;
    case objective_kind::gauge: return gauge;
  }
  return gauge;
}

expected<objective> read_objective(const toml::node& item, const std::string& source,
                                   std::uint64_t min_events) {
  const toml::table* t = item.as_table();
  if (t == nullptr) return failure{at(source, item) + ": an [[objective]] must be a table"};
  const reader r{*t, source, item};
  objective o;
  o.line = static_cast<int>(item.source().begin.line);
  o.min_events = min_events;
  const auto name_text = (*t)["name"].value_exact<std::string>();
  if (!name_text || name_text->empty()) {
    return failure{r.where() +
                   ": an objective needs a \"name\" (a string; it becomes the slo label)"};
  }
  o.name = *name_text;
  o.description = (*t)["description"].value_or(o.name);
  const std::string kind = (*t)["kind"].value_or(std::string());
  const std::pair<std::string_view, objective_kind> kinds[] = {
      {"latency", objective_kind::latency},
      {"success", objective_kind::success},
      {"error_rate", objective_kind::error_rate},
      {"gauge", objective_kind::gauge},
      {"ratio", objective_kind::ratio}};
  const auto k = std::find_if(std::begin(kinds), std::end(kinds),
                              [&](const auto& p) { return p.first == kind; });
  if (k == std::end(kinds)) {
    return failure{
        fmt::format("{}: objective \"{}\" has kind \"{}\"; use latency, success, "
                    "error_rate, gauge or ratio",
                    r.where(), o.name, kind)};
  }
  o.kind = k->second;
  if (auto bad = check_keys(*t, allowed_keys(o.kind), source, "a " + kind + " objective");
      !bad.empty())
    return failure{bad};
  if (const toml::node* n = r.get("min_events")) {
    const auto v = n->value_exact<std::int64_t>();
    if (!v || *v < 0)
      return failure{at(source, *n) + ": \"min_events\" must be a whole number >= 0"};
    o.min_events = static_cast<std::uint64_t>(*v);
  }
  if (auto bad = read_kind_fields(r, o); !bad.empty()) return failure{bad};
  if (auto bad = read_benchmarks(r, o); !bad.empty()) return failure{bad};
  return o;
}

expected<objective_set> read_document(const toml::table& doc, const std::string& source) {
  if (auto bad = check_keys(doc, {"period", "min_events", "objective"}, source, "the file");
      !bad.empty())
    return failure{bad};
  objective_set set;
  set.source = source;
  if (const toml::node* n = doc.get("period")) {
    auto v = duration_at(*n, source, "period");
    if (!v) return v.error();
    set.period = seconds(static_cast<std::int64_t>(std::llround(*v)));
  }
  std::uint64_t min_events = 100;
  if (const toml::node* n = doc.get("min_events")) {
    const auto v = n->value_exact<std::int64_t>();
    if (!v || *v < 0)
      return failure{at(source, *n) + ": \"min_events\" must be a whole number >= 0"};
    min_events = static_cast<std::uint64_t>(*v);
  }
  const toml::array* list = doc["objective"].as_array();
  if (list == nullptr || list->empty()) {
    return failure{source + ": no [[objective]] tables: define at least one (docs/slo.md)"};
  }
  std::set<std::string> names;
  for (const auto& item : *list) {
    auto o = read_objective(item, source, min_events);
    if (!o) return o.error();
    if (!names.insert(o->name).second) {
      return failure{fmt::format("{}: a second objective named \"{}\": names must be unique",
                                 at(source, item), o->name)};
    }
    set.objectives.push_back(std::move(o).value());
  }
  return set;
}

}  // namespace

std::string_view name(severity s) noexcept {
  switch (s) {
    case severity::warning: return "warning";
    case severity::error: return "error";
    case severity::critical: return "critical";
  }
  return "?";
}

std::string_view name(objective_kind k) noexcept {
  switch (k) {
    case objective_kind::latency: return "latency";
    case objective_kind::success: return "success";
    case objective_kind::error_rate: return "error_rate";
    case objective_kind::gauge: return "gauge";
    case objective_kind::ratio: return "ratio";
  }
  return "?";
}

const std::vector<burn_tier>& burn_tiers() {
  using std::chrono::hours;
  using std::chrono::minutes;
  static const std::vector<burn_tier> tiers{
      {severity::critical, decimal{144, 1}, hours(1), minutes(5)},
      {severity::error, decimal{6, 0}, hours(6), minutes(30)},
      {severity::warning, decimal{3, 0}, hours(24), hours(2)},
      {severity::warning, decimal{1, 0}, hours(72), hours(6)},
  };
  return tiers;
}

const std::vector<seconds>& burn_windows() {
  static const std::vector<seconds> windows = [] {
    std::vector<seconds> w;
    for (const auto& t : burn_tiers()) {
      w.push_back(t.long_window);
      w.push_back(t.short_window);
    }
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
    return w;
  }();
  return windows;
}

std::optional<double> parse_duration_seconds(std::string_view text) {
  const std::pair<std::string_view, double> units[] = {
      {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800}};
  for (const auto& [suffix, scale] : units) {
    if (text.size() <= suffix.size() || !text.ends_with(suffix)) continue;
    const std::string digits(text.substr(0, text.size() - suffix.size()));
    if (digits.find_first_not_of("0123456789.") != std::string::npos) continue;
    char* end = nullptr;
    const double v = std::strtod(digits.c_str(), &end);
    if (end == digits.c_str() + digits.size()) return v * scale;
  }
  return std::nullopt;
}

std::string prometheus_duration(seconds s) {
  const std::int64_t n = s.count();
  if (n != 0 && n % 86400 == 0) return fmt::format("{}d", n / 86400);
  if (n != 0 && n % 3600 == 0) return fmt::format("{}h", n / 3600);
  if (n != 0 && n % 60 == 0) return fmt::format("{}m", n / 60);
  return fmt::format("{}s", n);
}

std::string_view default_baselines_toml() noexcept { return builtin_baselines; }

expected<objective_set> default_objectives() {
  return parse_objectives(builtin_baselines, "built-in baselines (slo/baselines.toml)");
}

expected<objective_set> parse_objectives(std::string_view text, const std::string& source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return failure{fmt::format("{}:{}: {}", source, e.source().begin.line, e.description())};
  }
  return read_document(doc, source);
}

expected<objective_set> load_objectives(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return failure{
        fmt::format("cannot read {}: give an existing baselines file with --slo, or "
                    "leave --slo out for the built-in baselines",
                    file.string())};
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_objectives(text.str(), file.string());
}

}  // namespace perftrack::slo
