#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "perftrack/store/markup.hpp"
#include "perftrack/store/timestamp.hpp"

// Number and time formatting shared by the renderers.
namespace perftrack::report {

inline std::string ms(double v) { return fmt::format("{:.3f}", v); }
inline std::string percent(double fraction) { return fmt::format("{:.2f}%", fraction * 100); }
inline std::string signed_percent(double fraction) {
  return fmt::format("{:+.1f}%", fraction * 100);
}
inline std::string iso_text(std::int64_t ns) {
  char buf[store::timestamp_length];
  return {buf, store::format_timestamp(ns, buf)};
}
inline std::string date_text(std::int64_t ns) { return iso_text(ns).substr(0, 10); }

/// Makes text safe inside a Markdown table cell.
inline std::string cell(std::string_view text) { return store::escape_markdown_cell(text); }

}  // namespace perftrack::report
