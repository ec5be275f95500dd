#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/slo/objectives.hpp"

/// OpenSLO v1 (openslo.com), so that other tools' SLOs can be used and ours
/// read by them (docs/slo.md, "OpenSLO").
namespace perftrack::slo {

/// Every objective as an `SLO` document with an inline indicator: latency,
/// success, error_rate and ratio objectives as `ratioMetric`s of Prometheus
/// counters, gauges as `thresholdMetric`s. What OpenSLO has no field for
/// (kind, operations, threshold, min_events, unit, benchmarks) is kept in
/// `perftrack.dev/...` annotations, so that importing gives the same objectives.
std::string export_openslo(const objective_set& set);

struct openslo_import {
  std::string toml;                ///< a baselines file (docs/slo.md)
  std::size_t objectives = 0;      ///< how many it holds
  std::vector<std::string> notes;  ///< what was read loosely or left out, for the user
};

/// Reads the `SLO` documents of an OpenSLO v1 file (multi-document YAML), with
/// the `SLI` and `DataSource` documents they refer to, as a baselines file.
/// Prometheus sources only. Each objective is checked as `--slo` would check
/// it; errors name the file, the document's line and what to change.
expected<openslo_import> import_openslo(std::string_view yaml, const std::string& source);

}  // namespace perftrack::slo
