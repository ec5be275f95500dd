// database: the coordination store on SQLite and on PostgreSQL: query latency,
// inserts, transactions, connection counts, and task_claim under contention.

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "category.hpp"
#include "perftrack/suite/suite.hpp"
#include "stores.hpp"

namespace perftrack::suite {
namespace {

using bench::state;

int scaled(const state& s, int full) { return s.config().quick ? full / 4 : full; }

void fill(coord::store& st, int tasks) {
  for (int i = 0; i < tasks; ++i) value_or_throw(st.create_task({.title = "task"}, 0));
}

void query_latency(state& s, const store_target& target) {
  auto st = target.open(target.fresh_url(s));
  fill(*st, 100);
  const int n = scaled(s, 2000);
  for (int i = 0; i < n; ++i) {
    s.time_operation([&] { value_or_throw(st->get_task(1 + i % 100)); });
  }
}

void insert(state& s, const store_target& target) {
  s.pause_timing();
  auto st = target.open(target.fresh_url(s));
  s.resume_timing();
  const int n = scaled(s, 2000);
  fill(*st, n);
  s.set_items(n);
  s.pause_timing();
}

void transactions(state& s, const store_target& target) {
  s.pause_timing();
  auto st = target.open(target.fresh_url(s));
  s.resume_timing();
  const int n = scaled(s, 1000);
  for (int i = 0; i < n; ++i) {
    const auto id = value_or_throw(st->create_task({.title = "t"}, 0));
    value_or_throw(st->claim_task(id, "a", 0));
    value_or_throw(st->update_task(id, "a", coord::task_status::done, "", 0));
  }
  s.set_items(3.0 * n);
  s.pause_timing();
}

void pool(state& s, const store_target& target, int connections) {
  s.pause_timing();
  const auto url = target.fresh_url(s);
  fill(*target.open(url), 100);
  std::vector<std::unique_ptr<coord::store>> pool;
  for (int c = 0; c < connections; ++c) pool.push_back(target.open(url));
  const int per = scaled(s, 4000) / connections;
  std::atomic<bool> failed{false};
  s.resume_timing();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < per; ++i) {
        if (!pool[static_cast<std::size_t>(c)]->get_task(1 + i % 100)) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) throw std::runtime_error("a query failed");
  s.set_items(static_cast<double>(per) * connections);
  s.pause_timing();
}

void claim_contention(state& s, const store_target& target) {
  s.pause_timing();
  const auto url = target.fresh_url(s);
  const int tasks = scaled(s, 4000);
  fill(*target.open(url), tasks);
  std::vector<std::unique_ptr<coord::store>> conns;
  for (int c = 0; c < 4; ++c) conns.push_back(target.open(url));
  std::atomic<int> claimed{0};
  std::atomic<bool> failed{false};
  s.resume_timing();
  std::vector<std::thread> threads;
  for (int c = 0; c < 4; ++c) {
    threads.emplace_back([&, c] {
      const std::string agent(1, static_cast<char>('a' + c));
      for (;;) {
        auto next = conns[static_cast<std::size_t>(c)]->claim_next(agent, 0);
        if (!next) {
          failed = true;
          return;
        }
        if (!next->has_value()) return;
        ++claimed;
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed || claimed != tasks) throw std::runtime_error("claims were lost");
  s.set_items(tasks);
  s.pause_timing();
}

}  // namespace

void add_database(bench::registry& r) {
  category c(r, "database");
  for (const std::string backend : {"sqlite", "postgres"}) {
    const store_target target{backend};
    const std::string prefix = backend + "_";
    c.latency(
        prefix + "query_latency", [target](state& s) { query_latency(s, target); },
        "one task read by id (task_list/get), one query each");
    c.throughput(
        prefix + "insert", "rows/s", [target](state& s) { insert(s, target); },
        "task_create, one row per transaction");
    c.throughput(
        prefix + "transactions", "tx/s", [target](state& s) { transactions(s, target); },
        "create, claim, complete: three write transactions per task");
    for (const int connections : {1, 4, 16}) {
      c.throughput(
          prefix + "pool_" + std::to_string(connections), "queries/s",
          [target, connections](state& s) { pool(s, target, connections); },
          "reads from a pool of connections, one thread each");
    }
    c.throughput(
        prefix + "claim_contention", "claims/s",
        [target](state& s) { claim_contention(s, target); },
        "task_next from 4 connections racing for the same tasks");
  }
}

}  // namespace perftrack::suite
