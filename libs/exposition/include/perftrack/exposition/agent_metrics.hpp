#pragma once

#include <memory>
#include <string_view>

#include "perftrack/exposition/metrics.hpp"

/// The names and buckets that dashboards and alerting rules depend on: one home
/// for every exporter of agent operations (the file tailer and the in-process
/// tracker).
namespace perftrack::exposition::agent_metrics {

inline constexpr std::string_view duration_name = "agent_operation_duration_seconds";
inline constexpr std::string_view duration_help =
    "Duration of coordination operations, by operation; the count of operations is its _count.";
inline constexpr std::string_view errors_name = "agent_operation_errors_total";
inline constexpr std::string_view errors_help = "Operations that failed, by operation.";
inline constexpr std::string_view operation_label = "operation";
/// The label value of the series that absorbs operations past the cardinality cap.
inline constexpr std::string_view overflow_operation = "__overflow__";

/// The buckets of agent_operation_duration_seconds: 1, 1.2, 1.5, 2, 2.5, 3, 4,
/// 5, 6 and 8 in every decade from 10 us to 8 s, then 10 to 60 s. Every SLO
/// threshold of the default baselines (1 ms, 25 ms, 50 ms, 100 ms, 2 s, 5 s,
/// 10 s, 30 s) is a bound; neighbours are at most 4/3 apart. 69 bounds.
std::shared_ptr<const bucket_layout> duration_layout();

/// An empty family of each of the two, ready for series.
family duration_family();
family errors_family();

}  // namespace perftrack::exposition::agent_metrics
