// The WAL-write coalescing VFS (src/sqlite_vfs.cpp): fewer write calls, and
// every other connection and process still sees each commit as soon as it
// returns, including after the writer is killed.

#include "sqlite_vfs.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::coord::sqlite {
namespace {

struct db_handle {
  sqlite3* db = nullptr;
  explicit db_handle(const std::string& path, const char* vfs = coalescing_vfs()) {
    const int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
    if (rc != SQLITE_OK) ADD_FAILURE() << "open " << path << ": " << sqlite3_errstr(rc);
    sqlite3_busy_timeout(db, 5000);
  }
  ~db_handle() { sqlite3_close_v2(db); }
  db_handle(const db_handle&) = delete;
  db_handle& operator=(const db_handle&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (err != nullptr ? err : "?");
      sqlite3_free(err);
    }
  }
  std::int64_t scalar(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      v = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return v;
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::string v;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      v = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return v;
  }
};

// A table whose every commit changes four pages (the row and three indexes).
void make_schema(db_handle& d) {
  d.exec("PRAGMA page_size=1024");
  d.exec("PRAGMA journal_mode=WAL");
  d.exec("PRAGMA synchronous=NORMAL");
  d.exec(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c INTEGER);"
      "CREATE INDEX ta ON t(a); CREATE INDEX tb ON t(b); CREATE INDEX tc ON t(c);");
}

std::string insert_row(int i) {
  std::string sql = "INSERT INTO t(a, b, c) VALUES(";
  sql += std::to_string(i * 7919 % 1000);
  sql += ", 'row";
  sql += std::to_string(i);
  sql += "', ";
  sql += std::to_string(-i);
  sql += ")";
  return sql;
}

TEST(SqliteVfsTest, IsRegistered) {
  ASSERT_NE(coalescing_vfs(), nullptr);
  EXPECT_NE(sqlite3_vfs_find(coalescing_vfs()), nullptr);
  EXPECT_NE(sqlite3_vfs_find(nullptr), sqlite3_vfs_find(coalescing_vfs()));  // not the default
}

TEST(SqliteVfsTest, WritesEachCommitWithOneCall) {
  perftrack::testing::temp_dir dir;
  db_handle d((dir.path() / "a.db").string());
  make_schema(d);
  const auto before = wal_writes();
  constexpr int commits = 200;
  for (int i = 0; i < commits; ++i) d.exec(insert_row(i));
  const auto after = wal_writes();
  const auto requested = after.requested - before.requested;
  const auto issued = after.issued - before.issued;
  EXPECT_GE(requested, 4u * commits);  // >= 2 frames of 2 writes each
  // One call per commit, plus the WAL header after a checkpoint restarts it.
  EXPECT_LE(issued, commits + 5u);
  EXPECT_EQ(d.scalar("SELECT count(*) FROM t"), commits);
}

TEST(SqliteVfsTest, AnotherConnectionSeesEveryCommitAtOnce) {
  perftrack::testing::temp_dir dir;
  db_handle writer((dir.path() / "b.db").string());
  make_schema(writer);
  db_handle reader((dir.path() / "b.db").string());
  db_handle plain((dir.path() / "b.db").string(), nullptr);  // SQLite's own VFS reads the same file
  for (int i = 1; i <= 300; ++i) {
    writer.exec(insert_row(i));
    ASSERT_EQ(reader.scalar("SELECT count(*) FROM t"), i);
    ASSERT_EQ(plain.scalar("SELECT max(id) FROM t"), i);
  }
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

TEST(SqliteVfsTest, LargeTransactionsAndFullSyncRoundTrip) {
  perftrack::testing::temp_dir dir;
  db_handle d((dir.path() / "c.db").string());
  make_schema(d);
  d.exec("PRAGMA synchronous=FULL");
  d.exec("PRAGMA cache_size=50");  // a small cache spills mid-transaction
  d.exec("BEGIN");
  for (int i = 0; i < 5000; ++i) {
    d.exec("INSERT INTO t(a, b, c) VALUES(" + std::to_string(i) + ", printf('%.*c', 900, 'x'), " +
           std::to_string(i) + ")");
  }
  d.exec("COMMIT");
  db_handle other((dir.path() / "c.db").string());
  EXPECT_EQ(other.scalar("SELECT count(*) FROM t"), 5000);
  EXPECT_EQ(other.scalar("SELECT sum(length(b)) FROM t"), 5000 * 900);
  EXPECT_EQ(other.text("PRAGMA integrity_check"), "ok");
  d.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_EQ(other.scalar("SELECT count(*) FROM t"), 5000);
}

// A child commits rows one by one and reports each committed row on a pipe,
// then is killed mid-stream: every reported row is in the file, which is intact.
TEST(SqliteVfsTest, AKilledWriterLosesNoCommittedRow) {
  perftrack::testing::temp_dir dir;
  const std::string path = (dir.path() / "d.db").string();
  {
    db_handle d(path);
    make_schema(d);
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, coalescing_vfs()) != SQLITE_OK)
      ::_exit(2);
    sqlite3_busy_timeout(db, 5000);
    for (int i = 1;; ++i) {
      if (sqlite3_exec(db, insert_row(i).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
        ::_exit(3);
      if (::write(fds[1], &i, sizeof i) != sizeof i) ::_exit(4);
    }
  }
  ::close(fds[1]);
  int last = 0;
  int got = 0;
  while (last < 2000 && ::read(fds[0], &got, sizeof got) == sizeof got) last = got;
  ::kill(child, SIGKILL);
  while (::read(fds[0], &got, sizeof got) == sizeof got) last = got;  // reported before it died
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer failed on its own: " << status;
  db_handle d(path);
  EXPECT_EQ(d.text("PRAGMA integrity_check"), "ok");
  EXPECT_GE(d.scalar("SELECT count(*) FROM t"), last);
  EXPECT_EQ(d.scalar("SELECT count(*) FROM t"), d.scalar("SELECT max(id) FROM t"));
}

}  // namespace
}  // namespace perftrack::coord::sqlite
