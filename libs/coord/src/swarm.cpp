// The swarm workload: agents register, produce and claim tasks, spawn subtasks,
// complete or fail them, message each other, and elect a leader that one of them
// abandons halfway so that another fails over. Every step is a real store call.
//
// Each agent is an actor of the runtime's actor core: a `tick` message runs one
// round of its loop and sends the next tick to itself; a message stored for a
// live agent of this process is pushed to it as a `mail` message, on which it
// delivers its unacknowledged messages (message_deliver). Store calls block the
// worker that runs them; the workers (one per core) take turns on the agents.

#include "perftrack/coord/swarm.hpp"

#include <latch>
#include <random>
#include <thread>
#include <vector>

#include "perftrack/actor/actor_system.hpp"
#include "perftrack/coord/service.hpp"

namespace perftrack::coord {
namespace {

struct tick {};  // run one round
struct mail {};  // messages are waiting: deliver them

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
    bump(&swarm_live::operations);
    if (!r) bump(&swarm_live::failures);
    return r.has_value();
  }
  // Adds `n` to a live counter, when someone watches.
  template <class T>
  void bump(std::atomic<T> swarm_live::*counter, T n = 1) {
    if (options.live != nullptr) (options.live->*counter).fetch_add(n, std::memory_order_relaxed);
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  // Any agent of the swarm, including other processes' (ids below first_agent).
  int peer() {
    const int total = options.first_agent + options.agents;
    return std::uniform_int_distribution<int>(0, total - 1)(rng);
  }

  // Local agents by index (first_agent + i), for pushing mail.
  const std::vector<actor::actor_id>* local = nullptr;

  // State kept between rounds.
  bool candidate = false;
  std::int64_t epoch = 0;
  bool leading = false;
  election_backoff backoff;
  std::chrono::steady_clock::time_point next_election;
  std::chrono::steady_clock::time_point abandon_at;
  bool abandoned = false;

  // Registers the agent; the store's refusal (another instance holds the id)
  // is returned, since nothing else this agent does could succeed.
  std::optional<failure> begin() {
    auto registered =
        svc.agent_register(id, "agent " + std::to_string(index), index % 2 ? "code" : "plan");
    if (!count(registered)) return registered.error();
    bump(&swarm_live::agents_active, std::int64_t{1});
    count(svc.agent_set_handoff(id, true));
    candidate = index < options.candidates;
    if (candidate) count(svc.leader_register(id));
    next_election = start;
    // The first leader abandons its lease halfway (as if it crashed).
    abandon_at = start + (end - start) / 2;
    return std::nullopt;
  }

  void finish() {
    count(svc.agent_update_status(id, "offline", std::nullopt));
    bump(&swarm_live::agents_active, std::int64_t{-1});
  }

  // Delivers what others stored for this agent (at-least-once, with acks).
  void deliver() {
    count(svc.message_deliver(id, [&](const stored_message&) { return !chance(0.1); }));
  }

  // One round; false once the swarm's time is up.
  bool round(actor::context& ctx) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) return false;
    count(svc.agent_update_status(id, "working", std::nullopt));
    lead(now);
    produce_and_work();
    talk(ctx);
    return true;
  }

  void lead(std::chrono::steady_clock::time_point now) {
    if (!candidate || abandoned) return;
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
        bump(&swarm_live::elections_won);
        backoff.reset();
      } else {
        next_election = now + backoff.next();
      }
    }
  }

  void produce_and_work() {
    const priority priorities[] = {priority::critical, priority::high, priority::medium,
                                   priority::low};
    std::int64_t last_created = 0;
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
        bump(ok ? &swarm_live::tasks_completed : &swarm_live::tasks_failed);
      }
    }
  }

  void talk(actor::context& ctx) {
    if (chance(0.3)) {
      const int to = peer();
      if (count(svc.message_send(id, "agent-" + std::to_string(to), R"({"status":"progress"})"))) {
        // A live agent of this process hears of it at once; others poll.
        const int local_index = to - options.first_agent;
        if (local_index >= 0 && local_index < options.agents) {
          ctx.send((*local)[static_cast<std::size_t>(local_index)], actor::message(mail{}));
        }
      }
    }
    if (chance(0.05)) count(svc.agent_send(id, "", "sync"));
    if (chance(0.3)) count(svc.agent_messages(id, true, true));
    if (chance(0.1)) count(svc.message_read(id));
    if (chance(0.05)) deliver();
    if (chance(0.05)) count(svc.task_list(task_status::pending));
    if (chance(0.05)) count(svc.agent_status());
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
  std::latch finished(options.agents);  // outlives the workers that count it down
  actor::actor_system system(actor::system_options{.workers = options.workers,
                                                   .count_mailboxes = options.live != nullptr});
  std::vector<actor::actor_id> ids(static_cast<std::size_t>(options.agents));
  // Every agent is registered before any runs, so peers can message it; a
  // refusal (another running program holds the id) ends the swarm before it starts.
  std::vector<agent_loop> agents;
  agents.reserve(static_cast<std::size_t>(options.agents));
  for (int i = 0; i < options.agents; ++i) {
    const int index = options.first_agent + i;
    agents.push_back(agent_loop{
        *services[static_cast<std::size_t>(i)], "agent-" + std::to_string(index), index, options,
        std::mt19937_64(options.seed * 1000 + static_cast<std::uint64_t>(index)),
        results[static_cast<std::size_t>(i)], start, end});
    agents.back().local = &ids;
    if (auto refused = agents.back().begin()) {
      return failure{refused->message +
                     " (another program's agents use these ids on this store: give this swarm "
                     "others with --first-agent N)"};
    }
  }
  for (int i = 0; i < options.agents; ++i) {
    ids[static_cast<std::size_t>(i)] =
        system.spawn(std::move(agents[static_cast<std::size_t>(i)]),
                     [&finished](agent_loop& a, actor::context& ctx, actor::message& m) {
                       if (m.get_if<mail>() != nullptr) {
                         a.deliver();
                       } else if (a.round(ctx)) {
                         ctx.send(ctx.self(), actor::message(tick{}));
                       } else {
                         a.finish();
                         ctx.stop();
                         finished.count_down();
                       }
                     });
  }
  for (const auto id : ids) system.send(id, actor::message(tick{}));
  if (options.live == nullptr) {
    finished.wait();
  } else {
    while (!finished.try_wait()) {
      const auto m = system.mailboxes();
      options.live->mailbox_messages.store(m.messages, std::memory_order_relaxed);
      options.live->mailbox_deepest.store(m.deepest, std::memory_order_relaxed);
      options.live->mailbox_oldest_wait_ns.store(m.oldest_wait.count(), std::memory_order_relaxed);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
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
