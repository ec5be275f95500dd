#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "perftrack/slo/objectives.hpp"
#include "perftrack/slo/rules.hpp"

/// The PromQL selectors of the exporter's series an objective counts: one home
/// for the generated rules and the OpenSLO export.
namespace perftrack::slo::selectors {

inline constexpr std::string_view count = "agent_operation_duration_seconds_count";
inline constexpr std::string_view bucket = "agent_operation_duration_seconds_bucket";
inline constexpr std::string_view errors = "agent_operation_errors_total";

inline std::string operation_matcher(const objective& o) {
  if (o.operations.empty()) return {};
  if (o.operations.size() == 1) return "operation=" + promql_string(o.operations.front());
  std::string alternatives;
  for (const auto& op : o.operations) {
    if (!alternatives.empty()) alternatives += '|';
    alternatives += promql_regex_literal(op);
  }
  return "operation=~" + promql_string(alternatives);
}

inline std::string selector(std::string_view metric, const std::string& matchers) {
  return matchers.empty() ? std::string(metric) : fmt::format("{}{{{}}}", metric, matchers);
}

/// Where a ratio objective's query takes the window (Sloth's convention).
inline constexpr std::string_view window_placeholder = "{{.window}}";

/// The counters an objective's ratio is made of: all events, and the good
/// (latency: within the threshold) or the bad (failed) ones; the other empty.
/// Selectors of the exporter's series, or a ratio objective's own queries.
struct counters {
  std::string good, bad, total;
};

inline counters counters_of(const objective& o) {
  if (o.kind == objective_kind::ratio) return {o.good_query, o.bad_query, o.total_query};
  const std::string m = operation_matcher(o);
  const std::string total = selector(count, m);
  if (o.kind == objective_kind::latency)
    return {selector(bucket, (m.empty() ? "" : m + ",") + "le=" + promql_string(o.le)), {}, total};
  return {{}, selector(errors, m), total};
}

}  // namespace perftrack::slo::selectors
