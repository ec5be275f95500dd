#pragma once

// Text of PostgreSQL errors as coord's messages show it.

#include <string>
#include <string_view>

namespace perftrack::coord::postgres {

/// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db".
inline std::string redact(std::string_view url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  if (scheme == std::string_view::npos || at == std::string_view::npos) return std::string(url);
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

/// The first line of a server message (libpqxx appends the failed query).
inline std::string first_line(const char* what) {
  std::string s(what);
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

}  // namespace perftrack::coord::postgres
