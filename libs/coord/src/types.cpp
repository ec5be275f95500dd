#include "perftrack/coord/types.hpp"

#include <array>

#include "perftrack/coord/store.hpp"

namespace perftrack::coord {
namespace {

constexpr std::array<std::string_view, 4> priority_names = {"critical", "high", "medium", "low"};
constexpr std::array<std::string_view, 6> status_names = {"pending", "claimed", "in_progress",
                                                          "done",    "failed",  "cancelled"};

}  // namespace

std::string_view name(priority p) noexcept { return priority_names[static_cast<std::size_t>(p)]; }
std::string_view name(task_status s) noexcept { return status_names[static_cast<std::size_t>(s)]; }

std::optional<priority> parse_priority(std::string_view text) noexcept {
  for (std::size_t i = 0; i < priority_names.size(); ++i) {
    if (priority_names[i] == text) return static_cast<priority>(i);
  }
  return std::nullopt;
}

std::optional<task_status> parse_task_status(std::string_view text) noexcept {
  for (std::size_t i = 0; i < status_names.size(); ++i) {
    if (status_names[i] == text) return static_cast<task_status>(i);
  }
  return std::nullopt;
}

expected<std::unique_ptr<store>> open_sqlite_store(const std::string& path, const store_options& o);
expected<std::unique_ptr<store>> open_postgres_store(const std::string& url,
                                                     const store_options& o);

expected<std::unique_ptr<store>> open_store(std::string_view url, const store_options& options) {
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (url.substr(0, sqlite_prefix.size()) == sqlite_prefix) {
    const std::string path(url.substr(sqlite_prefix.size()));
    if (path.empty())
      return failure{"empty SQLite path: use sqlite:PATH, e.g. sqlite:memory/coord.db"};
    return open_sqlite_store(path, options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return open_postgres_store(std::string(url), options);
  }
  return failure{"unknown store '" + std::string(url) +
                 "': use sqlite:PATH or postgresql://user@host:port/dbname"};
}

}  // namespace perftrack::coord
