#pragma once

// The baseline file (docs/compare.md): a result_set written as JSON with every
// metric's samples, read back by parse_results.

#include <nlohmann/json.hpp>
#include <string>

#include "perftrack/gate/results.hpp"

namespace perftrack::gate {

inline constexpr const char* baseline_marker = "perftrack_baseline";

expected<result_set> read_baseline(const nlohmann::json& doc, const std::string& source);
nlohmann::json baseline_json(const result_set& r);

}  // namespace perftrack::gate
