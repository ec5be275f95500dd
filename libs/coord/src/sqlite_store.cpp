// The SQLite store: one file shared by every process on a machine, WAL journal,
// writers serialised by SQLite's lock (BEGIN IMMEDIATE for read-then-write steps).
// Durability: synchronous=NORMAL (a committed step survives a process crash; the
// last steps before a power loss may be lost), stated in docs/coordination.md.

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "perftrack/coord/store.hpp"
#include "rules.hpp"
#include "sqlite.hpp"
#include "sqlite_schema.hpp"

namespace perftrack::coord {
namespace sqlite {

statement::statement(sqlite3* db, const char* sql) {
  sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
}

}  // namespace sqlite

namespace {

using sqlite::claimable;
using sqlite::collect;
using sqlite::read_task;
using sqlite::schema;
using sqlite::task_columns;

// A claim waiting for a transaction: the thread that next holds the file takes
// every waiting claim and commits them together (flat combining), so the ~11
// system calls of a commit (WAL frames, lock calls) are paid once per group.
struct claim_request {
  std::string_view agent;
  std::int64_t now = 0;
  std::int64_t id = 0;  ///< 0: the best claimable task (task_next)
  expected<std::optional<task>> result = std::optional<task>();
  bool done = false;  ///< written and read under file_gate::queue_mutex
};

// One gate per file and process: the store objects of a process's threads take
// turns on its mutex before they compete with other processes for SQLite's lock.
// SQLite retries a busy lock with growing sleeps, so 16 connections hammering one
// file can starve one of them past the busy timeout; 4 (one per process) do not.
struct file_gate {
  std::mutex mutex;
  std::mutex queue_mutex;             ///< guards the three below
  std::vector<claim_request*> queue;  ///< claims waiting for the next group
  bool combining = false;             ///< a thread is running a group
  std::condition_variable group_done;
};

std::shared_ptr<file_gate> gate_for(const std::string& path) {
  static std::mutex registry_mutex;
  static std::map<std::pair<std::string, pid_t>, std::weak_ptr<file_gate>> registry;
  std::error_code ec;
  std::string key = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) key = path;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[{key, ::getpid()}];  // a child after fork() gets its own
  auto g = slot.lock();
  if (!g) {
    g = std::make_shared<file_gate>();
    slot = g;
  }
  return g;
}

class sqlite_store final : public store {
public:
  sqlite_store(sqlite3* db, const store_options& o, std::shared_ptr<file_gate> g)
      : db_(db), options_(o), gate_(std::move(g)) {}
  ~sqlite_store() override {
    statements_.clear();
    sqlite3_close_v2(db_);
  }

  static expected<std::unique_ptr<store>> open(const std::string& path, const store_options& o) {
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close_v2(db);
      return failure{
          fmt::format("cannot open SQLite store {}: {} (check the directory exists "
                      "and is writable)",
                      path, msg)};
    }
    sqlite3_busy_timeout(db, static_cast<int>(o.busy_timeout.count()));
    auto s = std::make_unique<sqlite_store>(db, o, gate_for(path));
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
      if (auto e = s->exec_retrying(pragma, o.busy_timeout); !e) return e.error();
    }
    if (auto e = s->exec_retrying(schema, o.busy_timeout); !e) return e.error();
    return std::unique_ptr<store>(std::move(s));
  }

  // ---- agents ----------------------------------------------------------------------

  expected<agent_info> register_agent(std::string_view id, std::string_view name,
                                      std::string_view capabilities, std::int64_t now) override {
    if (auto bad = rules::check_agent(id, name, capabilities)) return *bad;
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    auto& s = stmt(
        "INSERT INTO agents(id, name, capabilities, last_seen) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
        "capabilities = excluded.capabilities, last_seen = excluded.last_seen");
    sqlite::reset_guard g(s);
    s.bind(1, id).bind(2, name).bind(3, capabilities).bind(4, now);
    if (s.step() != SQLITE_DONE) return error("register agent");
    return agent_locked(id);
  }

  expected<bool> update_agent_status(std::string_view id, std::string_view status,
                                     std::optional<std::int64_t> current_task,
                                     std::int64_t now) override {
    if (auto bad = rules::check_agent_status(status)) return *bad;
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    auto& s =
        stmt("UPDATE agents SET status = ?1, current_task = ?2, last_seen = ?3 WHERE id = ?4");
    sqlite::reset_guard g(s);
    s.bind(1, status).bind(3, now).bind(4, id);
    if (current_task) {
      s.bind(2, *current_task);
    } else {
      s.bind_null(2);
    }
    if (s.step() != SQLITE_DONE) return error("update agent status");
    if (sqlite3_changes(db_) == 0) return rules::unknown_agent(id);
    return true;
  }

  expected<bool> set_handoff(std::string_view id, bool handoff) override {
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    auto& s = stmt("UPDATE agents SET handoff = ?1 WHERE id = ?2");
    sqlite::reset_guard g(s);
    s.bind(1, handoff ? 1 : 0).bind(2, id);
    if (s.step() != SQLITE_DONE) return error("set handoff");
    if (sqlite3_changes(db_) == 0) return rules::unknown_agent(id);
    return true;
  }

  expected<std::vector<agent_info>> agents() override {
    std::lock_guard lock(gate_->mutex);
    auto& s = stmt(
        "SELECT id, name, capabilities, status, current_task, last_seen, handoff FROM agents "
        "ORDER BY id");
    sqlite::reset_guard g(s);
    std::vector<agent_info> out;
    if (!collect(s, out, read_agent)) return error("list agents");
    return out;
  }

  // ---- tasks -------------------------------------------------------------------------

  expected<std::int64_t> create_task(const new_task& t, std::int64_t now) override {
    if (auto bad = rules::check_new_task(t)) return *bad;
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    if (t.parent) {
      if (auto parent = task_locked(*t.parent); !parent) {
        return rules::unknown_parent(*t.parent);
      }
    }
    auto& s = stmt(
        "INSERT INTO tasks(title, priority, payload, parent, not_before, created, rank) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    sqlite::reset_guard g(s);
    s.bind(1, t.title).bind(2, static_cast<std::int64_t>(t.priority)).bind(3, t.payload);
    if (t.parent) {
      s.bind(4, *t.parent);
    } else {
      s.bind_null(4);
    }
    s.bind(5, t.not_before_ns).bind(6, now);
    s.bind(7, rules::rank(t.priority, now, options_.aging.count()));
    if (s.step() != SQLITE_DONE) return error("create task");
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
  }

  expected<task> update_task(std::int64_t id, std::string_view agent, task_status status,
                             std::string_view notes, std::int64_t now) override {
    if (auto bad = rules::check_update(status, notes)) return *bad;
    std::lock_guard lock(gate_->mutex);
    transaction tx(*this);
    if (auto e = tx.begin(); !e) return e.error();
    auto current = task_locked(id);
    if (!current) return current.error();
    const task& t = *current;
    if ((t.status != task_status::claimed && t.status != task_status::in_progress) ||
        t.owner != agent) {
      return rules::not_updatable(t, agent, status);
    }
    auto& s = stmt(
        "UPDATE tasks SET status = ?1, notes = ?2, owner = CASE WHEN ?1 = 0 THEN NULL ELSE owner "
        "END, completions = completions + (?1 = 3), lease_until = ?3 WHERE id = ?4");
    sqlite::reset_guard g(s);
    s.bind(1, static_cast<std::int64_t>(status)).bind(2, notes);
    s.bind(3, now + options_.claim_lease.count()).bind(4, id);
    if (s.step() != SQLITE_DONE) return error("update task");
    if (auto e = tx.commit(); !e) return e.error();
    return task_locked(id);
  }

  expected<task> claim_task(std::int64_t id, std::string_view agent, std::int64_t now) override {
    if (auto bad = rules::check_claimer(agent)) return *bad;
    if (id <= 0) return rules::unknown_task(id);
    claim_request request{.agent = agent, .now = now, .id = id};
    auto claimed = combine(request);
    if (!claimed) return claimed.error();
    return std::move(**claimed);
  }

  expected<std::optional<task>> claim_next(std::string_view agent, std::int64_t now) override {
    if (auto bad = rules::check_claimer(agent)) return *bad;
    claim_request request{.agent = agent, .now = now};
    return combine(request);
  }

  expected<std::vector<task>> claim_next_batch(std::string_view agent, int max,
                                               std::int64_t now) override {
    if (auto bad = rules::check_batch(max)) return *bad;
    if (auto bad = rules::check_claimer(agent)) return *bad;
    std::lock_guard lock(gate_->mutex);
    transaction tx(*this);
    if (auto e = tx.begin(); !e) return e.error();
    auto claimed = claim_best(agent, now, max);
    if (!claimed) return claimed.error();
    if (auto e = tx.commit(); !e) return e.error();
    return claimed;
  }

private:
  // Queues a claim. While another thread runs a group of claims, the queue
  // fills; when it is done, one waiting thread takes the whole queue and runs it
  // as the next group in one transaction: each claim with its own agent and time,
  // exactly as if alone, committed once. Waiters never need the file mutex to
  // learn that their claim is done, so one busy thread cannot starve them.
  expected<std::optional<task>> combine(claim_request& request) {
    std::unique_lock queue(gate_->queue_mutex);
    gate_->queue.push_back(&request);
    while (!request.done) {
      if (gate_->combining) {
        gate_->group_done.wait(queue);
        continue;
      }
      gate_->combining = true;
      std::vector<claim_request*> group;
      group.swap(gate_->queue);
      queue.unlock();
      run_group(group);
      queue.lock();
      for (auto* r : group) r->done = true;
      gate_->combining = false;
      gate_->group_done.notify_all();
    }
    return std::move(request.result);
  }

  void run_group(const std::vector<claim_request*>& group) {
    std::lock_guard lock(gate_->mutex);
    auto fail_all = [&](const failure& f) {
      for (auto* r : group) r->result = f;
    };
    transaction tx(*this);
    if (auto e = tx.begin(); !e) {
      fail_all(e.error());
    } else {
      for (auto* r : group) {
        if (r->id != 0) {
          auto t = claim_one(r->id, r->agent, r->now);
          if (t) {
            r->result = std::optional<task>(std::move(t).value());
          } else {
            r->result = t.error();
          }
        } else {
          auto best = claim_best(r->agent, r->now, 1);
          if (!best) {
            r->result = best.error();
          } else {
            r->result = best->empty() ? std::optional<task>()
                                      : std::optional<task>(std::move(best->front()));
          }
        }
        // An I/O error ends SQLite's transaction: the claims before it are gone too.
        if (sqlite3_get_autocommit(db_) != 0) {
          fail_all(error("claim (the transaction was rolled back)"));
          break;
        }
      }
      if (!tx.rolled_back()) {
        if (auto c = tx.commit(); !c) fail_all(c.error());
      }
    }
  }

  // Claims task `id` inside the caller's transaction, or says why not.
  expected<task> claim_one(std::int64_t id, std::string_view agent, std::int64_t now) {
    static const std::string sql =
        std::string(
            "UPDATE tasks SET status = 1, owner = :agent, lease_until = :lease "
            "WHERE id = :id AND ") +
        claimable + " RETURNING " + task_columns;
    {
      auto& s = stmt(sql.c_str());
      sqlite::reset_guard g(s);
      s.bind(":agent", agent);
      s.bind(":lease", now + options_.claim_lease.count());
      s.bind(":id", id);
      s.bind(":now", now);
      const int rc = s.step();
      if (rc == SQLITE_ROW) {
        task won = read_task(s);
        while (s.step() == SQLITE_ROW) {
        }
        return won;
      }
      if (rc != SQLITE_DONE) return error("claim task");
    }
    // Say why not.
    auto t = task_locked(id);
    if (!t) return t.error();
    return rules::not_claimable(*t, now);
  }

public:
  expected<std::vector<task>> list_tasks(std::optional<task_status> status) override {
    std::lock_guard lock(gate_->mutex);
    static const std::string all =
        std::string("SELECT ") + task_columns + " FROM tasks ORDER BY id";
    static const std::string some =
        std::string("SELECT ") + task_columns + " FROM tasks WHERE status = ?1 ORDER BY id";
    auto& s = stmt(status ? some.c_str() : all.c_str());
    sqlite::reset_guard g(s);
    if (status) s.bind(1, static_cast<std::int64_t>(*status));
    std::vector<task> out;
    if (!collect(s, out, read_task)) return error("list tasks");
    return out;
  }

  expected<task> get_task(std::int64_t id) override {
    std::lock_guard lock(gate_->mutex);
    return task_locked(id);
  }

  expected<std::int64_t> heartbeat(std::string_view agent, std::int64_t now) override {
    std::lock_guard lock(gate_->mutex);
    transaction tx(*this);
    if (auto e = tx.begin(); !e) return e.error();
    auto& seen = stmt("UPDATE agents SET last_seen = ?1 WHERE id = ?2");
    {
      sqlite::reset_guard g(seen);
      seen.bind(1, now).bind(2, agent);
      if (seen.step() != SQLITE_DONE) return error("heartbeat");
      if (sqlite3_changes(db_) == 0) return rules::unknown_agent(agent);
    }
    auto& s = stmt("UPDATE tasks SET lease_until = ?1 WHERE owner = ?2 AND status IN (1, 2)");
    sqlite::reset_guard g(s);
    s.bind(1, now + options_.claim_lease.count()).bind(2, agent);
    if (s.step() != SQLITE_DONE) return error("heartbeat");
    const auto n = static_cast<std::int64_t>(sqlite3_changes(db_));
    if (auto e = tx.commit(); !e) return e.error();
    return n;
  }

  expected<std::int64_t> release_expired(std::int64_t now) override {
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    auto& s = stmt(
        "UPDATE tasks SET status = 0, owner = NULL WHERE status IN (1, 2) AND lease_until < ?1 "
        "AND COALESCE((SELECT handoff FROM agents WHERE agents.id = tasks.owner), 1) = 1");
    sqlite::reset_guard g(s);
    s.bind(1, now);
    if (s.step() != SQLITE_DONE) return error("release expired claims");
    return static_cast<std::int64_t>(sqlite3_changes(db_));
  }

  // ---- messages ----------------------------------------------------------------------

  expected<std::int64_t> send_message(std::string_view from, std::string_view to,
                                      std::string_view body, std::int64_t now) override {
    if (auto bad = rules::check_message(body)) return *bad;
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    if (auto a = agent_locked(to); !a) return a.error();
    auto& s = stmt("INSERT INTO messages(sender, recipient, body, created) VALUES(?1, ?2, ?3, ?4)");
    sqlite::reset_guard g(s);
    s.bind(1, from).bind(2, to).bind(3, body).bind(4, now);
    if (s.step() != SQLITE_DONE) return error("send message");
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
  }

  expected<std::int64_t> broadcast(std::string_view from, std::string_view body,
                                   std::int64_t now) override {
    if (auto bad = rules::check_message(body)) return *bad;
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    auto& s = stmt(
        "INSERT INTO messages(sender, recipient, body, created) "
        "SELECT ?1, id, ?2, ?3 FROM agents WHERE id != ?1");
    sqlite::reset_guard g(s);
    s.bind(1, from).bind(2, body).bind(3, now);
    if (s.step() != SQLITE_DONE) return error("broadcast");
    return static_cast<std::int64_t>(sqlite3_changes(db_));
  }

  expected<std::vector<stored_message>> read_messages(std::string_view agent, bool unread_only,
                                                      bool mark_read) override {
    std::lock_guard lock(gate_->mutex);
    transaction tx(*this);
    if (auto e = tx.begin(); !e) return e.error();
    if (auto a = agent_locked(agent); !a) return a.error();
    auto& s =
        stmt(unread_only ? "SELECT id, sender, recipient, body, created, read, acked FROM messages "
                           "WHERE recipient = ?1 AND read = 0 ORDER BY id"
                         : "SELECT id, sender, recipient, body, created, read, acked FROM messages "
                           "WHERE recipient = ?1 ORDER BY id");
    std::vector<stored_message> out;
    {
      sqlite::reset_guard g(s);
      s.bind(1, agent);
      if (!collect(s, out, read_message)) return error("read messages");
    }
    if (mark_read && !out.empty()) {
      auto& m = stmt("UPDATE messages SET read = 1 WHERE recipient = ?1 AND id <= ?2");
      sqlite::reset_guard g(m);
      m.bind(1, agent).bind(2, out.back().id);
      if (m.step() != SQLITE_DONE) return error("mark messages read");
    }
    if (auto e = tx.commit(); !e) return e.error();
    return out;
  }

  expected<std::vector<stored_message>> unacked(std::string_view agent) override {
    std::lock_guard lock(gate_->mutex);
    auto& s = stmt(
        "SELECT id, sender, recipient, body, created, read, acked FROM messages "
        "WHERE recipient = ?1 AND acked = 0 ORDER BY id");
    sqlite::reset_guard g(s);
    s.bind(1, agent);
    std::vector<stored_message> out;
    if (!collect(s, out, read_message)) return error("list unacknowledged messages");
    return out;
  }

  expected<bool> ack_message(std::int64_t id) override {
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    auto& s = stmt("UPDATE messages SET acked = 1, read = 1 WHERE id = ?1");
    sqlite::reset_guard g(s);
    s.bind(1, id);
    if (s.step() != SQLITE_DONE) return error("acknowledge message");
    if (sqlite3_changes(db_) == 0) return rules::unknown_message(id);
    return true;
  }

  // ---- leader ------------------------------------------------------------------------

  expected<bool> register_candidate(std::string_view id, std::int64_t now) override {
    if (auto bad = rules::check_candidate(id)) return *bad;
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    auto& s = stmt("INSERT OR REPLACE INTO candidates(id, registered) VALUES(?1, ?2)");
    sqlite::reset_guard g(s);
    s.bind(1, id).bind(2, now);
    if (s.step() != SQLITE_DONE) return error("register candidate");
    return true;
  }

  expected<leader_state> try_lead(std::string_view candidate, std::int64_t now) override {
    std::lock_guard lock(gate_->mutex);
    transaction tx(*this);
    if (auto e = tx.begin(); !e) return e.error();
    {
      auto& c = stmt("SELECT 1 FROM candidates WHERE id = ?1");
      sqlite::reset_guard g(c);
      c.bind(1, candidate);
      if (c.step() != SQLITE_ROW) {
        return rules::not_candidate(candidate);
      }
    }
    auto current = leader_locked();
    if (!current) return current.error();
    if (!current->holder.empty() && current->lease_until_ns >= now) {
      if (current->holder == candidate) return *current;
      return rules::lead_held(*current, now);
    }
    leader_state next{std::string(candidate), current->epoch + 1,
                      now + options_.leader_ttl.count()};
    auto& s = stmt(
        "INSERT INTO leader(id, holder, epoch, lease_until) VALUES(1, ?1, ?2, ?3) "
        "ON CONFLICT(id) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, "
        "lease_until = excluded.lease_until");
    sqlite::reset_guard g(s);
    s.bind(1, next.holder).bind(2, next.epoch).bind(3, next.lease_until_ns);
    if (s.step() != SQLITE_DONE) return error("take the leader lease");
    if (auto e = tx.commit(); !e) return e.error();
    return next;
  }

  expected<leader_state> renew_lead(std::string_view candidate, std::int64_t epoch,
                                    std::int64_t now) override {
    std::lock_guard lock(gate_->mutex);
    write_scope write(*this);
    auto& s =
        stmt("UPDATE leader SET lease_until = ?1 WHERE id = 1 AND holder = ?2 AND epoch = ?3");
    {
      sqlite::reset_guard g(s);
      s.bind(1, now + options_.leader_ttl.count()).bind(2, candidate).bind(3, epoch);
      if (s.step() != SQLITE_DONE) return error("renew the leader lease");
    }
    if (sqlite3_changes(db_) == 0) {
      auto current = leader_locked();
      if (!current) return current.error();
      return rules::lead_lost(candidate, epoch, *current);
    }
    return leader_locked();
  }

  expected<leader_state> leader() override {
    std::lock_guard lock(gate_->mutex);
    return leader_locked();
  }

  expected<bool> check_epoch(std::int64_t epoch) override {
    std::lock_guard lock(gate_->mutex);
    auto current = leader_locked();
    if (!current) return current.error();
    if (current->epoch != epoch) {
      return rules::stale_epoch(epoch, *current);
    }
    return true;
  }

private:
  // BEGIN IMMEDIATE ... COMMIT, rolled back if not committed.
  class transaction {
  public:
    explicit transaction(sqlite_store& s) : s_(s) {}
    ~transaction() {
      if (open_) [[maybe_unused]]
        auto ignored = s_.exec("ROLLBACK");
    }
    expected<bool> begin() {
      auto r = s_.exec("BEGIN IMMEDIATE");
      open_ = r.has_value();
      return r;
    }
    expected<bool> commit() {
      auto r = s_.exec("COMMIT");
      if (r) open_ = false;
      return r;
    }
    /// SQLite ends a transaction by itself on some errors (I/O, full disk).
    bool rolled_back() {
      if (open_ && sqlite3_get_autocommit(s_.db_) != 0) open_ = false;
      return !open_;
    }

  private:
    sqlite_store& s_;
    bool open_ = false;
  };

  // BEGIN IMMEDIATE for a single writing step, COMMIT when the scope ends. Taking
  // the write lock first (waiting up to busy_timeout) avoids the immediate
  // SQLITE_BUSY a read snapshot gets when it tries to write after another writer.
  class write_scope {
  public:
    explicit write_scope(sqlite_store& s) : s_(s), open_(s.exec("BEGIN IMMEDIATE").has_value()) {}
    ~write_scope() {
      if (open_ && !s_.exec("COMMIT")) [[maybe_unused]]
        auto ignored = s_.exec("ROLLBACK");
    }
    write_scope(const write_scope&) = delete;
    write_scope& operator=(const write_scope&) = delete;

  private:
    sqlite_store& s_;
    bool open_;
  };

  // Claims up to `limit` tasks inside the caller's transaction: the best expired
  // claims (abandoned work goes first), then the pending tasks of highest
  // effective priority, each found by an index.
  expected<std::vector<task>> claim_best(std::string_view agent, std::int64_t now, int limit) {
    std::vector<std::int64_t> candidates;
    auto consider = [&](sqlite::statement& q) -> bool {
      sqlite::reset_guard g(q);
      q.bind(":now", now)
          .bind(":limit",
                static_cast<std::int64_t>(limit) - static_cast<std::int64_t>(candidates.size()));
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) candidates.push_back(q.int64(0));
      return rc == SQLITE_DONE;
    };
    if (!consider(stmt("SELECT id FROM tasks WHERE status IN (1, 2) AND lease_until < :now "
                       "AND COALESCE((SELECT handoff FROM agents WHERE agents.id = tasks.owner), "
                       "1) = 1 ORDER BY rank LIMIT :limit")) ||
        (candidates.size() < static_cast<std::size_t>(limit) &&
         !consider(stmt("SELECT id FROM tasks WHERE status = 0 AND not_before <= :now "
                        "ORDER BY rank LIMIT :limit")))) {
      return error("find the next task");
    }
    std::vector<task> claimed;
    auto& u =
        stmt("UPDATE tasks SET status = 1, owner = :agent, lease_until = :lease WHERE id = :id");
    for (const auto id : candidates) {
      {
        sqlite::reset_guard g(u);
        u.bind(":agent", agent).bind(":lease", now + options_.claim_lease.count());
        u.bind(":id", id);
        if (u.step() != SQLITE_DONE) return error("claim next task");
      }
      auto t = task_locked(id);
      if (!t) return t.error();
      claimed.push_back(std::move(t).value());
    }
    return claimed;
  }

  sqlite::statement& stmt(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      it = statements_.emplace(sql, std::make_unique<sqlite::statement>(db_, sql)).first;
    }
    return *it->second;
  }

  expected<bool> exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return failure{fmt::format("SQLite: {} failed: {}", sql, msg)};
    }
    return true;
  }
  // Set-up statements (switching to WAL, creating tables) may find the file
  // locked by another process doing the same; SQLite does not wait for some of
  // those locks, so retry for up to `timeout`.
  expected<bool> exec_retrying(const char* sql, std::chrono::milliseconds timeout) {
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

  failure error(std::string_view what) const {
    return failure{fmt::format("SQLite: cannot {}: {}", what, sqlite3_errmsg(db_))};
  }

  static agent_info read_agent(const sqlite::statement& s) {
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
  static stored_message read_message(const sqlite::statement& s) {
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

  expected<agent_info> agent_locked(std::string_view id) {
    auto& s = stmt(
        "SELECT id, name, capabilities, status, current_task, last_seen, handoff FROM agents "
        "WHERE id = ?1");
    sqlite::reset_guard g(s);
    s.bind(1, id);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return read_agent(s);
    if (rc == SQLITE_DONE) return rules::unknown_agent(id);
    return error("read agent");
  }

  expected<task> task_locked(std::int64_t id) {
    static const std::string sql =
        std::string("SELECT ") + task_columns + " FROM tasks WHERE id = ?1";
    auto& s = stmt(sql.c_str());
    sqlite::reset_guard g(s);
    s.bind(1, id);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return read_task(s);
    if (rc == SQLITE_DONE) return rules::unknown_task(id);
    return error("read task");
  }

  expected<leader_state> leader_locked() {
    auto& s = stmt("SELECT holder, epoch, lease_until FROM leader WHERE id = 1");
    sqlite::reset_guard g(s);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return leader_state{s.text(0), s.int64(1), s.int64(2)};
    if (rc == SQLITE_DONE) return leader_state{};
    return error("read leader");
  }

  sqlite3* db_;
  store_options options_;
  std::shared_ptr<file_gate> gate_;
  std::unordered_map<const char*, std::unique_ptr<sqlite::statement>> statements_;
};

}  // namespace

expected<std::unique_ptr<store>> open_sqlite_store(const std::string& path,
                                                   const store_options& o) {
  return sqlite_store::open(path, o);
}

}  // namespace perftrack::coord
