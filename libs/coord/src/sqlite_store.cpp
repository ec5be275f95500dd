// The SQLite store: one file shared by every process on a machine, WAL journal,
// writers serialised by SQLite's lock (BEGIN IMMEDIATE for read-then-write steps).
// Durability: synchronous=NORMAL (a committed step survives a process crash; the
// last steps before a power loss may be lost), stated in docs/coordination.md.

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "perftrack/coord/store.hpp"
#include "rules.hpp"
#include "sqlite_gate.hpp"
#include "sqlite_schema.hpp"
#include "sqlite_vfs.hpp"

namespace perftrack::coord {
namespace {

using sqlite::claimable;
using sqlite::collect;
using sqlite::read_agent;
using sqlite::read_message;
using sqlite::read_task;
using sqlite::schema;
using sqlite::task_columns;

class sqlite_store final : public store {
public:
  sqlite_store(sqlite3* db, const store_options& o, std::shared_ptr<sqlite::file_gate> g)
      : db_(db), options_(o), gate_(std::move(g)), me_(this_instance()) {}

  static expected<std::unique_ptr<store>> open(const std::string& path, const store_options& o) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   sqlite::coalescing_vfs());
    if (rc != SQLITE_OK) {
      std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close_v2(db);
      return failure{
          fmt::format("cannot open SQLite store {}: {} (check the directory exists "
                      "and is writable)",
                      path, msg)};
    }
    sqlite3_busy_timeout(db, static_cast<int>(o.busy_timeout.count()));
    auto s = std::make_unique<sqlite_store>(db, o, sqlite::gate_for(path));
    // 1 KiB pages (new files only): a claim changes four pages, each a WAL frame
    // a checkpoint later flushes, so 4 KiB pages wrote 16 KiB a claim. A
    // checkpoint every 4,000 frames keeps SQLite's default WAL size (4 MiB).
    for (const char* pragma :
         {"PRAGMA page_size=1024", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
          "PRAGMA wal_autocheckpoint=4000", "PRAGMA foreign_keys=ON"}) {
      if (auto e = s->db_.exec_retrying(pragma, o.busy_timeout); !e) return e.error();
    }
    if (auto e = s->db_.exec_retrying(schema, o.busy_timeout); !e) return e.error();
    if (auto e = s->add_missing_columns(); !e) return e.error();
    return std::unique_ptr<store>(std::move(s));
  }

  // ---- agents ----------------------------------------------------------------------

  expected<agent_info> register_agent(std::string_view id, std::string_view name,
                                      std::string_view capabilities, std::int64_t now) override {
    if (auto bad = rules::check_agent(id, name, capabilities)) return *bad;
    std::lock_guard lock(gate_->mutex);
    sqlite::write_scope write(db_);
    // Taken over only from this instance, a store without instances, or an
    // instance silent for the claim lease.
    auto& s = db_.stmt(
        "INSERT INTO agents(id, name, capabilities, last_seen, instance) "
        "VALUES(?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
        "capabilities = excluded.capabilities, last_seen = excluded.last_seen, "
        "instance = excluded.instance "
        "WHERE agents.instance IN ('', excluded.instance) OR agents.last_seen < ?6");
    {
      sqlite::reset_guard g(s);
      s.bind(1, id).bind(2, name).bind(3, capabilities).bind(4, now).bind(5, me_);
      s.bind(6, now - options_.claim_lease.count());
      if (s.step() != SQLITE_DONE) return db_.error("register agent");
    }
    if (db_.changes() == 0) {
      const auto holder = instance_locked(id);
      if (!holder) return holder.error();
      if (!rules::instance_gone(holder->first)) {
        return rules::held_by_instance(id, holder->first, holder->second, now,
                                       options_.claim_lease.count());
      }
      auto& take = db_.stmt(
          "UPDATE agents SET name = ?1, capabilities = ?2, last_seen = ?3, instance = ?4 "
          "WHERE id = ?5 AND instance = ?6");
      sqlite::reset_guard g(take);
      take.bind(1, name).bind(2, capabilities).bind(3, now).bind(4, me_).bind(5, id);
      take.bind(6, holder->first);
      if (take.step() != SQLITE_DONE) return db_.error("register agent");
    }
    return agent_locked(id);
  }

  expected<bool> update_agent_status(std::string_view id, std::string_view status,
                                     std::optional<std::int64_t> current_task,
                                     std::int64_t now) override {
    if (auto bad = rules::check_agent_status(status)) return *bad;
    std::lock_guard lock(gate_->mutex);
    sqlite::write_scope write(db_);
    if (auto f = fence_locked(id)) return *f;
    auto& s =
        db_.stmt("UPDATE agents SET status = ?1, current_task = ?2, last_seen = ?3 WHERE id = ?4");
    sqlite::reset_guard g(s);
    s.bind(1, status).bind(3, now).bind(4, id);
    if (current_task) {
      s.bind(2, *current_task);
    } else {
      s.bind_null(2);
    }
    if (s.step() != SQLITE_DONE) return db_.error("update agent status");
    if (db_.changes() == 0) return rules::unknown_agent(id);
    return true;
  }

  expected<bool> set_handoff(std::string_view id, bool handoff) override {
    std::lock_guard lock(gate_->mutex);
    sqlite::write_scope write(db_);
    auto& s = db_.stmt("UPDATE agents SET handoff = ?1 WHERE id = ?2");
    sqlite::reset_guard g(s);
    s.bind(1, std::int64_t{handoff ? 1 : 0}).bind(2, id);
    if (s.step() != SQLITE_DONE) return db_.error("set handoff");
    if (db_.changes() == 0) return rules::unknown_agent(id);
    return true;
  }

  expected<std::vector<agent_info>> agents() override {
    std::lock_guard lock(gate_->mutex);
    auto& s = db_.stmt(
        "SELECT id, name, capabilities, status, current_task, last_seen, handoff FROM agents "
        "ORDER BY id");
    sqlite::reset_guard g(s);
    std::vector<agent_info> out;
    if (!collect(s, out, read_agent)) return db_.error("list agents");
    return out;
  }

  // ---- tasks -------------------------------------------------------------------------

  expected<std::int64_t> create_task(const new_task& t, std::int64_t now) override {
    if (auto bad = rules::check_new_task(t)) return *bad;
    std::lock_guard lock(gate_->mutex);
    sqlite::write_scope write(db_);
    if (t.parent) {
      if (auto parent = task_locked(*t.parent); !parent) {
        return rules::unknown_parent(*t.parent);
      }
    }
    auto& s = db_.stmt(
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
    if (s.step() != SQLITE_DONE) return db_.error("create task");
    return static_cast<std::int64_t>(db_.last_insert_rowid());
  }

  expected<task> update_task(std::int64_t id, std::string_view agent, task_status status,
                             std::string_view notes, std::int64_t now) override {
    if (auto bad = rules::check_update(status, notes)) return *bad;
    std::lock_guard lock(gate_->mutex);
    sqlite::transaction tx(db_);
    if (auto e = tx.begin(); !e) return e.error();
    if (auto f = fence_locked(agent)) return *f;
    auto current = task_locked(id);
    if (!current) return current.error();
    const task& t = *current;
    if ((t.status != task_status::claimed && t.status != task_status::in_progress) ||
        t.owner != agent) {
      return rules::not_updatable(t, agent, status);
    }
    auto& s = db_.stmt(
        "UPDATE tasks SET status = ?1, notes = ?2, owner = CASE WHEN ?1 = 0 THEN NULL ELSE owner "
        "END, completions = completions + (?1 = 3), lease_until = ?3 WHERE id = ?4");
    sqlite::reset_guard g(s);
    s.bind(1, static_cast<std::int64_t>(status)).bind(2, notes);
    s.bind(3, now + options_.claim_lease.count()).bind(4, id);
    if (s.step() != SQLITE_DONE) return db_.error("update task");
    if (auto e = tx.commit(); !e) return e.error();
    return task_locked(id);
  }

  expected<task> claim_task(std::int64_t id, std::string_view agent, std::int64_t now) override {
    return claim_by_id(id, agent, now, now + options_.claim_lease.count(),
                       [this](claim_request& r) { return combine(r); });
  }

  expected<std::optional<task>> claim_next(std::string_view agent, std::int64_t now) override {
    return claim_best_one(agent, now, now + options_.claim_lease.count(),
                          [this](claim_request& r) { return combine(r); });
  }

  expected<std::vector<task>> claim_next_batch(std::string_view agent, int max,
                                               std::int64_t now) override {
    if (auto bad = rules::check_batch(max)) return *bad;
    if (auto bad = rules::check_claimer(agent)) return *bad;
    std::lock_guard lock(gate_->mutex);
    sqlite::transaction tx(db_);
    if (auto e = tx.begin(); !e) return e.error();
    if (auto f = fence_locked(agent)) return *f;
    auto claimed = claim_best(agent, now, now + options_.claim_lease.count(), max);
    if (!claimed) return claimed.error();
    if (auto e = tx.commit(); !e) return e.error();
    return claimed;
  }

private:
  expected<std::optional<task>> combine(claim_request& request) {
    return gate_->claims.submit(request, [this](const claim_group& group) { run_group(group); });
  }

  void run_group(const claim_group& group) {
    std::lock_guard lock(gate_->mutex);
    auto fail_all = [&](const failure& f) {
      for (auto* r : group) r->result = f;
    };
    sqlite::transaction tx(db_);
    if (auto e = tx.begin(); !e) {
      fail_all(e.error());
    } else {
      for (auto* r : group) {
        if (auto f = fence_locked(r->agent)) {
          r->result = *f;
        } else if (r->id != 0) {
          auto t = claim_one(r->id, r->agent, r->now, r->lease_until);
          if (t) {
            r->result = std::optional<task>(std::move(t).value());
          } else {
            r->result = t.error();
          }
        } else {
          auto best = claim_best(r->agent, r->now, r->lease_until, 1);
          if (!best) {
            r->result = best.error();
          } else {
            r->result = best->empty() ? std::optional<task>()
                                      : std::optional<task>(std::move(best->front()));
          }
        }
        // An I/O error ends SQLite's transaction: the claims before it are gone too.
        if (!db_.in_transaction()) {
          fail_all(db_.error("claim (the transaction was rolled back)"));
          break;
        }
      }
      if (!tx.rolled_back()) {
        if (auto c = tx.commit(); !c) fail_all(c.error());
      }
    }
  }

  // Claims task `id` inside the caller's transaction, or says why not.
  expected<task> claim_one(std::int64_t id, std::string_view agent, std::int64_t now,
                           std::int64_t lease_until) {
    static const std::string sql =
        std::string(
            "UPDATE tasks SET status = 1, owner = :agent, lease_until = :lease "
            "WHERE id = :id AND ") +
        claimable + " RETURNING " + task_columns;
    {
      auto& s = db_.stmt(sql.c_str());
      sqlite::reset_guard g(s);
      s.bind(":agent", agent);
      s.bind(":lease", lease_until);
      s.bind(":id", id);
      s.bind(":now", now);
      const int rc = s.step();
      if (rc == SQLITE_ROW) {
        task won = read_task(s);
        while (s.step() == SQLITE_ROW) {
        }
        return won;
      }
      if (rc != SQLITE_DONE) return db_.error("claim task");
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
    auto& s = db_.stmt(status ? some.c_str() : all.c_str());
    sqlite::reset_guard g(s);
    if (status) s.bind(1, static_cast<std::int64_t>(*status));
    std::vector<task> out;
    if (!collect(s, out, read_task)) return db_.error("list tasks");
    return out;
  }

  expected<task> get_task(std::int64_t id) override {
    std::lock_guard lock(gate_->mutex);
    return task_locked(id);
  }

  expected<std::int64_t> heartbeat(std::string_view agent, std::int64_t now) override {
    std::lock_guard lock(gate_->mutex);
    sqlite::transaction tx(db_);
    if (auto e = tx.begin(); !e) return e.error();
    if (auto f = fence_locked(agent)) return *f;
    auto& seen = db_.stmt("UPDATE agents SET last_seen = ?1 WHERE id = ?2");
    {
      sqlite::reset_guard g(seen);
      seen.bind(1, now).bind(2, agent);
      if (seen.step() != SQLITE_DONE) return db_.error("heartbeat");
      if (db_.changes() == 0) return rules::unknown_agent(agent);
    }
    auto& s = db_.stmt("UPDATE tasks SET lease_until = ?1 WHERE owner = ?2 AND status IN (1, 2)");
    sqlite::reset_guard g(s);
    s.bind(1, now + options_.claim_lease.count()).bind(2, agent);
    if (s.step() != SQLITE_DONE) return db_.error("heartbeat");
    const auto n = static_cast<std::int64_t>(db_.changes());
    if (auto e = tx.commit(); !e) return e.error();
    return n;
  }

  expected<std::int64_t> release_expired(std::int64_t now) override {
    std::lock_guard lock(gate_->mutex);
    sqlite::write_scope write(db_);
    auto& s = db_.stmt(
        "UPDATE tasks SET status = 0, owner = NULL WHERE status IN (1, 2) AND lease_until < ?1 "
        "AND COALESCE((SELECT handoff FROM agents WHERE agents.id = tasks.owner), 1) = 1");
    sqlite::reset_guard g(s);
    s.bind(1, now);
    if (s.step() != SQLITE_DONE) return db_.error("release expired claims");
    return static_cast<std::int64_t>(db_.changes());
  }

  // ---- messages ----------------------------------------------------------------------

  expected<std::int64_t> send_message(std::string_view from, std::string_view to,
                                      std::string_view body, std::int64_t now) override {
    if (auto bad = rules::check_message(body)) return *bad;
    std::lock_guard lock(gate_->mutex);
    sqlite::write_scope write(db_);
    if (auto a = agent_locked(to); !a) return a.error();
    auto& s =
        db_.stmt("INSERT INTO messages(sender, recipient, body, created) VALUES(?1, ?2, ?3, ?4)");
    sqlite::reset_guard g(s);
    s.bind(1, from).bind(2, to).bind(3, body).bind(4, now);
    if (s.step() != SQLITE_DONE) return db_.error("send message");
    return static_cast<std::int64_t>(db_.last_insert_rowid());
  }

  expected<std::vector<addressed_message>> broadcast(std::string_view from, std::string_view body,
                                                     std::int64_t now) override {
    if (auto bad = rules::check_message(body)) return *bad;
    std::lock_guard lock(gate_->mutex);
    sqlite::transaction tx(db_);
    if (auto e = tx.begin(); !e) return e.error();
    auto& s = db_.stmt(
        "INSERT INTO messages(sender, recipient, body, created) "
        "SELECT ?1, id, ?2, ?3 FROM agents WHERE id != ?1 RETURNING id, recipient");
    std::vector<addressed_message> out;
    {
      sqlite::reset_guard g(s);
      s.bind(1, from).bind(2, body).bind(3, now);
      if (!collect(s, out, [](const sqlite::statement& row) {
            return addressed_message{row.int64(0), row.text(1)};
          }))
        return db_.error("broadcast");
    }
    if (auto e = tx.commit(); !e) return e.error();
    return out;
  }

  expected<std::vector<stored_message>> read_messages(std::string_view agent, bool unread_only,
                                                      bool mark_read) override {
    std::lock_guard lock(gate_->mutex);
    sqlite::transaction tx(db_);
    if (auto e = tx.begin(); !e) return e.error();
    if (auto a = agent_locked(agent); !a) return a.error();
    if (auto f = fence_locked(agent)) return *f;
    auto& s = db_.stmt(
        unread_only ? "SELECT id, sender, recipient, body, created, read, acked FROM messages "
                      "WHERE recipient = ?1 AND read = 0 ORDER BY id"
                    : "SELECT id, sender, recipient, body, created, read, acked FROM messages "
                      "WHERE recipient = ?1 ORDER BY id");
    std::vector<stored_message> out;
    {
      sqlite::reset_guard g(s);
      s.bind(1, agent);
      if (!collect(s, out, read_message)) return db_.error("read messages");
    }
    if (mark_read && !out.empty()) {
      auto& m = db_.stmt("UPDATE messages SET read = 1 WHERE recipient = ?1 AND id <= ?2");
      sqlite::reset_guard g(m);
      m.bind(1, agent).bind(2, out.back().id);
      if (m.step() != SQLITE_DONE) return db_.error("mark messages read");
    }
    if (auto e = tx.commit(); !e) return e.error();
    return out;
  }

  expected<std::vector<stored_message>> unacked(std::string_view agent) override {
    std::lock_guard lock(gate_->mutex);
    if (auto f = fence_locked(agent)) return *f;
    auto& s = db_.stmt(
        "SELECT id, sender, recipient, body, created, read, acked FROM messages "
        "WHERE recipient = ?1 AND acked = 0 ORDER BY id");
    sqlite::reset_guard g(s);
    s.bind(1, agent);
    std::vector<stored_message> out;
    if (!collect(s, out, read_message)) return db_.error("list unacknowledged messages");
    return out;
  }

  expected<bool> ack_message(std::int64_t id) override {
    std::lock_guard lock(gate_->mutex);
    sqlite::write_scope write(db_);
    auto& s = db_.stmt("UPDATE messages SET acked = 1, read = 1 WHERE id = ?1");
    sqlite::reset_guard g(s);
    s.bind(1, id);
    if (s.step() != SQLITE_DONE) return db_.error("acknowledge message");
    if (db_.changes() == 0) return rules::unknown_message(id);
    return true;
  }

  expected<std::int64_t> ack_messages(const std::vector<std::int64_t>& ids) override {
    if (ids.empty()) return std::int64_t{0};
    std::lock_guard lock(gate_->mutex);
    sqlite::transaction tx(db_);
    if (auto e = tx.begin(); !e) return e.error();
    auto& s = db_.stmt("UPDATE messages SET acked = 1, read = 1 WHERE id = ?1 AND acked = 0");
    std::int64_t acked = 0;
    for (const auto id : ids) {
      sqlite::reset_guard g(s);
      s.bind(1, id);
      if (s.step() != SQLITE_DONE) return db_.error("acknowledge messages");
      acked += db_.changes();
    }
    if (auto e = tx.commit(); !e) return e.error();
    return acked;
  }

  // ---- leader ------------------------------------------------------------------------

  expected<bool> register_candidate(std::string_view id, std::int64_t now) override {
    if (auto bad = rules::check_candidate(id)) return *bad;
    std::lock_guard lock(gate_->mutex);
    sqlite::write_scope write(db_);
    auto& s = db_.stmt("INSERT OR REPLACE INTO candidates(id, registered) VALUES(?1, ?2)");
    sqlite::reset_guard g(s);
    s.bind(1, id).bind(2, now);
    if (s.step() != SQLITE_DONE) return db_.error("register candidate");
    return true;
  }

  expected<leader_state> try_lead(std::string_view candidate, std::int64_t now) override {
    std::lock_guard lock(gate_->mutex);
    sqlite::transaction tx(db_);
    if (auto e = tx.begin(); !e) return e.error();
    {
      auto& c = db_.stmt("SELECT 1 FROM candidates WHERE id = ?1");
      sqlite::reset_guard g(c);
      c.bind(1, candidate);
      if (c.step() != SQLITE_ROW) {
        return rules::not_candidate(candidate);
      }
    }
    if (auto f = fence_locked(candidate)) return *f;
    auto current = leader_locked();
    if (!current) return current.error();
    if (!current->holder.empty() && current->lease_until_ns >= now) {
      // The same name held by another instance is another leader, not this one.
      if (current->holder == candidate && leader_instance_locked() == me_) return *current;
      return rules::lead_held(*current, now);
    }
    leader_state next{std::string(candidate), current->epoch + 1,
                      now + options_.leader_ttl.count()};
    auto& s = db_.stmt(
        "INSERT INTO leader(id, holder, epoch, lease_until, instance) VALUES(1, ?1, ?2, ?3, ?4) "
        "ON CONFLICT(id) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, "
        "lease_until = excluded.lease_until, instance = excluded.instance");
    sqlite::reset_guard g(s);
    s.bind(1, next.holder).bind(2, next.epoch).bind(3, next.lease_until_ns).bind(4, me_);
    if (s.step() != SQLITE_DONE) return db_.error("take the leader lease");
    if (auto e = tx.commit(); !e) return e.error();
    return next;
  }

  expected<leader_state> renew_lead(std::string_view candidate, std::int64_t epoch,
                                    std::int64_t now) override {
    std::lock_guard lock(gate_->mutex);
    sqlite::write_scope write(db_);
    auto& s = db_.stmt(
        "UPDATE leader SET lease_until = ?1 WHERE id = 1 AND holder = ?2 AND epoch = ?3 "
        "AND instance = ?4");
    {
      sqlite::reset_guard g(s);
      s.bind(1, now + options_.leader_ttl.count()).bind(2, candidate).bind(3, epoch).bind(4, me_);
      if (s.step() != SQLITE_DONE) return db_.error("renew the leader lease");
    }
    if (db_.changes() == 0) {
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
  // Claims up to `limit` tasks inside the caller's transaction: the best expired
  // claims (abandoned work goes first), then the pending tasks of highest
  // effective priority, each found by an index.
  expected<std::vector<task>> claim_best(std::string_view agent, std::int64_t now,
                                         std::int64_t lease_until, int limit) {
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
    if (!consider(
            db_.stmt("SELECT id FROM tasks WHERE status IN (1, 2) AND lease_until < :now "
                     "AND COALESCE((SELECT handoff FROM agents WHERE agents.id = tasks.owner), "
                     "1) = 1 ORDER BY rank LIMIT :limit")) ||
        (candidates.size() < static_cast<std::size_t>(limit) &&
         !consider(db_.stmt("SELECT id FROM tasks WHERE status = 0 AND not_before <= :now "
                            "ORDER BY rank LIMIT :limit")))) {
      return db_.error("find the next task");
    }
    std::vector<task> claimed;
    auto& u = db_.stmt(
        "UPDATE tasks SET status = 1, owner = :agent, lease_until = :lease WHERE id = :id");
    for (const auto id : candidates) {
      {
        sqlite::reset_guard g(u);
        u.bind(":agent", agent).bind(":lease", lease_until);
        u.bind(":id", id);
        if (u.step() != SQLITE_DONE) return db_.error("claim next task");
      }
      auto t = task_locked(id);
      if (!t) return t.error();
      claimed.push_back(std::move(t).value());
    }
    return claimed;
  }

  expected<agent_info> agent_locked(std::string_view id) {
    auto& s = db_.stmt(
        "SELECT id, name, capabilities, status, current_task, last_seen, handoff FROM agents "
        "WHERE id = ?1");
    sqlite::reset_guard g(s);
    s.bind(1, id);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return read_agent(s);
    if (rc == SQLITE_DONE) return rules::unknown_agent(id);
    return db_.error("read agent");
  }

  // The instance that holds agent `id` and when it was last seen; nothing
  // recorded gives ("", 0).
  expected<std::pair<std::string, std::int64_t>> instance_locked(std::string_view id) {
    auto& s = db_.stmt("SELECT instance, last_seen FROM agents WHERE id = ?1");
    sqlite::reset_guard g(s);
    s.bind(1, id);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return std::pair{s.text(0), s.int64(1)};
    if (rc == SQLITE_DONE) return std::pair{std::string(), std::int64_t{0}};
    return db_.error("read agent");
  }

  // Why this instance may not act as `agent` (it is another's), or nothing.
  std::optional<failure> fence_locked(std::string_view agent) {
    auto holder = instance_locked(agent);
    if (!holder) return holder.error();
    if (rules::may_act(holder->first, me_)) return std::nullopt;
    return rules::other_instance(agent, holder->first);
  }

  std::string leader_instance_locked() {
    auto& s = db_.stmt("SELECT instance FROM leader WHERE id = 1");
    sqlite::reset_guard g(s);
    return s.step() == SQLITE_ROW ? s.text(0) : std::string();
  }

  // Stores made before a column existed get it (sqlite_schema.hpp).
  expected<bool> add_missing_columns() {
    for (const auto& [table, column, definition] : sqlite::added_columns) {
      auto& s = db_.stmt("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2");
      sqlite::reset_guard g(s);
      s.bind(1, std::string_view(table)).bind(2, std::string_view(column));
      const int rc = s.step();
      if (rc == SQLITE_ROW) continue;
      if (rc != SQLITE_DONE) return db_.error("read the schema");
      const auto alter = fmt::format("ALTER TABLE {} ADD COLUMN {} {}", table, column, definition);
      if (auto e = db_.exec_retrying(alter.c_str(), options_.busy_timeout); !e) {
        // Another process added it first.
        if (e.error().message.find("duplicate column") == std::string::npos) return e.error();
      }
    }
    return true;
  }

  expected<task> task_locked(std::int64_t id) {
    static const std::string sql =
        std::string("SELECT ") + task_columns + " FROM tasks WHERE id = ?1";
    auto& s = db_.stmt(sql.c_str());
    sqlite::reset_guard g(s);
    s.bind(1, id);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return read_task(s);
    if (rc == SQLITE_DONE) return rules::unknown_task(id);
    return db_.error("read task");
  }

  expected<leader_state> leader_locked() {
    auto& s = db_.stmt("SELECT holder, epoch, lease_until FROM leader WHERE id = 1");
    sqlite::reset_guard g(s);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return leader_state{s.text(0), s.int64(1), s.int64(2)};
    if (rc == SQLITE_DONE) return leader_state{};
    return db_.error("read leader");
  }

  sqlite::connection db_;
  store_options options_;
  std::shared_ptr<sqlite::file_gate> gate_;
  std::string me_;  ///< this_instance()
};

}  // namespace

expected<std::unique_ptr<store>> open_sqlite_store(const std::string& path,
                                                   const store_options& o) {
  return sqlite_store::open(path, o);
}

}  // namespace perftrack::coord
