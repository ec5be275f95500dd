#include "stores.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>

#include "perftrack/coord/postgres_scratch.hpp"

namespace perftrack::suite {
namespace {

// One schema per process on the PostgreSQL server, emptied for each sample and
// dropped by drop_scratch_schemas() when the run ends, so a user's server
// (--store) is left as it was. Not in a static destructor: at exit libpqxx's
// own statics may already be gone (a SIGSEGV seen in 1 of ~10 runs).
struct scratch_schema {
  std::string server;
  std::string name = "perftrack_bench_" + std::to_string(::getpid());
};

scratch_schema& schema() {
  static scratch_schema s;
  return s;
}

}  // namespace

void drop_scratch_schemas() {
  auto& s = schema();
  if (s.server.empty()) return;
  coord::drop_postgres_schema(s.server, s.name);
  s.server.clear();
}

std::string store_target::fresh_url(bench::state& s) const {
  static std::atomic<int> counter{0};
  const int n = counter++;
  if (backend == "sqlite") {
    const auto dir =
        s.config().scratch.empty() ? std::filesystem::temp_directory_path() : s.config().scratch;
    std::filesystem::create_directories(dir);
    const auto file =
        dir / ("coord-" + std::to_string(::getpid()) + "-" + std::to_string(n) + ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
    return "sqlite:" + file.string();
  }
  const std::string& server = s.config().postgres_url;
  if (server.empty())
    s.skip(
        "no PostgreSQL server: pass --store postgresql://... (or let perftrack bench start one)");
  schema().server = server;
  return value_or_throw(coord::fresh_postgres_schema(server, schema().name));
}

std::unique_ptr<coord::store> store_target::open(const std::string& url,
                                                 const coord::store_options& o) const {
  auto s = coord::open_store(url, o);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(s).value();
}

}  // namespace perftrack::suite
