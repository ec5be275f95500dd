#pragma once

#include <memory>
#include <string_view>

#include "perftrack/reader/record.hpp"

namespace perftrack::reader {

/// Bytes that must be readable (any content) after a line passed to
/// line_parser::parse_padded; equal to simdjson's SIMDJSON_PADDING.
inline constexpr std::size_t line_padding = 64;

/// Parses metrics lines (docs/file-format.md). Accepts integer or fractional
/// duration_ms, missing or null session_id/error/context, unknown extra fields and
/// any operation name; rejects everything else with a line_error. One parser per
/// thread; reusing it avoids allocation.
class line_parser {
public:
  enum class detail_level {
    summary,  ///< operation, timestamp, duration, success; others type-checked only
    full,     ///< also session_id, error and context
  };

  explicit line_parser(detail_level level = detail_level::summary);
  ~line_parser();
  line_parser(line_parser&&) noexcept;
  line_parser& operator=(line_parser&&) noexcept;

  /// Parses `line` (no trailing '\n'), copying it into a padded buffer.
  line_error parse(std::string_view line, record_view& out);
  /// Parses in place: line_padding bytes after `line` must be readable.
  line_error parse_padded(std::string_view line, record_view& out);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace perftrack::reader
