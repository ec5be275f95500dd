#include "stores.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <pqxx/pqxx>
#include <stdexcept>

namespace perftrack::suite {

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
  std::string schema = "bench_";
  schema.append(std::to_string(::getpid())).append("_").append(std::to_string(n));
  pqxx::connection c(server);
  pqxx::nontransaction tx(c);
  tx.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  tx.exec("CREATE SCHEMA " + schema);
  const char* sep = server.find('?') == std::string::npos ? "?" : "&";
  return server + sep + "options=-csearch_path%3D" + schema;
}

std::unique_ptr<coord::store> store_target::open(const std::string& url,
                                                 const coord::store_options& o) const {
  auto s = coord::open_store(url, o);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(s).value();
}

}  // namespace perftrack::suite
