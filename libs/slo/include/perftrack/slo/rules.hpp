#pragma once

#include <string>

#include "perftrack/slo/objectives.hpp"

/// `perftrack slo rules`: Prometheus recording and alerting rules for the
/// objectives, their `promtool test rules` suite, and an Alertmanager
/// configuration that routes each severity (docs/slo.md, "Rules").
namespace perftrack::slo {

/// Where alerts go: critical to PagerDuty, error and warning to Slack.
struct receivers {
  std::string slack_url = "http://127.0.0.1:9/slack";  ///< an incoming-webhook URL
  std::string slack_channel = "#perftrack-alerts";
  std::string pagerduty_url = "https://events.pagerduty.com/v2/enqueue";
  std::string pagerduty_key = "replace-with-your-routing-key";
};

struct rule_files {
  std::string rules;         ///< rules.yml
  std::string rules_test;    ///< rules_test.yml (reads rules.yml)
  std::string alertmanager;  ///< alertmanager.yml
};

/// The alert names: one per kind of condition, told apart by the `slo` and
/// `severity` labels.
inline constexpr std::string_view burn_alert = "SLOErrorBudgetBurn";
inline constexpr std::string_view error_rate_alert = "SLOErrorRate";
inline constexpr std::string_view gauge_alert = "SLOThreshold";

rule_files generate_rules(const objective_set& set, const receivers& to);

/// `s` as a PromQL double-quoted string literal, and as a regex matching it
/// literally (for `=~`).
std::string promql_string(std::string_view s);
std::string promql_regex_literal(std::string_view s);

}  // namespace perftrack::slo
