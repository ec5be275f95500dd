// Each test gets its own schema on the test server, named in the URL's
// search_path, so tests may run in parallel against one server.

#include <atomic>

#include "fixture.hpp"
#include "perftrack/coord/postgres_scratch.hpp"
#include "perftrack/testing/postgres.hpp"

namespace perftrack::coord::testing {
namespace {

std::string server_url() { return perftrack::testing::test_postgres_url(); }

std::string schema_of(const std::string& url) {
  const auto at = url.rfind("search_path%3D");
  return at == std::string::npos ? std::string() : url.substr(at + 14);
}

}  // namespace

backend_store fresh_store(const std::filesystem::path&) {
  const std::string server = server_url();
  if (server.empty()) {
    return {.reason =
                "no PostgreSQL test server: run `scripts/pg_server.sh start build/postgres` and "
                "set PERFTRACK_TEST_POSTGRES_FILE=build/postgres/url (ctest does both)",
            .required = perftrack::testing::postgres_required()};
  }
  static std::atomic<int> counter{0};
  std::string schema = "t";  // appended: "t" + std::string trips GCC 12's -Wrestrict
  schema.append(std::to_string(::getpid())).append("_").append(std::to_string(counter++));
  auto url = fresh_postgres_schema(server, schema);
  if (!url) return {.reason = url.error().message, .required = true};
  return {.url = *url};
}

void drop_store(const std::string& url) {
  if (const std::string schema = schema_of(url); !schema.empty()) {
    drop_postgres_schema(server_url(), schema);
  }
}

}  // namespace perftrack::coord::testing
