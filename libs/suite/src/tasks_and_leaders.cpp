// task_completion (create, claim, complete end to end) and leader_election
// (election latency, the failover gap after a leader stops).

#include <chrono>
#include <thread>

#include "perftrack/suite/suite.hpp"
#include "stores.hpp"

namespace perftrack::suite {
namespace {

using bench::direction;
using bench::kind;
using bench::state;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void add_task_completion(bench::registry& r) {
  for (const std::string backend : {"sqlite", "postgres"}) {
    const store_target target{backend};
    r.add({.name = "task_completion/" + backend,
           .category = "task_completion",
           .kind = kind::latency,
           .unit = "ns",
           .body =
               [target](state& s) {
                 auto st = target.open(target.fresh_url(s));
                 value_or_throw(st->register_agent("worker", "w", "", 0));
                 const int n = s.config().quick ? 200 : 1000;
                 for (int i = 0; i < n; ++i) {
                   s.time_operation([&] {
                     const auto id = value_or_throw(st->create_task({.title = "job"}, 0));
                     value_or_throw(st->claim_task(id, "worker", 0));
                     value_or_throw(st->update_task(id, "worker", coord::task_status::done, "", 0));
                   });
                 }
               },
           .description = "a task created, claimed and completed, end to end"});
  }
}

void add_leader_election(bench::registry& r) {
  for (const std::string backend : {"sqlite", "postgres"}) {
    const store_target target{backend};
    r.add({.name = "leader_election/" + backend + "_election",
           .category = "leader_election",
           .kind = kind::latency,
           .unit = "ns",
           .body =
               [target](state& s) {
                 auto st = target.open(target.fresh_url(s));
                 value_or_throw(st->register_candidate("a", 0));
                 value_or_throw(st->register_candidate("b", 0));
                 // Each election finds the previous lease (1 s) expired: epoch + 1.
                 const int n = s.config().quick ? 200 : 1000;
                 std::int64_t now = 0;
                 for (int i = 0; i < n; ++i) {
                   now += 2'000'000'000;
                   s.time_operation([&] { value_or_throw(st->try_lead(i % 2 ? "a" : "b", now)); });
                 }
               },
           .description = "leader_election when the lease has expired"});
    r.add({.name = "leader_election/" + backend + "_failover_gap",
           .category = "leader_election",
           .kind = kind::latency,
           .unit = "ns",
           .body =
               [target](state& s) {
                 // A leader renews a 300 ms lease every 50 ms, then stops (as if it
                 // died); a standby sleeps until the lease's end, then takes over.
                 coord::store_options o;
                 o.leader_ttl = std::chrono::milliseconds(300);
                 const auto url = target.fresh_url(s);
                 auto leader = target.open(url, o);
                 auto standby = target.open(url, o);
                 value_or_throw(leader->register_candidate("old", now_ns()));
                 value_or_throw(standby->register_candidate("new", now_ns()));
                 const auto lead = value_or_throw(leader->try_lead("old", now_ns()));
                 for (int i = 0; i < 3; ++i) {
                   std::this_thread::sleep_for(std::chrono::milliseconds(50));
                   value_or_throw(leader->renew_lead("old", lead.epoch, now_ns()));
                 }
                 const auto stopped = std::chrono::steady_clock::now();
                 for (;;) {
                   if (standby->try_lead("new", now_ns())) break;
                   const auto current = value_or_throw(standby->leader());
                   const auto wait = current.lease_until_ns - now_ns();
                   std::this_thread::sleep_for(
                       std::chrono::nanoseconds(std::max<std::int64_t>(wait, 0)) +
                       std::chrono::milliseconds(1));
                 }
                 s.add_latency(std::chrono::steady_clock::now() - stopped);
               },
           .description = "leader stops renewing (TTL 300 ms) until a standby leads"});
  }
}

}  // namespace perftrack::suite
