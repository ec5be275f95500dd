// The actor core next to CAF 0.17 on the same workloads and thread counts
// (docs/performance.md):
//   build/libs/actor/actor_bench [--threads N] [--repetitions R]
// ping-pong (2 actors, 1,000,000 round trips), counting (1 producer to 1 counter,
// 1,000,000 messages), thread ring (100 actors, 1,000,000 hops), fork-join create
// (spawn, one message, one reply; 100,000 actors), spawn of 100,000 idle actors and
// their memory (RSS growth per actor).

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "perftrack/actor/actor_system.hpp"

namespace pa = perftrack::actor;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int round_trips = 1'000'000;
constexpr int count_messages = 1'000'000;
constexpr int ring_size = 100;
constexpr int ring_hops = 1'000'000;
constexpr int fork_join_agents = 100'000;
constexpr int idle_agents = 100'000;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

long rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
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

double pt_ping_pong(unsigned threads) {
  pa::actor_system sys({.workers = threads});
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
  sys.send(pinger, pong{round_trips});
  finished.get_future().wait();
  return seconds_since(t0);
}

double pt_counting(unsigned threads) {
  pa::actor_system sys({.workers = threads});
  std::promise<void> finished;
  const auto counter = sys.spawn(0, [&](int& n, pa::context&, pa::message&) {
    if (++n == count_messages) finished.set_value();
  });
  const auto producer = sys.spawn(0, [counter](int&, pa::context& ctx, pa::message&) {
    for (int i = 0; i < count_messages; ++i) ctx.send(counter, i);
  });
  const auto t0 = clock_type::now();
  sys.send(producer, work{});
  finished.get_future().wait();
  return seconds_since(t0);
}

double pt_thread_ring(unsigned threads) {
  pa::actor_system sys({.workers = threads});
  std::promise<void> finished;
  std::vector<pa::actor_id> ring(ring_size);
  for (int i = 0; i < ring_size; ++i) {
    ring[i] = sys.spawn(i, [&](int& me, pa::context& ctx, pa::message& m) {
      const int left = m.get_if<token>()->remaining;
      if (left == 0) {
        finished.set_value();
        return;
      }
      ctx.send(ring[(me + 1) % ring_size], token{left - 1});
    });
  }
  const auto t0 = clock_type::now();
  sys.send(ring[0], token{ring_hops});
  finished.get_future().wait();
  return seconds_since(t0);
}

double pt_fork_join(unsigned threads) {
  pa::actor_system sys({.workers = threads});
  std::promise<void> finished;
  auto child = [](int&, pa::context& ctx, pa::message&) {
    ctx.send(ctx.sender(), done{});
    ctx.stop();
  };
  const auto parent = sys.spawn(0, [&](int& replies, pa::context& ctx, pa::message& m) {
    if (m.is<work>()) {
      for (int i = 0; i < fork_join_agents; ++i) ctx.send(ctx.system().spawn(0, child), work{});
    } else if (++replies == fork_join_agents) {
      finished.set_value();
    }
  });
  const auto t0 = clock_type::now();
  sys.send(parent, work{});
  finished.get_future().wait();
  return seconds_since(t0);
}

std::pair<double, double> pt_spawn_idle(unsigned threads) {
  pa::actor_system sys({.workers = threads});
  std::vector<pa::actor_id> ids;
  ids.reserve(idle_agents);
  const long before = rss_bytes();
  const auto t0 = clock_type::now();
  for (int i = 0; i < idle_agents; ++i) {
    ids.push_back(sys.spawn(0, [](int& n, pa::context&, pa::message&) { ++n; }));
  }
  const double t = seconds_since(t0);
  const long after = rss_bytes();
  return {t, static_cast<double>(after - before) / idle_agents};
}

// ---- CAF ----------------------------------------------------------------------------

caf::actor_system_config& caf_config(caf::actor_system_config& cfg, unsigned threads) {
  cfg.set("scheduler.max-threads", static_cast<int>(threads));
  return cfg;
}

double caf_ping_pong(unsigned threads) {
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
  caf::anon_send(pinger, round_trips);
  finished.get_future().wait();
  return seconds_since(t0);
}

double caf_counting(unsigned threads) {
  caf::actor_system_config cfg;
  caf::actor_system sys{caf_config(cfg, threads)};
  std::promise<void> finished;
  auto counter = sys.spawn([&](caf::event_based_actor* self) -> caf::behavior {
    auto n = std::make_shared<int>(0);
    return {[=, &finished](int) {
      if (++*n == count_messages) {
        finished.set_value();
        self->quit();
      }
    }};
  });
  auto producer = sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    return {[=](caf::ok_atom) {
      for (int i = 0; i < count_messages; ++i) self->send(counter, i);
      self->quit();
    }};
  });
  const auto t0 = clock_type::now();
  caf::anon_send(producer, caf::ok_atom_v);
  finished.get_future().wait();
  return seconds_since(t0);
}

double caf_thread_ring(unsigned threads) {
  caf::actor_system_config cfg;
  caf::actor_system sys{caf_config(cfg, threads)};
  std::promise<void> finished;
  std::vector<caf::actor> ring(ring_size);
  // Each member forwards to the next; built back to front so each knows its next.
  auto member = [&](caf::event_based_actor* self, int me) -> caf::behavior {
    return {[=, &ring, &finished](int left) {
      if (left == 0) {
        finished.set_value();
        return;
      }
      self->send(ring[(me + 1) % ring_size], left - 1);
    }};
  };
  for (int i = 0; i < ring_size; ++i) ring[i] = sys.spawn(member, i);
  const auto t0 = clock_type::now();
  caf::anon_send(ring[0], ring_hops);
  finished.get_future().wait();
  const double t = seconds_since(t0);
  for (auto& a : ring) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return t;
}

double caf_fork_join(unsigned threads) {
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
              for (int i = 0; i < fork_join_agents; ++i) {
                self->send(self->spawn(child), caf::ok_atom_v);
              }
            },
            [=, &finished](caf::ok_atom) {
              if (++*replies == fork_join_agents) {
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

std::pair<double, double> caf_spawn_idle(unsigned threads) {
  caf::actor_system_config cfg;
  caf::actor_system sys{caf_config(cfg, threads)};
  std::vector<caf::actor> ids;
  ids.reserve(idle_agents);
  const long before = rss_bytes();
  const auto t0 = clock_type::now();
  for (int i = 0; i < idle_agents; ++i) {
    ids.push_back(sys.spawn([](caf::event_based_actor*) -> caf::behavior { return {[](int) {}}; }));
  }
  const double t = seconds_since(t0);
  const long after = rss_bytes();
  for (auto& a : ids) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return {t, static_cast<double>(after - before) / idle_agents};
}

// Memory per idle actor, measured in a fresh process (this binary run again with
// --probe), so that memory freed by earlier workloads and kept by malloc does not
// hide the growth.
double probe_memory(const char* system, unsigned threads) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    const std::string t = std::to_string(threads);
    ::execl("/proc/self/exe", "actor_bench", "--probe", system, t.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  char buf[64] = {};
  [[maybe_unused]] const auto n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  return std::atof(buf);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double run(const std::function<double()>& f, int repetitions) {
  std::vector<double> times;
  for (int i = 0; i < repetitions; ++i) times.push_back(f());
  return median(times);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--probe") == 0) {
    const auto threads = static_cast<unsigned>(std::atoi(argv[3]));
    const bool ours = std::strcmp(argv[2], "perftrack") == 0;
    std::printf("%f\n", ours ? pt_spawn_idle(threads).second : caf_spawn_idle(threads).second);
    return 0;
  }
  unsigned threads_list[2] = {1, 2};
  int thread_count = 2;
  int repetitions = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0) {
      threads_list[0] = static_cast<unsigned>(std::atoi(argv[i + 1]));
      thread_count = 1;
    }
    if (std::strcmp(argv[i], "--repetitions") == 0) repetitions = std::atoi(argv[i + 1]);
  }
  std::printf("median of %d repetitions; messages/s in millions (higher is better)\n\n",
              repetitions);
  std::printf("| workload | threads | perftrack | CAF 0.17.6 | perftrack / CAF |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  for (int k = 0; k < thread_count; ++k) {
    const unsigned threads = threads_list[k];
    struct workload {
      const char* name;
      double messages;
      std::function<double(unsigned)> ours;
      std::function<double(unsigned)> theirs;
    };
    const workload workloads[] = {
        {"ping-pong (2 actors, 1M round trips)", 2.0 * round_trips, pt_ping_pong, caf_ping_pong},
        {"counting (1 producer -> 1 counter, 1M)", count_messages, pt_counting, caf_counting},
        {"thread ring (100 actors, 1M hops)", ring_hops, pt_thread_ring, caf_thread_ring},
        {"fork-join create (100k agents)", 2.0 * fork_join_agents, pt_fork_join, caf_fork_join},
    };
    for (const auto& w : workloads) {
      const double ours = run([&] { return w.ours(threads); }, repetitions);
      const double theirs = run([&] { return w.theirs(threads); }, repetitions);
      std::printf("| %s | %u | %.2f | %.2f | %.2fx |\n", w.name, threads, w.messages / ours / 1e6,
                  w.messages / theirs / 1e6, theirs / ours);
      std::fflush(stdout);
    }
    std::vector<double> ours_t, ours_m, theirs_t, theirs_m;
    for (int i = 0; i < repetitions; ++i) {
      ours_t.push_back(pt_spawn_idle(threads).first);
      theirs_t.push_back(caf_spawn_idle(threads).first);
      ours_m.push_back(probe_memory("perftrack", threads));
      theirs_m.push_back(probe_memory("caf", threads));
    }
    std::printf("| spawn 100k idle actors: ns per actor | %u | %.0f | %.0f | %.2fx |\n", threads,
                median(ours_t) / idle_agents * 1e9, median(theirs_t) / idle_agents * 1e9,
                median(theirs_t) / median(ours_t));
    std::printf("| memory per idle actor: bytes (RSS growth) | %u | %.0f | %.0f | %.2fx |\n",
                threads, median(ours_m), median(theirs_m), median(theirs_m) / median(ours_m));
    std::fflush(stdout);
  }
  return 0;
}
