#pragma once

// Where a history test's history lives, per backend: an SQLite file in the
// test's directory (history_sqlite_location.cpp) or a fresh schema on the
// PostgreSQL test server (history_postgres_location.cpp).

#include <filesystem>
#include <string>

namespace perftrack::gate::testing {

struct history_location {
  std::string location;   ///< empty when unavailable
  std::string reason;     ///< why unavailable
  bool required = false;  ///< unavailable is a failure (CI), not a skip
};

history_location fresh_history(const std::filesystem::path& dir);
void drop_history(const std::string& location);

}  // namespace perftrack::gate::testing
