#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace perftrack::testing {

/// The PostgreSQL test server's URL: PERFTRACK_TEST_POSTGRES, or the first line
/// of the file PERFTRACK_TEST_POSTGRES_FILE names (scripts/pg_server.sh writes
/// it; ctest's postgres fixture sets the variable). Empty when neither is set.
inline std::string test_postgres_url() {
  if (const char* url = std::getenv("PERFTRACK_TEST_POSTGRES"); url != nullptr && *url != 0)
    return url;
  if (const char* file = std::getenv("PERFTRACK_TEST_POSTGRES_FILE"); file != nullptr) {
    std::ifstream in(file);
    std::string url;
    std::getline(in, url);
    return url;
  }
  return {};
}

/// With CI=true a missing test server is a failure, not a skip.
inline bool postgres_required() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace perftrack::testing
