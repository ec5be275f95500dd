// A schema of its own on the test server (scripts/pg_server.sh, started by
// ctest's postgres fixture), so tests may run in parallel.

#include <unistd.h>

#include <atomic>

#include "history_location.hpp"
#include "perftrack/coord/postgres_scratch.hpp"
#include "perftrack/testing/postgres.hpp"

namespace perftrack::gate::testing {
using perftrack::testing::test_postgres_url;

history_location fresh_history(const std::filesystem::path&) {
  const std::string server = test_postgres_url();
  if (server.empty()) {
    return {.reason = "no PostgreSQL test server: ctest starts one (fixture postgres)",
            .required = perftrack::testing::postgres_required()};
  }
  static std::atomic<int> counter{0};
  std::string schema = "h";
  schema.append(std::to_string(::getpid())).append("_").append(std::to_string(counter++));
  auto url = coord::fresh_postgres_schema(server, schema);
  if (!url) return {.reason = url.error().message, .required = true};
  return {.location = *url};
}

void drop_history(const std::string& location) {
  const auto at = location.rfind("search_path%3D");
  if (at != std::string::npos)
    coord::drop_postgres_schema(test_postgres_url(), location.substr(at + 14));
}

}  // namespace perftrack::gate::testing
