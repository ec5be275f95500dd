#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "perftrack/base/expected.hpp"

/// A thin RAII layer over SQLite's C API, shared by the coordination store and
/// the gate's history: prepared statements, a connection that caches them, and
/// transactions that roll back unless committed. Failures carry SQLite's own
/// message.
namespace perftrack::sqlite {

/// A prepared statement, reset for reuse after every step sequence.
class statement {
public:
  statement(sqlite3* db, const char* sql);
  ~statement() { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  statement& bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  /// Binds a named parameter (":name"); a name used twice is one parameter.
  statement& bind(const char* name, std::int64_t v) {
    return bind(sqlite3_bind_parameter_index(stmt_, name), v);
  }
  statement& bind(const char* name, std::string_view v) {
    return bind(sqlite3_bind_parameter_index(stmt_, name), v);
  }
  /// A finite value as REAL; NaN and infinities as NULL (SQLite would store
  /// NaN as NULL anyway, and an infinity does not survive every reader).
  statement& bind(int i, double v) {
    if (std::isfinite(v)) {
      sqlite3_bind_double(stmt_, i, v);
    } else {
      sqlite3_bind_null(stmt_, i);
    }
    return *this;
  }
  statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string{}
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  bool ok() const noexcept { return stmt_ != nullptr; }

private:
  sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement when leaving a scope.
class reset_guard {
public:
  explicit reset_guard(statement& s) : s_(s) {}
  ~reset_guard() { s_.reset(); }
  reset_guard(const reset_guard&) = delete;
  reset_guard& operator=(const reset_guard&) = delete;

private:
  statement& s_;
};

/// An open database handle with its prepared statements, cached by SQL text
/// (the pointer: callers pass string literals or static strings). Closes the
/// handle when destroyed.
class connection {
public:
  explicit connection(sqlite3* db) : db_(db) {}
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  statement& stmt(const char* sql);
  expected<bool> exec(const char* sql);
  /// Set-up statements (switching to WAL, creating tables) may find the file
  /// locked by another process doing the same; SQLite does not wait for some of
  /// those locks, so this retries for up to `timeout`.
  expected<bool> exec_retrying(const char* sql, std::chrono::milliseconds timeout);
  /// "SQLite: cannot <what>: <SQLite's message>".
  failure error(std::string_view what) const;
  /// SQLite's message for the last failed call on this connection.
  const char* message() const noexcept { return sqlite3_errmsg(db_); }
  std::int64_t changes() const noexcept { return sqlite3_changes(db_); }
  std::int64_t last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }
  /// False outside BEGIN ... COMMIT, and after SQLite ended a transaction by
  /// itself (I/O errors, a full disk).
  bool in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

private:
  sqlite3* db_;
  std::unordered_map<const char*, std::unique_ptr<statement>> statements_;
};

/// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed.
class transaction {
public:
  explicit transaction(connection& c) : c_(c) {}
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  expected<bool> begin();
  expected<bool> commit();
  /// True once the transaction is over without a commit (SQLite ends one by
  /// itself on some errors).
  bool rolled_back();

private:
  connection& c_;
  bool open_ = false;
};

/// BEGIN IMMEDIATE for a single writing step, COMMIT when the scope ends. Taking
/// the write lock first (waiting up to busy_timeout) avoids the immediate
/// SQLITE_BUSY a read snapshot gets when it tries to write after another writer.
class write_scope {
public:
  explicit write_scope(connection& c) : c_(c), open_(c.exec("BEGIN IMMEDIATE").has_value()) {}
  ~write_scope();
  write_scope(const write_scope&) = delete;
  write_scope& operator=(const write_scope&) = delete;

private:
  connection& c_;
  bool open_;
};

}  // namespace perftrack::sqlite
