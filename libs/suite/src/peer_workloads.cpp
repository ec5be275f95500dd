// The workloads of perftrack/suite/peer_workloads.hpp on both runtimes.

#include "perftrack/suite/peer_workloads.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <vector>

#include "perftrack/actor/actor_system.hpp"
#include "perftrack/bench/allocations.hpp"

namespace perftrack::suite::peers {
namespace {

namespace pa = perftrack::actor;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct ping {
  int remaining;
};
struct pong {
  int remaining;
};
struct token {
  int remaining;
};
struct work {};
struct done {};

// ---- perftrack ------------------------------------------------------------------

double pt_ping_pong(const pa::system_options& options, const sizes& sz) {
  pa::actor_system sys(options);
  std::promise<void> finished;
  const auto ponger = sys.spawn(0, [](int&, pa::context& ctx, pa::message& m) {
    ctx.send(ctx.sender(), pong{m.get_if<ping>()->remaining});
  });
  const auto pinger = sys.spawn(0, [&, ponger](int&, pa::context& ctx, pa::message& m) {
    const int left = m.get_if<pong>()->remaining;
    if (left == 0) {
      finished.set_value();
      return;
    }
    ctx.send(ponger, ping{left - 1});
  });
  const auto t0 = clock_type::now();
  sys.send(pinger, pong{sz.round_trips});
  finished.get_future().wait();
  return seconds_since(t0);
}

double pt_counting(const pa::system_options& options, const sizes& sz) {
  pa::actor_system sys(options);
  std::promise<void> finished;
  const auto counter = sys.spawn(0, [&](int& n, pa::context&, pa::message&) {
    if (++n == sz.count_messages) finished.set_value();
  });
  const auto producer = sys.spawn(0, [counter, sz](int&, pa::context& ctx, pa::message&) {
    for (int i = 0; i < sz.count_messages; ++i) ctx.send(counter, i);
  });
  const auto t0 = clock_type::now();
  sys.send(producer, work{});
  finished.get_future().wait();
  return seconds_since(t0);
}

double pt_thread_ring(const pa::system_options& options, const sizes& sz) {
  pa::actor_system sys(options);
  std::promise<void> finished;
  std::vector<pa::actor_id> ring(sz.ring_size);
  for (int i = 0; i < sz.ring_size; ++i) {
    ring[i] = sys.spawn(i, [&](int& me, pa::context& ctx, pa::message& m) {
      const int left = m.get_if<token>()->remaining;
      if (left == 0) {
        finished.set_value();
        return;
      }
      ctx.send(ring[(me + 1) % sz.ring_size], token{left - 1});
    });
  }
  const auto t0 = clock_type::now();
  sys.send(ring[0], token{sz.ring_hops});
  finished.get_future().wait();
  return seconds_since(t0);
}

double pt_fork_join(const pa::system_options& options, const sizes& sz) {
  pa::actor_system sys(options);
  std::promise<void> finished;
  auto child = [](int&, pa::context& ctx, pa::message&) {
    ctx.send(ctx.sender(), done{});
    ctx.stop();
  };
  const auto parent = sys.spawn(0, [&](int& replies, pa::context& ctx, pa::message& m) {
    if (m.is<work>()) {
      for (int i = 0; i < sz.fork_join_agents; ++i) ctx.send(ctx.system().spawn(0, child), work{});
    } else if (++replies == sz.fork_join_agents) {
      finished.set_value();
    }
  });
  const auto t0 = clock_type::now();
  sys.send(parent, work{});
  finished.get_future().wait();
  return seconds_since(t0);
}

std::pair<double, double> pt_spawn_idle(const pa::system_options& options, const sizes& sz) {
  pa::actor_system sys(options);
  std::vector<pa::actor_id> ids;
  ids.reserve(sz.idle_agents);
  const long before = bench::resident_bytes();
  const auto t0 = clock_type::now();
  for (int i = 0; i < sz.idle_agents; ++i) {
    ids.push_back(sys.spawn(0, [](int& n, pa::context&, pa::message&) { ++n; }));
  }
  const double t = seconds_since(t0);
  const long after = bench::resident_bytes();
  return {t, static_cast<double>(after - before) / sz.idle_agents};
}

// ---- CAF ----------------------------------------------------------------------------

caf::actor_system_config& caf_config(caf::actor_system_config& cfg, unsigned threads) {
  cfg.set("scheduler.max-threads", static_cast<int>(threads));
  return cfg;
}

double caf_ping_pong(unsigned threads, const sizes& sz) {
  caf::actor_system_config cfg;
  caf::actor_system sys{caf_config(cfg, threads)};
  std::promise<void> finished;
  auto ponger = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[=](int n) { return n; }, [=](caf::exit_msg&) { self->quit(); }};
  });
  auto pinger = sys.spawn([&](caf::event_based_actor* self) -> caf::behavior {
    return {[=, &finished](int n) {
      if (n == 0) {
        finished.set_value();
        self->send_exit(ponger, caf::exit_reason::user_shutdown);
        self->quit();
        return;
      }
      self->send(ponger, n - 1);
    }};
  });
  const auto t0 = clock_type::now();
  caf::anon_send(pinger, sz.round_trips);
  finished.get_future().wait();
  return seconds_since(t0);
}

double caf_counting(unsigned threads, const sizes& sz) {
  caf::actor_system_config cfg;
  caf::actor_system sys{caf_config(cfg, threads)};
  std::promise<void> finished;
  auto counter = sys.spawn([&](caf::event_based_actor* self) -> caf::behavior {
    auto n = std::make_shared<int>(0);
    return {[=, &finished](int) {
      if (++*n == sz.count_messages) {
        finished.set_value();
        self->quit();
      }
    }};
  });
  auto producer = sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    return {[=](caf::ok_atom) {
      for (int i = 0; i < sz.count_messages; ++i) self->send(counter, i);
      self->quit();
    }};
  });
  const auto t0 = clock_type::now();
  caf::anon_send(producer, caf::ok_atom_v);
  finished.get_future().wait();
  return seconds_since(t0);
}

double caf_thread_ring(unsigned threads, const sizes& sz) {
  caf::actor_system_config cfg;
  caf::actor_system sys{caf_config(cfg, threads)};
  std::promise<void> finished;
  std::vector<caf::actor> ring(sz.ring_size);
  // Each member forwards to the next; built back to front so each knows its next.
  auto member = [&](caf::event_based_actor* self, int me) -> caf::behavior {
    return {[=, &ring, &finished](int left) {
      if (left == 0) {
        finished.set_value();
        return;
      }
      self->send(ring[(me + 1) % sz.ring_size], left - 1);
    }};
  };
  for (int i = 0; i < sz.ring_size; ++i) ring[i] = sys.spawn(member, i);
  const auto t0 = clock_type::now();
  caf::anon_send(ring[0], sz.ring_hops);
  finished.get_future().wait();
  const double t = seconds_since(t0);
  for (auto& a : ring) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return t;
}

double caf_fork_join(unsigned threads, const sizes& sz) {
  caf::actor_system_config cfg;
  caf::actor_system sys{caf_config(cfg, threads)};
  std::promise<void> finished;
  auto child = [](caf::event_based_actor* self) -> caf::behavior {
    return {[=](caf::ok_atom) {
      self->quit();
      return caf::ok_atom_v;
    }};
  };
  auto parent = sys.spawn([&, child](caf::event_based_actor* self) -> caf::behavior {
    auto replies = std::make_shared<int>(0);
    return {[=, &finished](caf::get_atom) {
              for (int i = 0; i < sz.fork_join_agents; ++i) {
                self->send(self->spawn(child), caf::ok_atom_v);
              }
            },
            [=, &finished](caf::ok_atom) {
              if (++*replies == sz.fork_join_agents) {
                finished.set_value();
                self->quit();
              }
            }};
  });
  const auto t0 = clock_type::now();
  caf::anon_send(parent, caf::get_atom_v);
  finished.get_future().wait();
  return seconds_since(t0);
}

std::pair<double, double> caf_spawn_idle(unsigned threads, const sizes& sz) {
  caf::actor_system_config cfg;
  caf::actor_system sys{caf_config(cfg, threads)};
  std::vector<caf::actor> ids;
  ids.reserve(sz.idle_agents);
  const long before = bench::resident_bytes();
  const auto t0 = clock_type::now();
  for (int i = 0; i < sz.idle_agents; ++i) {
    ids.push_back(sys.spawn([](caf::event_based_actor*) -> caf::behavior { return {[](int) {}}; }));
  }
  const double t = seconds_since(t0);
  const long after = bench::resident_bytes();
  for (auto& a : ids) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return {t, static_cast<double>(after - before) / sz.idle_agents};
}

}  // namespace

double run(workload w, runtime r, unsigned threads, const sizes& sz) {
  const bool ours = r != runtime::caf;
  const pa::system_options o{.workers = threads,
                             .count_mailboxes = r == runtime::perftrack_counted};
  switch (w) {
    case workload::ping_pong: return ours ? pt_ping_pong(o, sz) : caf_ping_pong(threads, sz);
    case workload::counting: return ours ? pt_counting(o, sz) : caf_counting(threads, sz);
    case workload::thread_ring: return ours ? pt_thread_ring(o, sz) : caf_thread_ring(threads, sz);
    case workload::fork_join: return ours ? pt_fork_join(o, sz) : caf_fork_join(threads, sz);
  }
  return 0;
}

double messages(workload w, const sizes& sz) {
  switch (w) {
    case workload::ping_pong: return 2.0 * sz.round_trips;
    case workload::counting: return sz.count_messages;
    case workload::thread_ring: return sz.ring_hops;
    case workload::fork_join: return 2.0 * sz.fork_join_agents;
  }
  return 0;
}

std::pair<double, double> spawn_idle(runtime r, unsigned threads, const sizes& sz) {
  if (r == runtime::caf) return caf_spawn_idle(threads, sz);
  return pt_spawn_idle({.workers = threads, .count_mailboxes = r == runtime::perftrack_counted},
                       sz);
}

}  // namespace perftrack::suite::peers
