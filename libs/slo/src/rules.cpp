// perftrack slo rules: rules.yml, rules_test.yml and alertmanager.yml.
// Every string is written as a JSON string, which YAML reads as a
// double-quoted scalar: names from users' files cannot break the YAML.

#include "perftrack/slo/rules.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "selectors.hpp"

namespace perftrack::slo {
namespace {

constexpr std::string_view error_record = "slo:sli_error:ratio_rate";
constexpr std::string_view events_record = "slo:sli_events:increase";
constexpr std::string_view gauge_record = "slo:gauge:value";
constexpr std::string_view test_operation = "slo_test_operation";
constexpr std::string_view test_job = "perftrack";

/// A YAML scalar: the JSON text of `s` (invalid UTF-8 replaced).
std::string q(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// A ratio objective's query as a per-second rate over `w`: its own PromQL with
/// the window put in, or the rate of a counter's selector.
std::string ratio_rate(const std::string& query, seconds w) {
  const std::string range = prometheus_duration(w);
  if (query.find(selectors::window_placeholder) == std::string::npos)
    return fmt::format("sum(rate({}[{}]))", query, range);
  std::string out = query;
  for (auto at = out.find(selectors::window_placeholder); at != std::string::npos;
       at = out.find(selectors::window_placeholder, at + range.size()))
    out.replace(at, selectors::window_placeholder.size(), range);
  return "(" + out + ")";
}

/// The share of bad events over `w`.
std::string error_ratio_expr(const objective& o, seconds w) {
  const selectors::counters c = selectors::counters_of(o);
  const std::string total = ratio_rate(c.total, w);
  return c.bad.empty() ? fmt::format("1 - ({} / {})", ratio_rate(c.good, w), total)
                       : fmt::format("{} / {}", ratio_rate(c.bad, w), total);
}

/// The number of events over `w`.
std::string events_expr(const objective& o, seconds w) {
  const std::string total = selectors::counters_of(o).total;
  if (total.find(selectors::window_placeholder) == std::string::npos)
    return fmt::format("sum(increase({}[{}]))", total, prometheus_duration(w));
  return fmt::format("{} * {}", ratio_rate(total, w), w.count());
}

std::string slo_ref(std::string_view record, seconds w, const objective& o) {
  return fmt::format("{}{}{{slo={}}}", record, prometheus_duration(w), promql_string(o.name));
}

struct alert {
  std::string_view name;
  std::string expr;
  seconds for_duration{0};
  severity level;
  std::vector<std::pair<std::string, std::string>> extra_labels;
  std::string summary;
  std::string description;
};

std::vector<alert> alerts_of(const objective& o) {
  std::vector<alert> out;
  if (o.burns_budget()) {
    const decimal budget = decimal{1, 0} - o.target;
    for (const auto& t : burn_tiers()) {
      const std::string threshold = (t.factor * budget).text();
      out.push_back(
          {burn_alert,
           fmt::format("{} > {} and {} > {} and {} >= {}", slo_ref(error_record, t.long_window, o),
                       threshold, slo_ref(error_record, t.short_window, o), threshold,
                       slo_ref(events_record, t.long_window, o), o.min_events),
           seconds(0),
           t.level,
           {{"long_window", prometheus_duration(t.long_window)}},
           fmt::format("{}: error budget burning over {}x ({} and {} windows)", o.name,
                       t.factor.text(), prometheus_duration(t.long_window),
                       prometheus_duration(t.short_window)),
           o.description});
    }
  } else if (o.kind == objective_kind::error_rate) {
    for (const auto& t : o.tiers) {
      out.push_back(
          {error_rate_alert,
           fmt::format("{} >= {} and {} >= {}", slo_ref(error_record, o.window, o),
                       t.threshold.text(), slo_ref(events_record, o.window, o), o.min_events),
           seconds(0),
           t.level,
           {},
           fmt::format("{}: failed share at or above {} over {}", o.name, t.threshold.text(),
                       prometheus_duration(o.window)),
           o.description});
    }
  } else {
    for (const auto& t : o.tiers) {
      out.push_back({gauge_alert,
                     fmt::format("{}{{slo={}}} {} {}", gauge_record, promql_string(o.name),
                                 o.below ? "<" : ">", t.threshold.text()),
                     o.for_duration,
                     t.level,
                     {},
                     fmt::format("{}: {} {} for {}", o.name, o.below ? "below" : "above",
                                 t.threshold.text(), prometheus_duration(o.for_duration)),
                     o.description});
    }
  }
  return out;
}

std::vector<seconds> windows_of(const objective& o) {
  if (o.kind == objective_kind::error_rate) return {o.window};
  if (o.kind == objective_kind::gauge) return {};
  return burn_windows();
}

std::vector<seconds> event_windows_of(const objective& o) {
  if (o.kind == objective_kind::error_rate) return {o.window};
  std::vector<seconds> w;
  if (o.kind != objective_kind::gauge) {
    for (const auto& t : burn_tiers()) w.push_back(t.long_window);
  }
  return w;
}

void record_rule(std::string& out, std::string_view name, const std::string& expr,
                 const objective& o) {
  out += fmt::format("      - record: {}\n        expr: {}\n        labels:\n          slo: {}\n",
                     q(name), q(expr), q(o.name));
}

std::string labels_yaml(const alert& a, const objective& o, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  std::string s = fmt::format("{}severity: {}\n{}slo: {}\n", pad, q(name(a.level)), pad, q(o.name));
  for (const auto& [k, v] : a.extra_labels) s += fmt::format("{}{}: {}\n", pad, k, q(v));
  return s;
}

std::string annotations_yaml(const alert& a, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  return fmt::format("{}summary: {}\n{}description: {}\n", pad, q(a.summary), pad,
                     q(a.description));
}

/// One group per objective, its recording rules before its alerts: rules of a
/// group run in order, so each alert sees the ratios of the same evaluation.
std::string rules_yaml(const objective_set& set) {
  std::string out = fmt::format(
      "# Generated by `perftrack slo rules` from {}: do not edit by hand; change the\n"
      "# baselines and generate again (docs/slo.md).\ngroups:\n",
      set.source);
  for (const auto& o : set.objectives) {
    out += fmt::format("  - name: {}\n    interval: \"1m\"\n    rules:\n",
                       q("perftrack-slo-" + o.name));
    for (const seconds w : windows_of(o)) {
      record_rule(out, std::string(error_record) + prometheus_duration(w), error_ratio_expr(o, w),
                  o);
    }
    for (const seconds w : event_windows_of(o)) {
      record_rule(out, std::string(events_record) + prometheus_duration(w), events_expr(o, w), o);
    }
    if (o.kind == objective_kind::gauge) record_rule(out, gauge_record, o.query, o);
    for (const auto& a : alerts_of(o)) {
      out += fmt::format("      - alert: {}\n        expr: {}\n", q(a.name), q(a.expr));
      if (a.for_duration.count() > 0) {
        out += fmt::format("        for: {}\n", q(prometheus_duration(a.for_duration)));
      }
      out += "        labels:\n" + labels_yaml(a, o, 10);
      out += "        annotations:\n" + annotations_yaml(a, 10);
    }
  }
  return out;
}

// ---- rules_test.yml --------------------------------------------------------------

struct series_input {
  std::string name;
  std::string values;
};

/// A scenario: the input series and, at each evaluation time, which of the
/// objective's alerts fire.
struct scenario {
  std::string title;
  std::vector<series_input> inputs;
  std::vector<std::pair<std::string, std::vector<std::size_t>>> checks;  // eval time, alerts
};

std::string series_name(std::string_view metric, const objective& o, const std::string& extra) {
  const std::string op(o.operations.empty() ? test_operation : o.operations.front());
  return fmt::format("{}{{operation={},job={}{}}}", metric, promql_string(op),
                     promql_string(test_job), extra);
}

/// Traffic of `per_minute` events of which `bad_per_minute` are bad, for 3 hours.
std::vector<series_input> traffic(const objective& o, const decimal& per_minute,
                                  const decimal& bad_per_minute) {
  const auto rising = [](const decimal& step) { return fmt::format("0+{}x180", step.text()); };
  std::vector<series_input> in{
      {series_name("agent_operation_duration_seconds_count", o, ""), rising(per_minute)}};
  if (o.kind == objective_kind::latency) {
    in.push_back(
        {series_name("agent_operation_duration_seconds_bucket", o, ",le=" + promql_string(o.le)),
         rising(per_minute - bad_per_minute)});
  } else {
    in.push_back({series_name("agent_operation_errors_total", o, ""), rising(bad_per_minute)});
  }
  return in;
}

std::vector<std::size_t> all_indices(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

std::vector<scenario> burn_scenarios(const objective& o, const std::vector<alert>& alerts) {
  const decimal thousand{1000, 0};
  const decimal budget = decimal{1, 0} - o.target;
  std::vector<scenario> out;
  out.push_back({"clean: 1000 events a minute, none bad",
                 traffic(o, thousand, decimal{0, 0}),
                 {{"1m", {}}, {"2h", {}}}});
  out.push_back(
      {"fast burn: every event bad; each tier fires at the first evaluation with two "
       "samples",
       traffic(o, thousand, thousand),
       {{"0m", {}}, {"1m", all_indices(alerts.size())}}});
  // Twice the budget: over the 1x tier, under the 3x one.
  std::vector<std::size_t> slow;
  for (std::size_t i = 0; i < burn_tiers().size(); ++i) {
    if (burn_tiers()[i].factor.to_double() < 2) slow.push_back(i);
  }
  out.push_back({"slow burn: bad events at twice the budget; only the 1x tier fires",
                 traffic(o, thousand, thousand * budget * decimal{2, 0}),
                 {{"0m", {}}, {"1m", slow}, {"2h", slow}}});
  if (o.min_events >= 60) {
    out.push_back({fmt::format("low traffic: one event a minute, all bad; under {} events in "
                               "every window after 30 minutes, nothing fires",
                               o.min_events),
                   traffic(o, decimal{1, 0}, decimal{1, 0}),
                   {{"30m", {}}}});
  }
  return out;
}

std::vector<scenario> error_rate_scenarios(const objective& o) {
  const decimal thousand{1000, 0};
  std::vector<scenario> out;
  out.push_back({"clean: 1000 events a minute, none failed",
                 traffic(o, thousand, decimal{0, 0}),
                 {{"1m", {}}, {"1h", {}}}});
  for (std::size_t i = 0; i < o.tiers.size(); ++i) {
    // Between this tier and the next (or half as much again as the last, at
    // most all): it and the tiers below it fire, none above.
    const decimal half{5, 1};
    const decimal& here = o.tiers[i].threshold;
    decimal share =
        i + 1 < o.tiers.size() ? (here + o.tiers[i + 1].threshold) * half : here * decimal{15, 1};
    if (share.to_double() > 1) share = decimal{1, 0};
    std::vector<std::size_t> firing;
    for (std::size_t j = 0; j <= i; ++j) firing.push_back(j);
    out.push_back({fmt::format("failed share {}, past the {} tier ({})", share.text(),
                               name(o.tiers[i].level), here.text()),
                   traffic(o, thousand, thousand * share),
                   {{"0m", {}}, {"1m", firing}}});
  }
  if (o.min_events >= 10) {
    out.push_back({"low traffic: one event a minute, all failed; too few to fire",
                   traffic(o, decimal{1, 0}, decimal{1, 0}),
                   {{"4m", {}}}});
  }
  return out;
}

std::vector<scenario> gauge_scenarios(const objective& o) {
  // The alerts read the recorded value; the test feeds that value directly.
  const decimal strictest = o.tiers.back().threshold;
  const decimal past =
      o.below ? strictest * decimal{5, 1}
              : (strictest.to_double() == 0 ? decimal{1, 0} : strictest * decimal{2, 0});
  const std::string name = fmt::format("{}{{slo={}}}", gauge_record, promql_string(o.name));
  // Evaluations fall on whole minutes: the first one at or after `for`.
  const seconds fires{(o.for_duration.count() + 59) / 60 * 60};
  std::vector<std::pair<std::string, std::vector<std::size_t>>> checks;
  if (fires.count() >= 60) checks.push_back({prometheus_duration(fires - seconds(60)), {}});
  checks.push_back({prometheus_duration(fires), all_indices(o.tiers.size())});
  std::vector<scenario> out;
  out.push_back({fmt::format("past every tier ({}) from the start: fires after {}", past.text(),
                             prometheus_duration(o.for_duration)),
                 {{name, fmt::format("{}x180", past.text())}},
                 checks});
  const decimal fine =
      o.below ? strictest * decimal{2, 0} + decimal{1, 0} : strictest * decimal{5, 1};
  bool fine_passes_all = true;
  for (const auto& t : o.tiers) {
    const double v = fine.to_double(), th = t.threshold.to_double();
    fine_passes_all = fine_passes_all && (o.below ? v >= th : v <= th);
  }
  if (fine_passes_all) {
    out.push_back({fmt::format("within every tier ({})", fine.text()),
                   {{name, fmt::format("{}x180", fine.text())}},
                   {{"1h", {}}}});
  }
  return out;
}

void write_scenario(std::string& out, const objective& o, const std::vector<alert>& alerts,
                    const scenario& s) {
  out += fmt::format("  - name: {}\n    interval: \"1m\"\n    input_series:\n",
                     q(o.name + ": " + s.title));
  for (const auto& in : s.inputs) {
    out += fmt::format("      - series: {}\n        values: {}\n", q(in.name), q(in.values));
  }
  out += "    alert_rule_test:\n";
  const std::string_view alertname = alerts.front().name;
  for (const auto& [at, firing] : s.checks) {
    out += fmt::format("      - eval_time: {}\n        alertname: {}\n", q(at), q(alertname));
    if (firing.empty()) {
      out += "        exp_alerts: []\n";
      continue;
    }
    out += "        exp_alerts:\n";
    for (const std::size_t i : firing) {
      out += "          - exp_labels:\n" + labels_yaml(alerts[i], o, 14);
      out += "            exp_annotations:\n" + annotations_yaml(alerts[i], 14);
    }
  }
}

std::string rules_test_yaml(const objective_set& set) {
  std::string out = fmt::format(
      "# Generated by `perftrack slo rules` from {}: `promtool test rules rules_test.yml`\n"
      "# checks each objective's alerts on synthetic traffic (docs/slo.md).\n"
      "rule_files:\n  - \"rules.yml\"\nevaluation_interval: \"1m\"\ntests:\n",
      set.source);
  for (const auto& o : set.objectives) {
    const std::vector<alert> alerts = alerts_of(o);
    std::vector<scenario> scenarios;
    switch (o.kind) {
      case objective_kind::latency:
      case objective_kind::success: scenarios = burn_scenarios(o, alerts); break;
      case objective_kind::error_rate: scenarios = error_rate_scenarios(o); break;
      case objective_kind::gauge: scenarios = gauge_scenarios(o); break;
      case objective_kind::ratio: break;  // its series are the user's: no synthetic traffic
    }
    for (const auto& s : scenarios) write_scenario(out, o, alerts, s);
  }
  return out;
}

// ---- alertmanager.yml --------------------------------------------------------------

std::string alertmanager_yaml(const objective_set& set, const receivers& to) {
  return fmt::format(
      "# Generated by `perftrack slo rules` from {}: critical pages through PagerDuty,\n"
      "# error and warning go to Slack; a higher severity of an objective silences its\n"
      "# lower ones (docs/slo.md). Replace the receivers' URL and key with yours.\n"
      "route:\n"
      "  receiver: \"slack\"\n"
      "  group_by: [\"alertname\", \"slo\"]\n"
      "  group_wait: \"30s\"\n"
      "  group_interval: \"5m\"\n"
      "  repeat_interval: \"4h\"\n"
      "  routes:\n"
      "    - receiver: \"pagerduty\"\n"
      "      matchers: [{}]\n"
      "    - receiver: \"slack\"\n"
      "      matchers: [{}]\n"
      "receivers:\n"
      "  - name: \"pagerduty\"\n"
      "    pagerduty_configs:\n"
      "      - routing_key: {}\n"
      "        url: {}\n"
      "        severity: \"critical\"\n"
      "        send_resolved: true\n"
      "  - name: \"slack\"\n"
      "    slack_configs:\n"
      "      - api_url: {}\n"
      "        channel: {}\n"
      "        send_resolved: true\n"
      "inhibit_rules:\n"
      "  - source_matchers: [{}]\n"
      "    target_matchers: [{}]\n"
      "    equal: [\"slo\"]\n"
      "  - source_matchers: [{}]\n"
      "    target_matchers: [{}]\n"
      "    equal: [\"slo\"]\n",
      set.source, q("severity=\"critical\""), q("severity=~\"error|warning\""), q(to.pagerduty_key),
      q(to.pagerduty_url), q(to.slack_url), q(to.slack_channel), q("severity=\"critical\""),
      q("severity=~\"error|warning\""), q("severity=\"error\""), q("severity=\"warning\""));
}

}  // namespace

std::string promql_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string promql_regex_literal(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (std::string_view(".+*?()|[]{}^$\\").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

rule_files generate_rules(const objective_set& set, const receivers& to) {
  return {rules_yaml(set), rules_test_yaml(set), alertmanager_yaml(set, to)};
}

}  // namespace perftrack::slo
