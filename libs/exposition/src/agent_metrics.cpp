#include "perftrack/exposition/agent_metrics.hpp"

#include <cstdlib>
#include <string>
#include <vector>

namespace perftrack::exposition::agent_metrics {
namespace {

std::vector<double> duration_bounds() {
  std::vector<double> bounds;
  // Parsed from decimal text, so 1.2e-5 is the double nearest 0.000012 and
  // not 1.2 * 1e-5 with its rounding error.
  const auto add = [&](std::string_view mantissa, int exponent) {
    const std::string text = std::string(mantissa) + "e" + std::to_string(exponent);
    bounds.push_back(std::strtod(text.c_str(), nullptr));
  };
  for (int exponent = -5; exponent <= 0; ++exponent) {
    for (const std::string_view m : {"1", "1.2", "1.5", "2", "2.5", "3", "4", "5", "6", "8"}) {
      add(m, exponent);
    }
  }
  for (const std::string_view m : {"1", "1.2", "1.5", "2", "2.5", "3", "4", "5", "6"}) add(m, 1);
  return bounds;
}

}  // namespace

std::shared_ptr<const bucket_layout> duration_layout() {
  static const auto layout = std::make_shared<const bucket_layout>(duration_bounds());
  return layout;
}

family duration_family() {
  return family{.name = std::string(duration_name),
                .help = std::string(duration_help),
                .type = metric_type::histogram,
                .unit = "seconds",
                .layout = duration_layout()};
}

family errors_family() {
  return family{.name = std::string(errors_name),
                .help = std::string(errors_help),
                .type = metric_type::counter};
}

}  // namespace perftrack::exposition::agent_metrics
