#pragma once

#include <cstdint>
#include <string_view>

namespace perftrack::reader {

/// One parsed line of a metrics file. Views point into the parser's buffers and
/// are valid until its next parse.
struct record_view {
  std::string_view operation;
  std::int64_t timestamp_ns = 0;    ///< Unix time
  std::string_view timestamp_text;  ///< as written in the file
  double duration_ms = 0;
  bool success = false;
  // Filled only when the parser is asked for details (export):
  bool has_session_id = false;  ///< false: missing or null
  std::string_view session_id;  ///< unescaped
  bool has_error = false;
  std::string_view error;         ///< unescaped
  std::string_view context_json;  ///< raw JSON object text; empty when absent or null
};

/// Why a line was skipped.
enum class line_error {
  none,
  invalid_json,  ///< not one JSON object (also: a cut-off last line)
  invalid_utf8,
  missing_field,  ///< timestamp, operation_type, duration_ms or success
  wrong_type,     ///< e.g. duration_ms is a string, session_id a number
  bad_timestamp,  ///< not an ISO-8601 date-time with a zone
  bad_value,      ///< negative duration, empty operation name
  too_long,       ///< over max_line_bytes
};

std::string_view describe(line_error e) noexcept;

/// Lines longer than this are skipped as malformed without parsing.
inline constexpr std::size_t max_line_bytes = 1 << 20;

}  // namespace perftrack::reader
