// concurrent_load: worker-pool scaling, latency under constant, burst and ramp
// load, and contention on one shared counter against sharded ones.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "category.hpp"
#include "perftrack/actor/actor_system.hpp"
#include "perftrack/base/machine.hpp"
#include "perftrack/suite/suite.hpp"

namespace perftrack::suite {
namespace {

using bench::state;
namespace pa = perftrack::actor;
using clock_type = std::chrono::steady_clock;

// Work an agent does per message: a little hashing, as parsing or routing would.
std::uint64_t busy_work(std::uint64_t seed) {
  std::uint64_t h = seed;
  for (int i = 0; i < 2000; ++i) h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL + 1;
  return h;
}

struct job {
  clock_type::time_point sent;
};

// Sends `total` jobs to `agents` agents at the pace `gap_for(i)` gives (the gap
// before job i), recording each job's latency from send to handled.
template <class Gap>
void paced(state& s, int total, Gap gap_for) {
  pa::actor_system sys({.workers = s.config().threads});
  constexpr int agents = 16;
  std::vector<std::int64_t> latencies(static_cast<std::size_t>(total));
  std::atomic<int> done{0};
  std::promise<void> all;
  std::vector<pa::actor_id> ids;
  for (int a = 0; a < agents; ++a) {
    ids.push_back(sys.spawn(0, [&, total](int&, pa::context&, pa::message& m) {
      const auto& j = *m.get_if<std::pair<int, job>>();
      bench::do_not_optimize(busy_work(static_cast<std::uint64_t>(j.first)));
      latencies[static_cast<std::size_t>(j.first)] =
          std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - j.second.sent)
              .count();
      if (done.fetch_add(1) + 1 == total) all.set_value();
    }));
  }
  auto next = clock_type::now();
  for (int i = 0; i < total; ++i) {
    next += gap_for(i);
    while (clock_type::now() < next) {
    }
    sys.send(ids[static_cast<std::size_t>(i % agents)],
             pa::message(std::pair<int, job>{i, job{clock_type::now()}}));
  }
  all.get_future().wait();
  for (const auto l : latencies) s.add_latency(std::chrono::nanoseconds(l));
}

}  // namespace

void add_concurrent_load(bench::registry& r) {
  category c(r, "concurrent_load");
  const unsigned cores = perftrack::physical_cores();
  std::vector<unsigned> worker_counts{1, 2, 4};
  if (std::find(worker_counts.begin(), worker_counts.end(), 2 * cores) == worker_counts.end()) {
    worker_counts.push_back(2 * cores);
  }
  for (const unsigned workers : worker_counts) {
    c.throughput(
        "workers_" + std::to_string(workers), "msg/s",
        [workers](state& s) {
          s.pause_timing();
          pa::actor_system sys({.workers = workers});
          const int agents = 64;
          const int total = s.config().quick ? 40000 : 200000;
          std::atomic<int> done{0};
          std::promise<void> all;
          std::vector<pa::actor_id> ids;
          for (int a = 0; a < agents; ++a) {
            ids.push_back(sys.spawn(0, [&, total](int&, pa::context&, pa::message& m) {
              bench::do_not_optimize(busy_work(static_cast<std::uint64_t>(*m.get_if<int>())));
              if (done.fetch_add(1) + 1 == total) all.set_value();
            }));
          }
          s.resume_timing();
          for (int i = 0; i < total; ++i)
            sys.send(ids[static_cast<std::size_t>(i % agents)], pa::message(i));
          all.get_future().wait();
          s.set_items(total);
          s.pause_timing();
        },
        "64 agents doing ~2 us of work per message, on this many workers");
  }
  const auto pattern = [&](std::string name, std::string what, auto gap_for) {
    c.latency(
        name, [gap_for](state& s) { paced(s, s.config().quick ? 4000 : 20000, gap_for); },
        std::move(what));
  };
  using std::chrono::microseconds;
  pattern("constant", "latency from send to handled at a steady 50,000 msg/s",
          [](int) { return microseconds(20); });
  pattern("burst", "bursts of 500 messages at once, 10 ms apart",
          [](int i) { return i % 500 == 0 ? microseconds(10000) : microseconds(0); });
  pattern("ramp", "the rate rising from 10,000 to 200,000 msg/s",
          [](int i) { return microseconds(std::max(5, 100 - i / 200)); });
  // Contention: threads incrementing one shared counter, or each its own
  // (cache-line padded) shard, summed at the end.
  for (const bool sharded : {false, true}) {
    c.throughput(
        std::string("counter_") + (sharded ? "sharded" : "shared"), "ops/s",
        [sharded](state& s) {
          const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
          const int per = s.config().quick ? 1'000'000 : 5'000'000;
          struct alignas(64) shard {
            std::atomic<std::int64_t> n{0};
          };
          std::vector<shard> shards(threads);
          std::atomic<std::int64_t> shared{0};
          std::vector<std::thread> ts;
          for (unsigned t = 0; t < threads; ++t) {
            ts.emplace_back([&, t] {
              auto& mine = sharded ? shards[t].n : shared;
              for (int i = 0; i < per; ++i) mine.fetch_add(1, std::memory_order_relaxed);
            });
          }
          for (auto& t : ts) t.join();
          std::int64_t sum = shared.load();
          for (auto& sh : shards) sum += sh.n.load();
          if (sum != static_cast<std::int64_t>(per) * threads)
            throw std::runtime_error("lost increments");
          s.set_items(static_cast<double>(sum));
        },
        sharded ? "one padded counter per thread, summed"
                : "every thread incrementing one atomic counter");
  }
}

}  // namespace perftrack::suite
