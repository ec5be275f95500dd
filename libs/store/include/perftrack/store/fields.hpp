#pragma once

// The field names of a metrics line (docs/file-format.md): the one place they
// are spelled, for the recorder's line formatter and operation table, the
// reader's line parser and prune.

#include <string>
#include <string_view>

namespace perftrack::store::field {

inline constexpr std::string_view timestamp = "timestamp";
inline constexpr std::string_view operation_type = "operation_type";
inline constexpr std::string_view duration_ms = "duration_ms";
inline constexpr std::string_view success = "success";
inline constexpr std::string_view session_id = "session_id";
inline constexpr std::string_view error = "error";
inline constexpr std::string_view context = "context";

/// Appends `"name":`, the key as a line spells it, to `out`.
inline std::string& append_key(std::string& out, std::string_view name) {
  out += '"';
  out += name;
  out += "\":";
  return out;
}

}  // namespace perftrack::store::field
