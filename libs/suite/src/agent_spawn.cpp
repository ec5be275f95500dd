// agent_spawn: how fast agents (actors) come to life, and what they cost.

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "category.hpp"
#include "perftrack/actor/actor_system.hpp"
#include "perftrack/bench/allocations.hpp"
#include "perftrack/suite/suite.hpp"

namespace perftrack::suite {
namespace {

using bench::state;
namespace pa = perftrack::actor;

struct hello {};

pa::system_options system_for(const state& s) { return {.workers = s.config().threads}; }

// An actor system whose start and stop (threads) are not part of the sample.
class untimed_system {
public:
  explicit untimed_system(state& s) : s_(s) {
    s_.pause_timing();
    sys_.emplace(system_for(s));
    s_.resume_timing();
  }
  ~untimed_system() {
    s_.pause_timing();  // to the end of the sample
    sys_.reset();
  }
  untimed_system(const untimed_system&) = delete;
  untimed_system& operator=(const untimed_system&) = delete;
  pa::actor_system& operator*() { return *sys_; }
  pa::actor_system* operator->() { return &*sys_; }

private:
  state& s_;
  std::optional<pa::actor_system> sys_;
};

// An agent that answers one message, as a freshly spawned worker would.
auto idle_agent = [](int&, pa::context&, pa::message&) {};

// Spawns n agents into `sys`, each ready (its first message handled) before the
// clock stops.
void spawn_ready(pa::actor_system& sys, int n) {
  std::atomic<int> ready{0};
  std::promise<void> all;
  for (int i = 0; i < n; ++i) {
    // n by value: another agent may still compare against it after the last
    // one has released the caller (ASan caught the read of a dead frame).
    const auto id = sys.spawn(0, [&ready, &all, n](int&, pa::context&, pa::message&) {
      if (ready.fetch_add(1) + 1 == n) all.set_value();
    });
    sys.send(id, pa::message(hello{}));
  }
  all.get_future().wait();
}

// Runs `f` in a forked child and returns the number it computed (the child
// writes it to a pipe and exits without unwinding).
template <class F>
double in_child_process(F f) {
  int fd[2];
  if (::pipe(fd) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fd[0]);
    // The child inherits the parent's heap, free chunks included: hand those
    // back to the kernel first, so the growth measured is fresh memory.
    ::malloc_trim(0);
    double v = -1;
    try {
      v = f();
    } catch (...) {
    }
    const auto written = ::write(fd[1], &v, sizeof v);
    ::_exit(written == sizeof v ? 0 : 1);
  }
  ::close(fd[1]);
  double v = -1;
  const auto got = ::read(fd[0], &v, sizeof v);
  ::close(fd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (got != sizeof v || v < 0) throw std::runtime_error("the measuring child process failed");
  return v;
}

void spawn_single(state& s) {
  pa::actor_system sys(system_for(s));
  const int n = s.config().quick ? 200 : 1000;
  for (int i = 0; i < n; ++i) {
    s.time_operation([&] { spawn_ready(sys, 1); });
  }
}

void spawn_parallel_10(state& s) {
  pa::actor_system sys(system_for(s));
  const int rounds = s.config().quick ? 50 : 200;
  for (int i = 0; i < rounds; ++i) {
    s.time_operation([&] {
      std::vector<std::thread> threads;
      for (int t = 0; t < 10; ++t) threads.emplace_back([&] { spawn_ready(sys, 1); });
      for (auto& t : threads) t.join();
    });
  }
}

void spawn_from_two_threads(state& s) {
  untimed_system sys(s);
  const int per_thread = s.config().quick ? 20000 : 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        bench::do_not_optimize(sys->spawn(0, idle_agent));
      }
    });
  }
  for (auto& t : threads) t.join();
  s.set_items(2.0 * per_thread);
}

void memory_per_agent(state& s) {
  // In a fresh child process: memory a previous sample freed would
  // otherwise be reused without growing RSS.
  const unsigned workers = s.config().threads;
  const double per_agent = in_child_process([workers] {
    pa::actor_system sys({.workers = workers});
    const int n = 100000;
    const auto before = bench::resident_bytes();
    for (int i = 0; i < n; ++i) bench::do_not_optimize(sys.spawn(0, idle_agent));
    return static_cast<double>(bench::resident_bytes() - before) / n;
  });
  s.set_value(per_agent);
}

void spawn_pooled(state& s) {
  untimed_system sys(s);
  std::vector<pa::actor_id> ids(10000);
  s.pause_timing();
  for (auto& id : ids) id = sys->spawn(0, idle_agent);
  for (auto id : ids) sys->stop(id);
  sys->await_idle();
  s.resume_timing();
  for (auto& id : ids) id = sys->spawn(0, idle_agent);
  s.set_items(static_cast<double>(ids.size()));
}

void spawn_unpooled(state& s) {
  untimed_system sys(s);
  for (int i = 0; i < 10000; ++i) bench::do_not_optimize(sys->spawn(0, idle_agent));
  s.set_items(10000);
}

}  // namespace

void add_agent_spawn(bench::registry& r) {
  category c(r, "agent_spawn");
  // Its wake-ups took 15 or 35 us by process until the system's threads had
  // run a while (where the scheduler put them), then 35 us in most processes.
  c.latency("single", spawn_single, "spawn one agent and have it handle its first message",
            {.warmup_time = std::chrono::milliseconds(50)});
  // Batches of 1,000 and 100,000, and with the others the scaling curve.
  for (const int batch : {10, 100, 1000, 10000, 100000}) {
    c.throughput(
        "batch_" + std::to_string(batch), "agents/s",
        [batch](state& s) {
          untimed_system sys(s);
          spawn_ready(*sys, batch);
          s.set_items(batch);
        },
        "spawn a batch, each agent handling its first message");
  }
  c.latency("parallel_10", spawn_parallel_10,
            "10 agents spawned at once from 10 threads, until all are ready");
  c.throughput("concurrent_2_threads", "agents/s", spawn_from_two_threads,
               "two threads spawning idle agents into one system");
  c.memory("memory_per_agent", memory_per_agent,
           "RSS growth per idle agent over 100,000, in a fresh process");
  // Pooled: slots (and their mailboxes) of stopped agents are reused; unpooled:
  // every agent takes a fresh slot in a fresh system.
  c.throughput("pooled", "agents/s", spawn_pooled,
               "10,000 spawns into slots freed by stopped agents", {.count_instructions = true});
  c.throughput("unpooled", "agents/s", spawn_unpooled, "10,000 spawns into fresh slots",
               {.count_instructions = true});
}

}  // namespace perftrack::suite
