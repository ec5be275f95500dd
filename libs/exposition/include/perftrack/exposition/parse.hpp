#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "perftrack/base/expected.hpp"

namespace perftrack::exposition {

/// One sample line of a scrape: `name{label="value",...} value [timestamp]`.
struct sample {
  std::string name;
  /// In the order written, values unescaped.
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;

  /// The value of label `name`, or nullptr.
  const std::string* label(std::string_view label_name) const noexcept;
};

/// The samples of a Prometheus text (0.0.4) or OpenMetrics 1.0 scrape, in
/// order; comments (HELP, TYPE, UNIT) and `# EOF` are skipped. A line that is
/// not a sample is an error naming its line number and what was expected.
expected<std::vector<sample>> parse(std::string_view text);

}  // namespace perftrack::exposition
