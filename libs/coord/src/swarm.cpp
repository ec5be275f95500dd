// The swarm workload: agents register, produce and claim tasks, spawn subtasks,
// complete or fail them, message each other, and elect a leader that one of them
// abandons halfway so that another fails over. Every step is a real store call.

#include "perftrack/coord/swarm.hpp"

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "perftrack/coord/service.hpp"

namespace perftrack::coord {
namespace {

struct agent_loop {
  coordination_service& svc;
  std::string id;
  int index;
  const swarm_options& options;
  std::mt19937_64 rng;
  swarm_result& result;
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point end;

  template <class T>
  bool count(const expected<T>& r) {
    ++result.operations;
    if (!r) ++result.failures;
    return r.has_value();
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  std::string peer() {
    const int total = options.first_agent + options.agents;
    return "agent-" + std::to_string(std::uniform_int_distribution<int>(0, total - 1)(rng));
  }

  void run() {
    const priority priorities[] = {priority::critical, priority::high, priority::medium,
                                   priority::low};
    count(svc.agent_register(id, "agent " + std::to_string(index), index % 2 ? "code" : "plan"));
    count(svc.agent_set_handoff(id, true));
    const bool candidate = index < options.candidates;
    if (candidate) count(svc.leader_register(id));
    std::int64_t epoch = 0;
    bool leading = false;
    election_backoff backoff;
    auto next_election = start;
    // The first leader abandons its lease halfway (as if it crashed).
    const auto abandon_at = start + (end - start) / 2;
    bool abandoned = false;
    std::int64_t last_created = 0;

    while (std::chrono::steady_clock::now() < end) {
      const auto now = std::chrono::steady_clock::now();
      count(svc.agent_update_status(id, "working", std::nullopt));

      // Leadership.
      if (candidate && !abandoned) {
        if (leading) {
          if (now >= abandon_at) {
            abandoned = true;  // stop heartbeating: the lease runs out
          } else if (!count(svc.leader_heartbeat(id, epoch))) {
            leading = false;
          }
        } else if (now >= next_election) {
          auto r = svc.leader_elect(id);
          if (count(r)) {
            leading = r->holder == id;
            epoch = r->epoch;
            ++result.elections_won;
            backoff.reset();
          } else {
            next_election = now + backoff.next();
          }
        }
      }

      // Produce work now and then.
      if (chance(0.35)) {
        const auto p = priorities[std::uniform_int_distribution<int>(0, 3)(rng)];
        new_task t{.title = "job from " + id, .priority = p, .payload = R"({"kind":"analysis"})"};
        if (chance(0.1)) {
          count(svc.task_schedule(t, system_now_ns() + 200'000'000));
        } else if (auto created = svc.task_create(t); count(created)) {
          last_created = *created;
        }
      }

      // Now and then an agent claims the job it just created before the others'
      // task_next gets it; it loses that race ("already claimed") when they win.
      if (last_created != 0 && chance(0.3)) {
        if (auto c = svc.task_claim(last_created, id); count(c)) {
          count(svc.task_update(c->id, id, task_status::done, "claimed directly"));
        }
      }
      last_created = 0;

      // Claim and finish work.
      auto next = svc.task_next(id);
      if (count(next) && next->has_value()) {
        const task& t = **next;
        count(svc.agent_update_status(id, "working", t.id));
        if (chance(0.2)) count(svc.task_spawn(t.id, {.title = "subtask of " + t.title}));
        if (chance(0.3)) count(svc.task_update(t.id, id, task_status::in_progress, "started"));
        const bool ok = !chance(0.03);
        if (count(svc.task_update(t.id, id, ok ? task_status::done : task_status::failed,
                                  ok ? "done" : "tool error"))) {
          result.tasks_completed += ok;
        }
      }

      // Talk.
      if (chance(0.3)) count(svc.message_send(id, peer(), R"({"status":"progress"})"));
      if (chance(0.05)) count(svc.agent_send(id, "", "sync"));
      if (chance(0.3)) count(svc.agent_messages(id, true, true));
      if (chance(0.1)) count(svc.message_read(id));
      if (chance(0.1)) {
        count(svc.message_deliver(id, [&](const stored_message&) { return !chance(0.1); }));
      }
      if (chance(0.05)) count(svc.task_list(task_status::pending));
      if (chance(0.05)) count(svc.agent_status());
    }
    count(svc.agent_update_status(id, "offline", std::nullopt));
  }
};

}  // namespace

expected<swarm_result> run_swarm(const swarm_options& options, tracker& t) {
  store_options so;
  so.leader_ttl = options.leader_ttl;
  std::vector<std::unique_ptr<coordination_service>> services;
  for (int i = 0; i < options.agents; ++i) {
    auto s = open_store(options.store_url, so);
    if (!s) return s.error();
    services.push_back(std::make_unique<coordination_service>(std::move(s).value(), t));
  }
  std::vector<swarm_result> results(static_cast<std::size_t>(options.agents));
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + options.duration;
  std::vector<std::thread> threads;
  for (int i = 0; i < options.agents; ++i) {
    threads.emplace_back([&, i] {
      const int index = options.first_agent + i;
      agent_loop loop{*services[static_cast<std::size_t>(i)],
                      "agent-" + std::to_string(index),
                      index,
                      options,
                      std::mt19937_64(options.seed * 1000 + static_cast<std::uint64_t>(index)),
                      results[static_cast<std::size_t>(i)],
                      start,
                      end};
      loop.run();
    });
  }
  for (auto& th : threads) th.join();
  swarm_result total;
  for (const auto& r : results) {
    total.operations += r.operations;
    total.failures += r.failures;
    total.tasks_completed += r.tasks_completed;
    total.elections_won += r.elections_won;
  }
  return total;
}

}  // namespace perftrack::coord
