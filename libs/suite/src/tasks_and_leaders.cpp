// task_completion (create, claim, complete end to end) and leader_election
// (election latency; failovers after a leader is killed at a random point of
// its heartbeat cycle, in all and past the lease's end).

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "category.hpp"
#include "perftrack/suite/suite.hpp"
#include "stores.hpp"

namespace perftrack::suite {
namespace {

using bench::state;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Failovers as they happen: a leader renews its lease (TTL 100 ms) every 20 ms
// and is "killed" (stops renewing) at a uniformly random point of its heartbeat
// cycle; a standby polls every 20 ms from a random phase of its own and takes
// over once the lease has run out. Each failover's latency is the time from the
// kill to the standby leading; the part past the lease's end (the standby's
// detection and takeover) goes into counters: its median and maximum over the
// sample's failovers.
void measure_failovers(const store_target& target, state& s) {
  using namespace std::chrono;
  constexpr auto ttl = milliseconds(100), beat = milliseconds(20);
  coord::store_options o;
  o.leader_ttl = ttl;
  const auto url = target.fresh_url(s);
  auto leader = target.open(url, o);
  auto standby = target.open(url, o);
  value_or_throw(leader->register_candidate("old", now_ns()));
  value_or_throw(standby->register_candidate("new", now_ns()));
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<std::int64_t> phase(0, duration_cast<nanoseconds>(beat).count());
  const int failovers = 3;  // a sample: each failover costs about 0.3 s of sleeps
  std::vector<double> beyond_ttl;
  for (int i = 0; i < failovers; ++i) {
    // The old candidate leads and renews a few times.
    std::int64_t epoch = 0;
    while (epoch == 0) {
      if (auto r = leader->try_lead("old", now_ns())) {
        epoch = r->epoch;
      } else {
        std::this_thread::sleep_for(milliseconds(5));
      }
    }
    for (int k = 0; k < 3; ++k) {
      std::this_thread::sleep_for(beat);
      value_or_throw(leader->renew_lead("old", epoch, now_ns()));
    }
    std::this_thread::sleep_for(nanoseconds(phase(rng)));  // the kill lands anywhere in a cycle
    const auto killed = steady_clock::now();
    const auto lease_end = value_or_throw(standby->leader()).lease_until_ns;
    std::this_thread::sleep_for(nanoseconds(phase(rng)));  // the standby's own phase
    while (!standby->try_lead("new", now_ns())) std::this_thread::sleep_for(beat);
    const auto led = steady_clock::now();
    beyond_ttl.push_back(static_cast<double>(std::max<std::int64_t>(now_ns() - lease_end, 0)));
    s.add_latency(led - killed);
    // Hand back: the standby's lease runs out before the next round.
    std::this_thread::sleep_for(ttl + milliseconds(5));
  }
  std::sort(beyond_ttl.begin(), beyond_ttl.end());
  s.set_counter("beyond_ttl_median_ns", beyond_ttl[beyond_ttl.size() / 2]);
  s.set_counter("beyond_ttl_max_ns", beyond_ttl.back());
}

}  // namespace

void add_task_completion(bench::registry& r) {
  category c(r, "task_completion");
  for (const std::string backend : {"sqlite", "postgres"}) {
    const store_target target{backend};
    c.latency(
        backend,
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
        "a task created, claimed and completed, end to end");
  }
}

void add_leader_election(bench::registry& r) {
  category c(r, "leader_election");
  for (const std::string backend : {"sqlite", "postgres"}) {
    const store_target target{backend};
    c.latency(
        backend + "_election",
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
        "leader_election when the lease has expired");
    c.latency(
        backend + "_failover", [target](state& s) { measure_failovers(target, s); },
        "leader killed at a random point of its heartbeat cycle until a "
        "standby leads (TTL 100 ms, heartbeats and polls every 20 ms); the "
        "part past the lease's end in counters beyond_ttl_*");
  }
}

}  // namespace perftrack::suite
