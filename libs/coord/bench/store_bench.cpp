// task_claim throughput and leader failover of the stores (docs/performance.md):
//   build/libs/coord/store_bench [--tasks N] [--failovers N] [--postgres URL]...
// SQLite always (a file in the temp directory; WAL, synchronous=NORMAL: a
// committed claim survives a process crash); each --postgres URL too, in a
// schema of its own (scripts/bench.sh store starts a server and passes two URLs:
// the server's default durability and synchronous_commit=off). Each backend:
// claims by id and by task_next in one connection, task_next in batches of 16,
// 4 and 16 connections as threads of one process, 16 threads sharing 4
// connections, and 4 processes contending, then
// the time from killing a leader at a random point of its heartbeat cycle to a
// new one (TTL 1 s), over --failovers kills (default 20): p50, p95 and max, and
// separately the part past the lease's end.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "perftrack/coord/postgres_scratch.hpp"
#include "perftrack/coord/store.hpp"

namespace pc = perftrack::coord;
using clock_type = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "store_bench: %s\n", what.c_str());
  std::exit(1);
}

std::unique_ptr<pc::store> open(const std::string& url, const pc::store_options& o = {}) {
  auto s = pc::open_store(url, o);
  if (!s) die(s.error().message);
  return std::move(s).value();
}

// One backend under test: how to reach it and how to empty it.
struct backend {
  std::string label;
  std::string url;
  std::function<void()> reset;
};

backend sqlite_backend(const std::filesystem::path& file) {
  return {"SQLite (WAL, synchronous=NORMAL)", "sqlite:" + file.string(), [file] {
            for (const char* suffix : {"", "-wal", "-shm"})
              std::filesystem::remove(file.string() + suffix);
          }};
}

backend postgres_backend(const std::string& server) {
  std::string durability = "synchronous_commit=on";
  if (auto at = server.find("synchronous_commit%3D"); at != std::string::npos)
    durability = "synchronous_commit=" + server.substr(at + 21, server.find('&', at) - at - 21);
  const std::string schema = "bench_" + std::to_string(::getpid());
  auto url = pc::fresh_postgres_schema(server, schema);
  if (!url) die(url.error().message);
  return {"PostgreSQL (" + durability + ")", *url, [server, schema] {
            if (auto again = pc::fresh_postgres_schema(server, schema); !again) {
              die(again.error().message);
            }
          }};
}

std::unique_ptr<pc::store> fresh(const backend& b, int tasks) {
  b.reset();
  auto s = open(b.url);
  for (int i = 0; i < tasks; ++i) {
    if (auto id = s->create_task({.title = "task"}, 0); !id) die(id.error().message);
  }
  return s;
}

void report(const backend& b, const char* what, int n, clock_type::time_point t0) {
  const double rate = n / std::chrono::duration<double>(clock_type::now() - t0).count();
  std::printf("| %s | %s | %.0f claims/s |\n", b.label.c_str(), what, rate);
  std::fflush(stdout);
}

// Claims with task_next until none is left; the number claimed.
int drain(pc::store& s, const std::string& agent) {
  int n = 0;
  for (;;) {
    auto next = s.claim_next(agent, 0);
    if (!next) die(next.error().message);
    if (!next->has_value()) return n;
    ++n;
  }
}

// One connection: by id, with task_next, and task_next in batches of 16.
void claims_one_connection(const backend& b, int tasks) {
  {
    auto s = fresh(b, tasks);
    auto all = s->list_tasks({});
    if (!all) die(all.error().message);
    const auto t0 = clock_type::now();
    for (const auto& t : *all) {
      if (auto c = s->claim_task(t.id, "a1", 0); !c) die(c.error().message);
    }
    report(b, "task_claim by id, 1 connection", tasks, t0);
  }
  {
    auto s = fresh(b, tasks);
    const auto t0 = clock_type::now();
    report(b, "task_next, 1 connection", drain(*s, "a1"), t0);
  }
  {
    auto s = fresh(b, tasks);
    const auto t0 = clock_type::now();
    int n = 0;
    for (;;) {
      auto batch = s->claim_next_batch("a1", 16, 0);
      if (!batch) die(batch.error().message);
      if (batch->empty()) break;
      n += static_cast<int>(batch->size());
    }
    report(b, "task_next in batches of 16, 1 connection", n, t0);
  }
}

// Threads of one process draining the tasks over `connections` connections (a
// store object is thread-safe, so threads may share one).
void claims_threads(const backend& b, int tasks, int threads, int connections) {
  fresh(b, tasks).reset();
  std::vector<std::unique_ptr<pc::store>> conns;
  for (int c = 0; c < connections; ++c) conns.push_back(open(b.url));
  std::atomic<int> n{0};
  const auto t0 = clock_type::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::string agent = "t";
      agent += std::to_string(t);  // (not "t" + ...: GCC 12 -Wrestrict false positive)
      n += drain(*conns[static_cast<std::size_t>(t % connections)], agent);
    });
  }
  for (auto& th : workers) th.join();
  if (n != tasks) die("threads claimed " + std::to_string(n.load()) + " tasks");
  std::string what = "task_next, ";
  if (threads == connections) {
    what += std::to_string(threads) + " connections (threads of 1 process)";
  } else {
    what += std::to_string(threads) + " threads on " + std::to_string(connections) +
            " connections (1 process)";
  }
  report(b, what.c_str(), tasks, t0);
}

// Four processes, connected before the clock starts, draining the tasks together.
void claims_processes(const backend& b, int tasks) {
  fresh(b, tasks).reset();
  int ready[2], go[2];
  if (::pipe(ready) != 0 || ::pipe(go) != 0) die("pipe");
  std::vector<pid_t> kids;
  for (int p = 0; p < 4; ++p) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      auto s = open(b.url);  // connected before the clock starts
      char c = 'r';
      if (::write(ready[1], &c, 1) != 1 || ::read(go[0], &c, 1) != 1) ::_exit(1);
      std::string agent = "p";
      agent += std::to_string(p);
      drain(*s, agent);
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  char c;
  for (int p = 0; p < 4; ++p) {
    if (::read(ready[0], &c, 1) != 1) die("a claimer did not start");
  }
  const auto t0 = clock_type::now();
  if (::write(go[1], "gggg", 4) != 4) die("pipe");
  bool ok = true;
  for (const pid_t pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  if (!ok) die("a claimer process failed");
  report(b, "task_next, 4 processes contending", tasks, t0);
}

void claims(const backend& b, int tasks) {
  claims_one_connection(b, tasks);
  for (const auto& [threads, connections] : {std::pair{4, 4}, {16, 16}, {16, 4}}) {
    claims_threads(b, tasks, threads, connections);
  }
  claims_processes(b, tasks);
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct failover_times {
  double kill_to_leader_s;
  double beyond_lease_s;  ///< from the lease's end to the new leader: detection and takeover
};

// One failover: a leader (child process) renews a 1 s lease every 100 ms and is
// killed with SIGKILL at a uniformly random point of its heartbeat cycle; the
// standby sleeps until the lease's end (read from the store), then takes over.
failover_times failover_once(const backend& b, std::mt19937_64& rng) {
  fresh(b, 0).reset();
  pc::store_options so;
  so.leader_ttl = std::chrono::seconds(1);
  int pipefd[2];
  if (::pipe(pipefd) != 0) die("pipe");
  const pid_t leader = ::fork();
  if (leader == 0) {
    auto s = open(b.url, so);
    (void)s->register_candidate("old", now_ns());
    auto lead = s->try_lead("old", now_ns());
    if (!lead) ::_exit(1);
    [[maybe_unused]] auto w = ::write(pipefd[1], "x", 1);
    for (;;) {
      (void)s->renew_lead("old", lead->epoch, now_ns());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ::close(pipefd[1]);
  char c;
  if (::read(pipefd[0], &c, 1) != 1) die("the leader did not start");
  ::close(pipefd[0]);
  auto s = open(b.url, so);
  (void)s->register_candidate("standby", now_ns());
  // After at least one renewal, anywhere in a 100 ms cycle.
  std::uniform_int_distribution<int> phase_us(0, 100'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(150) +
                              std::chrono::microseconds(phase_us(rng)));
  ::kill(leader, SIGKILL);
  const auto killed = clock_type::now();
  ::waitpid(leader, nullptr, 0);
  const auto last = s->leader();
  if (!last) die("no leader before the failover");
  const std::int64_t lease_end_ns = last->lease_until_ns;
  for (;;) {
    if (s->try_lead("standby", now_ns())) break;
    auto current = s->leader();
    const auto wait_ns = current ? current->lease_until_ns - now_ns() : 0;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<std::int64_t>(wait_ns, 0)) +
                                std::chrono::milliseconds(1));
  }
  const auto led = clock_type::now();
  return {std::chrono::duration<double>(led - killed).count(),
          static_cast<double>(now_ns() - lease_end_ns) / 1e9};
}

// `n` failovers; the distributions of kill to new leader and of the part past
// the lease's end.
void failover(const backend& b, int n) {
  std::mt19937_64 rng(std::random_device{}());
  std::vector<double> took, beyond;
  for (int i = 0; i < n; ++i) {
    const auto t = failover_once(b, rng);
    took.push_back(t.kill_to_leader_s);
    beyond.push_back(t.beyond_lease_s);
  }
  const auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1];
  };
  std::printf(
      "| %s | leader failover, TTL 1 s, %d kills at random points of the 100 ms heartbeat: kill "
      "to new leader p50 / p95 / max | %.3f / %.3f / %.3f s |\n",
      b.label.c_str(), n, pct(took, 0.5), pct(took, 0.95), pct(took, 1.0));
  std::printf(
      "| %s | the same, past the lease's end (detection and takeover) p50 / p95 / max | %.1f / "
      "%.1f / %.1f ms |\n",
      b.label.c_str(), pct(beyond, 0.5) * 1e3, pct(beyond, 0.95) * 1e3, pct(beyond, 1.0) * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  int tasks = 20000;
  int failovers = 20;
  std::vector<std::string> servers;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--tasks") == 0) {
      tasks = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--failovers") == 0) {
      failovers = std::max(1, std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--postgres") == 0) {
      servers.emplace_back(argv[i + 1]);
    } else {
      die("usage: store_bench [--tasks N] [--failovers N] [--postgres URL]...");
    }
  }
  const auto dir = std::filesystem::temp_directory_path() /
                   ("perftrack_store_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<backend> backends{sqlite_backend(dir / "coord.db")};
  for (const auto& url : servers) backends.push_back(postgres_backend(url));
  std::printf("| store | workload (%d tasks) | result |\n|---|---|---|\n", tasks);
  for (const auto& b : backends) {
    claims(b, tasks);
    failover(b, failovers);
  }
  for (const auto& url : servers)
    pc::drop_postgres_schema(url, "bench_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return 0;
}
