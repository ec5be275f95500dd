// A schema of its own on the test server (scripts/pg_server.sh, started by
// ctest's postgres fixture), so tests may run in parallel.

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "history_location.hpp"
#include "perftrack/coord/store.hpp"

namespace perftrack::gate::testing {
namespace {

std::string server_url() {
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

}  // namespace

history_location fresh_history(const std::filesystem::path&) {
  const std::string server = server_url();
  if (server.empty()) {
    const char* ci = std::getenv("CI");
    return {.reason = "no PostgreSQL test server: ctest starts one (fixture postgres)",
            .required = ci != nullptr && std::string(ci) == "true"};
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
  if (at != std::string::npos) coord::drop_postgres_schema(server_url(), location.substr(at + 14));
}

}  // namespace perftrack::gate::testing
