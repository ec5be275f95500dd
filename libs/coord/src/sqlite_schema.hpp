#pragma once

// The SQLite store's schema and row readers (sqlite_store.cpp).

#include <cstdint>

#include "perftrack/coord/types.hpp"
#include "perftrack/sqlite/sqlite.hpp"

namespace perftrack::coord::sqlite {

// The shared wrapper (libs/sqlite), under the names the store uses.
using perftrack::sqlite::connection;
using perftrack::sqlite::reset_guard;
using perftrack::sqlite::statement;
using perftrack::sqlite::transaction;
using perftrack::sqlite::write_scope;

inline constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS agents(
  id TEXT PRIMARY KEY, name TEXT NOT NULL, capabilities TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'idle', current_task INTEGER, last_seen INTEGER NOT NULL,
  handoff INTEGER NOT NULL DEFAULT 1, instance TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS tasks(
  id INTEGER PRIMARY KEY, title TEXT NOT NULL, priority INTEGER NOT NULL,
  payload TEXT NOT NULL DEFAULT '', parent INTEGER REFERENCES tasks(id),
  status INTEGER NOT NULL DEFAULT 0, owner TEXT, lease_until INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, notes TEXT NOT NULL DEFAULT '',
  completions INTEGER NOT NULL DEFAULT 0, rank INTEGER NOT NULL);
-- Partial indexes: a claim removes one entry from the pending index and adds one
-- to the held ones, instead of moving entries in three whole-table indexes.
DROP INDEX IF EXISTS tasks_by_rank;
DROP INDEX IF EXISTS tasks_by_lease;
DROP INDEX IF EXISTS tasks_by_owner;
CREATE INDEX IF NOT EXISTS tasks_pending_by_rank ON tasks(rank) WHERE status = 0;
CREATE INDEX IF NOT EXISTS tasks_held_by_lease ON tasks(lease_until) WHERE status IN (1, 2);
CREATE INDEX IF NOT EXISTS tasks_held_by_owner ON tasks(owner) WHERE status IN (1, 2);
CREATE TABLE IF NOT EXISTS messages(
  id INTEGER PRIMARY KEY, sender TEXT NOT NULL, recipient TEXT NOT NULL, body TEXT NOT NULL,
  created INTEGER NOT NULL, read INTEGER NOT NULL DEFAULT 0, acked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages(recipient, read);
CREATE TABLE IF NOT EXISTS candidates(id TEXT PRIMARY KEY, registered INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS leader(
  id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, epoch INTEGER NOT NULL,
  lease_until INTEGER NOT NULL, instance TEXT NOT NULL DEFAULT '');
)sql";

/// Columns added since a table was first made: stores written before them get
/// them on open (table, column, definition).
inline constexpr const char* added_columns[][3] = {
    {"agents", "instance", "TEXT NOT NULL DEFAULT ''"},
    {"leader", "instance", "TEXT NOT NULL DEFAULT ''"},
};

// Task statuses are stored as small integers in task_status order.

// A task another agent may take now: pending, or claimed with an expired lease by
// an agent whose tasks go back to the pool (handoff).
inline constexpr const char* claimable = R"sql(
  not_before <= :now AND (status = 0 OR (status IN (1, 2) AND lease_until < :now AND
  COALESCE((SELECT handoff FROM agents WHERE agents.id = tasks.owner), 1) = 1)))sql";

inline constexpr const char* task_columns =
    "id, title, priority, payload, parent, status, COALESCE(owner, ''), lease_until, "
    "not_before, created, notes, completions";

inline task read_task(const sqlite::statement& s) {
  task t;
  t.id = s.int64(0);
  t.title = s.text(1);
  t.priority = static_cast<priority>(s.int64(2));
  t.payload = s.text(3);
  if (!s.is_null(4)) t.parent = s.int64(4);
  t.status = static_cast<task_status>(s.int64(5));
  t.owner = s.text(6);
  t.lease_until_ns = s.int64(7);
  t.not_before_ns = s.int64(8);
  t.created_ns = s.int64(9);
  t.notes = s.text(10);
  t.completions = s.int64(11);
  return t;
}

inline agent_info read_agent(const sqlite::statement& s) {
  agent_info a;
  a.id = s.text(0);
  a.name = s.text(1);
  a.capabilities = s.text(2);
  a.status = s.text(3);
  if (!s.is_null(4)) a.current_task = s.int64(4);
  a.last_seen_ns = s.int64(5);
  a.handoff = s.int64(6) != 0;
  return a;
}

inline stored_message read_message(const sqlite::statement& s) {
  stored_message m;
  m.id = s.int64(0);
  m.sender = s.text(1);
  m.recipient = s.text(2);
  m.body = s.text(3);
  m.created_ns = s.int64(4);
  m.read = s.int64(5) != 0;
  m.acked = s.int64(6) != 0;
  return m;
}

/// Appends every row `s` yields, read by `read`; false on an SQLite error.
template <class T, class Read>
bool collect(statement& s, std::vector<T>& out, Read read) {
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read(s));
  return rc == SQLITE_DONE;
}

}  // namespace perftrack::coord::sqlite
