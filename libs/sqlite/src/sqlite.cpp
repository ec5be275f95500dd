#include "perftrack/sqlite/sqlite.hpp"

#include <fmt/format.h>

#include <thread>

namespace perftrack::sqlite {

statement::statement(sqlite3* db, const char* sql) {
  sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
}

connection::~connection() {
  statements_.clear();  // finalized before the handle closes
  sqlite3_close_v2(db_);
}

statement& connection::stmt(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<statement>(db_, sql)).first;
  }
  return *it->second;
}

expected<bool> connection::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return failure{fmt::format("SQLite: {} failed: {}", sql, msg)};
  }
  return true;
}

expected<bool> connection::exec_retrying(const char* sql, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto r = exec(sql);
    const int code = sqlite3_errcode(db_);
    if (r || (code != SQLITE_BUSY && code != SQLITE_LOCKED) ||
        std::chrono::steady_clock::now() >= give_up) {
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

failure connection::error(std::string_view what) const {
  return failure{fmt::format("SQLite: cannot {}: {}", what, sqlite3_errmsg(db_))};
}

transaction::~transaction() {
  if (open_) [[maybe_unused]]
    auto ignored = c_.exec("ROLLBACK");
}

expected<bool> transaction::begin() {
  auto r = c_.exec("BEGIN IMMEDIATE");
  open_ = r.has_value();
  return r;
}

expected<bool> transaction::commit() {
  auto r = c_.exec("COMMIT");
  if (r) open_ = false;
  return r;
}

bool transaction::rolled_back() {
  if (open_ && !c_.in_transaction()) open_ = false;
  return !open_;
}

write_scope::~write_scope() {
  if (open_ && !c_.exec("COMMIT")) [[maybe_unused]]
    auto ignored = c_.exec("ROLLBACK");
}

}  // namespace perftrack::sqlite
