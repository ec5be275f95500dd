// The PostgreSQL store: the same interface as the SQLite one, for agents on
// several machines. One connection per store object; claims lock rows with
// FOR UPDATE SKIP LOCKED so contending claimers pass over each other's rows
// instead of queueing on them. Most steps are one statement (one round trip);
// a refusal is explained from a second read, the step itself changed nothing.
//
// An unreachable server is retried with exponential backoff (10 ms doubling to
// 1 s, for up to store_options::reconnect_timeout) before a step fails with a
// message that says so; a connection lost in the middle of a step fails that
// step (its outcome is unknown) and the next step reconnects. Deadlocks and
// serialization failures, which PostgreSQL rolls back, are retried.
//
// Durability is the server's: with its defaults a committed step survives a
// crash of the machine; `options=-csynchronous_commit%3Doff` in the URL trades
// the last few milliseconds of commits for speed (docs/coordination.md).

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "claim_combiner.hpp"
#include "per_process.hpp"
#include "perftrack/coord/store.hpp"
#include "postgres_schema.hpp"
#include "postgres_text.hpp"
#include "rules.hpp"

namespace perftrack::coord {
namespace {

using postgres::claim_group_function;
using postgres::read_agent;
using postgres::read_all;
using postgres::read_leader;
using postgres::read_message;
using postgres::read_task;
using postgres::schema;
using postgres::statements;
using postgres::text;

using postgres::first_line;
using postgres::redact;

class postgres_store final : public store {
public:
  postgres_store(std::string url, const store_options& o)
      : url_(std::move(url)),
        options_(o),
        combiner_(per_process<claim_combiner>("postgresql " + url_)),
        me_(this_instance()) {}

  expected<bool> start() {
    std::lock_guard lock(mutex_);
    return connect();
  }

  // ---- agents ----------------------------------------------------------------------

  expected<agent_info> register_agent(std::string_view id, std::string_view name,
                                      std::string_view capabilities, std::int64_t now) override {
    if (auto bad = rules::check_agent(id, name, capabilities)) return *bad;
    return run<agent_info>("register agent", [&](pqxx::nontransaction& tx) -> expected<agent_info> {
      auto r = tx.exec_prepared("register_agent", text(id), text(name), text(capabilities), now,
                                me_, now - options_.claim_lease.count());
      if (!r.empty()) return read_agent(r[0]);
      const auto holder = tx.exec_prepared("agent_instance", text(id));
      if (holder.empty()) return rules::unknown_agent(id);  // deleted meanwhile
      const std::string held_by = holder[0][0].c_str();
      if (!rules::instance_gone(held_by)) {
        return rules::held_by_instance(id, held_by, holder[0][1].as<std::int64_t>(), now,
                                       options_.claim_lease.count());
      }
      auto taken = tx.exec_prepared("take_agent", text(id), text(name), text(capabilities), now,
                                    me_, held_by);
      if (taken.empty()) return rules::other_instance(id, held_by);  // raced with another
      return read_agent(taken[0]);
    });
  }

  expected<bool> update_agent_status(std::string_view id, std::string_view status,
                                     std::optional<std::int64_t> current_task,
                                     std::int64_t now) override {
    if (auto bad = rules::check_agent_status(status)) return *bad;
    return run<bool>("update agent status", [&](pqxx::nontransaction& tx) -> expected<bool> {
      const std::string task_text = current_task ? std::to_string(*current_task) : std::string();
      auto r = tx.exec_prepared("update_agent_status", text(status),
                                current_task ? task_text.c_str() : nullptr, now, text(id), me_);
      if (r.affected_rows() == 0) return why_not_agent(tx, id);
      return true;
    });
  }

  expected<bool> set_handoff(std::string_view id, bool handoff) override {
    return run<bool>("set handoff", [&](pqxx::nontransaction& tx) -> expected<bool> {
      auto r = tx.exec_prepared("set_handoff", handoff, text(id));
      if (r.affected_rows() == 0) return rules::unknown_agent(id);
      return true;
    });
  }

  expected<std::vector<agent_info>> agents() override {
    return run<std::vector<agent_info>>("list agents", [&](pqxx::nontransaction& tx) {
      return expected<std::vector<agent_info>>(
          read_all<agent_info>(tx.exec_prepared("agents"), read_agent));
    });
  }

  // ---- tasks -------------------------------------------------------------------------

  expected<std::int64_t> create_task(const new_task& t, std::int64_t now) override {
    if (auto bad = rules::check_new_task(t)) return *bad;
    return run<std::int64_t>(
        "create task", [&](pqxx::nontransaction& tx) -> expected<std::int64_t> {
          const std::string parent = t.parent ? std::to_string(*t.parent) : std::string();
          auto r = tx.exec_prepared("create_task", t.title, static_cast<int>(t.priority), t.payload,
                                    t.parent ? parent.c_str() : nullptr, t.not_before_ns, now,
                                    rules::rank(t.priority, now, options_.aging.count()));
          if (r.empty()) return rules::unknown_parent(*t.parent);
          return r[0][0].as<std::int64_t>();
        });
  }

  expected<task> update_task(std::int64_t id, std::string_view agent, task_status status,
                             std::string_view notes, std::int64_t now) override {
    if (auto bad = rules::check_update(status, notes)) return *bad;
    return run<task>("update task", [&](pqxx::nontransaction& tx) -> expected<task> {
      auto r = tx.exec_prepared("update_task", static_cast<int>(status), text(notes),
                                now + options_.claim_lease.count(), id, text(agent), me_);
      if (!r.empty()) return read_task(r[0]);
      if (auto f = fence(tx, agent)) return *f;
      auto current = tx.exec_prepared("task", id);
      if (current.empty()) return rules::unknown_task(id);
      return rules::not_updatable(read_task(current[0]), agent, status);
    });
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
    return claim_best(agent, now, max);
  }

  expected<std::vector<task>> list_tasks(std::optional<task_status> status) override {
    return run<std::vector<task>>("list tasks", [&](pqxx::nontransaction& tx) {
      auto r = status ? tx.exec_prepared("tasks_by_status", static_cast<int>(*status))
                      : tx.exec_prepared("tasks");
      return expected<std::vector<task>>(read_all<task>(r, read_task));
    });
  }

  expected<task> get_task(std::int64_t id) override {
    return run<task>("read task", [&](pqxx::nontransaction& tx) -> expected<task> {
      auto r = tx.exec_prepared("task", id);
      if (r.empty()) return rules::unknown_task(id);
      return read_task(r[0]);
    });
  }

  expected<std::int64_t> heartbeat(std::string_view agent, std::int64_t now) override {
    return run<std::int64_t>("heartbeat", [&](pqxx::nontransaction& tx) -> expected<std::int64_t> {
      auto r =
          tx.exec_prepared("heartbeat", now, text(agent), now + options_.claim_lease.count(), me_);
      if (r[0][0].as<std::int64_t>() == 0) return why_not_agent(tx, agent);
      return r[0][1].as<std::int64_t>();
    });
  }

  expected<std::int64_t> release_expired(std::int64_t now) override {
    return run<std::int64_t>("release expired claims", [&](pqxx::nontransaction& tx) {
      return expected<std::int64_t>(
          static_cast<std::int64_t>(tx.exec_prepared("release_expired", now).affected_rows()));
    });
  }

  // ---- messages ----------------------------------------------------------------------

  expected<std::int64_t> send_message(std::string_view from, std::string_view to,
                                      std::string_view body, std::int64_t now) override {
    if (auto bad = rules::check_message(body)) return *bad;
    return run<std::int64_t>(
        "send message", [&](pqxx::nontransaction& tx) -> expected<std::int64_t> {
          auto r = tx.exec_prepared("send_message", text(from), text(to), text(body), now);
          if (r.empty()) return rules::unknown_agent(to);
          return r[0][0].as<std::int64_t>();
        });
  }

  expected<std::vector<addressed_message>> broadcast(std::string_view from, std::string_view body,
                                                     std::int64_t now) override {
    if (auto bad = rules::check_message(body)) return *bad;
    return run<std::vector<addressed_message>>("broadcast", [&](pqxx::nontransaction& tx) {
      std::vector<addressed_message> out;
      for (const auto& row : tx.exec_prepared("broadcast", text(from), text(body), now))
        out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>()});
      return expected<std::vector<addressed_message>>(std::move(out));
    });
  }

  expected<std::vector<stored_message>> read_messages(std::string_view agent, bool unread_only,
                                                      bool mark_read) override {
    return run_transaction<std::vector<stored_message>>(
        "read messages", [&](pqxx::work& tx) -> expected<std::vector<stored_message>> {
          if (tx.exec_prepared("agent_exists", text(agent)).empty())
            return rules::unknown_agent(agent);
          if (auto f = fence(tx, agent)) return *f;
          auto out = read_all<stored_message>(
              tx.exec_prepared(unread_only ? "unread_messages" : "messages", text(agent)),
              read_message);
          if (mark_read && !out.empty()) tx.exec_prepared("mark_read", text(agent), out.back().id);
          return out;
        });
  }

  expected<std::vector<stored_message>> unacked(std::string_view agent) override {
    return run<std::vector<stored_message>>(
        "list unacknowledged messages",
        [&](pqxx::nontransaction& tx) -> expected<std::vector<stored_message>> {
          if (auto f = fence(tx, agent)) return *f;
          return read_all<stored_message>(tx.exec_prepared("unacked", text(agent)), read_message);
        });
  }

  expected<bool> ack_message(std::int64_t id) override {
    return run<bool>("acknowledge message", [&](pqxx::nontransaction& tx) -> expected<bool> {
      if (tx.exec_prepared("ack", id).affected_rows() == 0) return rules::unknown_message(id);
      return true;
    });
  }

  expected<std::int64_t> ack_messages(const std::vector<std::int64_t>& ids) override {
    if (ids.empty()) return std::int64_t{0};
    std::string array = "{";
    for (const auto id : ids) {
      if (array.size() > 1) array += ',';
      array += std::to_string(id);
    }
    array += '}';
    return run<std::int64_t>("acknowledge messages", [&](pqxx::nontransaction& tx) {
      return expected<std::int64_t>(
          static_cast<std::int64_t>(tx.exec_prepared("ack_many", array).affected_rows()));
    });
  }

  // ---- leader ------------------------------------------------------------------------

  expected<bool> register_candidate(std::string_view id, std::int64_t now) override {
    if (auto bad = rules::check_candidate(id)) return *bad;
    return run<bool>("register candidate", [&](pqxx::nontransaction& tx) {
      tx.exec_prepared("register_candidate", text(id), now);
      return expected<bool>(true);
    });
  }

  expected<leader_state> try_lead(std::string_view candidate, std::int64_t now) override {
    return run_transaction<leader_state>(
        "take the leader lease", [&](pqxx::work& tx) -> expected<leader_state> {
          if (tx.exec_prepared("is_candidate", text(candidate)).empty())
            return rules::not_candidate(candidate);
          if (auto f = fence(tx, candidate)) return *f;  // as SQLite: another instance's agent
          const auto row = tx.exec_prepared("leader_for_update");
          const leader_state current = read_leader(row);
          if (!current.holder.empty() && current.lease_until_ns >= now) {
            // The same name held by another instance is another leader.
            if (current.holder == candidate && row[0][3].c_str() == me_) return current;
            return rules::lead_held(current, now);
          }
          leader_state next{std::string(candidate), current.epoch + 1,
                            now + options_.leader_ttl.count()};
          tx.exec_prepared("take_lead", next.holder, next.epoch, next.lease_until_ns, me_);
          return next;
        });
  }

  expected<leader_state> renew_lead(std::string_view candidate, std::int64_t epoch,
                                    std::int64_t now) override {
    return run<leader_state>(
        "renew the leader lease", [&](pqxx::nontransaction& tx) -> expected<leader_state> {
          auto r = tx.exec_prepared("renew_lead", now + options_.leader_ttl.count(),
                                    text(candidate), epoch, me_);
          if (!r.empty()) return read_leader(r);
          return rules::lead_lost(candidate, epoch, read_leader(tx.exec_prepared("leader")));
        });
  }

  expected<leader_state> leader() override {
    return run<leader_state>("read leader", [&](pqxx::nontransaction& tx) {
      return expected<leader_state>(read_leader(tx.exec_prepared("leader")));
    });
  }

  expected<bool> check_epoch(std::int64_t epoch) override {
    return run<bool>("check the epoch", [&](pqxx::nontransaction& tx) -> expected<bool> {
      const leader_state current = read_leader(tx.exec_prepared("leader"));
      if (current.epoch != epoch) return rules::stale_epoch(epoch, current);
      return true;
    });
  }

private:
  expected<std::vector<task>> claim_best(std::string_view agent, std::int64_t now, int limit) {
    if (auto bad = rules::check_claimer(agent)) return *bad;
    return run<std::vector<task>>("claim next task", [&](pqxx::nontransaction& tx) {
      auto r = tx.exec_prepared("claim_best", now, text(agent), now + options_.claim_lease.count(),
                                limit, me_);
      if (r.empty()) {
        if (auto f = fence(tx, agent)) return expected<std::vector<task>>(*f);
      }
      // RETURNING has no order: expired first, then by rank.
      std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, task>> ranked;
      ranked.reserve(r.size());
      for (const auto& row : r) {
        ranked.emplace_back(std::pair{row[12].as<std::int64_t>(), row[13].as<std::int64_t>()},
                            read_task(row));
      }
      std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second.id < b.second.id;
      });
      std::vector<task> out;
      out.reserve(ranked.size());
      for (auto& [rank, t] : ranked) out.push_back(std::move(t));
      return expected<std::vector<task>>(std::move(out));
    });
  }

  // Groups pay when a commit waits for the disk (one flush for the group); when
  // it does not (synchronous_commit=off), backends claiming in parallel beat one
  // backend claiming for all (measured: docs/performance.md).
  expected<std::optional<task>> combine(claim_request& request) {
    if (!commits_wait_for_disk_) return claim_one(request);
    return combiner_->submit(request, [this](const claim_group& group) {
      if (group.size() == 1) {
        group.front()->result = claim_one(*group.front());
      } else {
        run_group(group);
      }
    });
  }

  // One claim, one statement.
  expected<std::optional<task>> claim_one(const claim_request& r) {
    return run<std::optional<task>>("claim task", [&](pqxx::nontransaction& tx) {
      using result = expected<std::optional<task>>;
      if (r.id == 0) {
        auto next = tx.exec_prepared("claim_next", r.now, text(r.agent), r.lease_until, me_);
        if (next.empty()) {
          if (auto f = fence(tx, r.agent)) return result(*f);
        }
        return result(next.empty() ? std::optional<task>()
                                   : std::optional<task>(read_task(next[0])));
      }
      auto won = tx.exec_prepared("claim_task", r.now, text(r.agent), r.lease_until, r.id, me_);
      if (!won.empty()) return result(std::optional<task>(read_task(won[0])));
      return why_not(tx, r);
    });
  }

  // Several claims, one statement (claim_group_function).
  void run_group(const claim_group& group) {
    postgres::array_literal agents, leases, nows, ids;
    for (const auto* r : group) {
      agents.add(r->agent);
      leases.add(r->lease_until);
      nows.add(r->now);
      ids.add(r->id);
    }
    auto ran = run<bool>("claim tasks", [&](pqxx::nontransaction& tx) -> expected<bool> {
      for (auto* r : group) r->result = std::optional<task>();
      for (const auto& row : tx.exec_prepared("claim_group", agents.str(), leases.str(), nows.str(),
                                              ids.str(), me_)) {
        const auto at = static_cast<std::size_t>(row[postgres::claim_group_element].as<int>() - 1);
        if (at < group.size()) group[at]->result = std::optional<task>(read_task(row));
      }
      for (auto* r : group) {
        if (r->result->has_value()) continue;
        if (auto f = fence(tx, r->agent)) {
          r->result = *f;
        } else if (r->id != 0) {
          r->result = why_not(tx, *r);
        }
      }
      return true;
    });
    if (!ran) {
      for (auto* r : group) r->result = ran.error();
    }
  }

  // Why task r.id could not be claimed.
  // Why this instance may not act as `agent` (another instance holds it), or
  // nothing; for the failure paths of statements that fence in SQL.
  template <class Tx>
  std::optional<failure> fence(Tx& tx, std::string_view agent) const {
    const auto holder = tx.exec_prepared("agent_instance", text(agent));
    if (holder.empty() || rules::may_act(holder[0][0].c_str(), me_)) return std::nullopt;
    return rules::other_instance(agent, holder[0][0].c_str());
  }

  // An agent step that changed no row: another instance's agent, or unknown.
  failure why_not_agent(pqxx::nontransaction& tx, std::string_view agent) const {
    if (auto f = fence(tx, agent)) return *f;
    return rules::unknown_agent(agent);
  }

  expected<std::optional<task>> why_not(pqxx::nontransaction& tx, const claim_request& r) {
    if (auto f = fence(tx, r.agent)) return *f;
    auto current = tx.exec_prepared("task", r.id);
    if (current.empty()) return rules::unknown_task(r.id);
    return rules::not_claimable(read_task(current[0]), r.now);
  }

  // Runs one step: connects (with backoff) if needed, turns exceptions into
  // failures, retries what the server rolled back (deadlock, serialization).
  template <class T, class Tx, class F>
  expected<T> attempt(std::string_view what, F&& step) {
    std::lock_guard lock(mutex_);
    for (int tries = 1;; ++tries) {
      if (!conn_) {
        if (auto c = connect(); !c) return c.error();
      }
      try {
        Tx tx(*conn_);
        expected<T> result = step(tx);
        if constexpr (std::is_same_v<Tx, pqxx::work>) {
          if (result) tx.commit();  // a refusal rolls back
        }
        return result;
      } catch (const pqxx::broken_connection& e) {
        conn_.reset();
        return failure{fmt::format(
            "PostgreSQL: the connection broke during {}: {}; whether it took effect is unknown "
            "(the next call reconnects)",
            what, first_line(e.what()))};
      } catch (const pqxx::in_doubt_error& e) {
        conn_.reset();
        return failure{fmt::format("PostgreSQL: {} may or may not have committed: {}", what,
                                   first_line(e.what()))};
      } catch (const pqxx::sql_error& e) {
        const std::string state = e.sqlstate();
        const bool rolled_back = state == "40001" || state == "40P01";
        if (rolled_back && tries < 5) continue;
        return failure{fmt::format("PostgreSQL: cannot {}: {}", what, first_line(e.what()))};
      } catch (const std::exception& e) {
        return failure{fmt::format("PostgreSQL: cannot {}: {}", what, first_line(e.what()))};
      }
    }
  }
  template <class T, class F>
  expected<T> run(std::string_view what, F&& step) {
    return attempt<T, pqxx::nontransaction>(what, std::forward<F>(step));
  }
  template <class T, class F>
  expected<T> run_transaction(std::string_view what, F&& step) {
    return attempt<T, pqxx::work>(what, std::forward<F>(step));
  }

  // Connects, creates the schema once per server, prepares the statements.
  // An unreachable server is retried with backoff for up to reconnect_timeout.
  expected<bool> connect() {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    auto delay = std::chrono::milliseconds(10);
    for (int attempts = 1;; ++attempts) {
      try {
        auto c = std::make_unique<pqxx::connection>(url_);
        if (!schema_ready_) {
          pqxx::work tx(*c);
          tx.exec(schema);
          tx.exec(claim_group_function);
          tx.commit();
          schema_ready_ = true;
        }
        // libpqxx 6 prepares each at first use. When that use (or any statement)
        // finds the connection broken, it leaks the error's result (about 2 KB per
        // lost connection; scripts/lsan.supp).
        for (const auto& p : statements) c->prepare(p.name, p.sql);
        {
          pqxx::nontransaction q(*c);
          commits_wait_for_disk_ =
              q.exec("SHOW synchronous_commit")[0][0].c_str() != std::string("off");
        }
        conn_ = std::move(c);
        return true;
      } catch (const pqxx::broken_connection& e) {
        const auto waited = clock::now() - start;
        if (waited + delay > options_.reconnect_timeout) {
          return failure{fmt::format(
              "PostgreSQL at {} is unavailable after {} attempts over {} ms: {}; check that "
              "the server is running and the URL is right (scripts/pg_server.sh starts a "
              "local one)",
              redact(url_), attempts,
              std::chrono::duration_cast<std::chrono::milliseconds>(waited).count(),
              first_line(e.what()))};
        }
        std::this_thread::sleep_for(delay);
        delay = std::min(delay * 2, std::chrono::milliseconds(1000));
      } catch (const std::exception& e) {
        return failure{fmt::format("PostgreSQL at {}: cannot set up the store: {}", redact(url_),
                                   first_line(e.what()))};
      }
    }
  }

  std::string url_;
  store_options options_;
  std::shared_ptr<claim_combiner> combiner_;       ///< shared by this process's stores of url_
  std::atomic<bool> commits_wait_for_disk_{true};  ///< synchronous_commit is not off
  std::mutex mutex_;
  std::string me_;  ///< this_instance()
  std::unique_ptr<pqxx::connection> conn_;
  bool schema_ready_ = false;
};

}  // namespace

expected<std::unique_ptr<store>> open_postgres_store(const std::string& url,
                                                     const store_options& o) {
  auto s = std::make_unique<postgres_store>(url, o);
  if (auto c = s->start(); !c) return c.error();
  return std::unique_ptr<store>(std::move(s));
}

}  // namespace perftrack::coord
