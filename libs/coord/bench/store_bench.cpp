// task_claim throughput of the SQLite store (docs/performance.md):
//   build/libs/coord/store_bench [--tasks N]
// one process claiming by id and by task_next, then 4 processes (one connection
// each) contending with task_next for the same tasks. Durability: WAL with
// synchronous=NORMAL (a committed claim survives a process crash).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "perftrack/coord/store.hpp"

namespace pc = perftrack::coord;
using clock_type = std::chrono::steady_clock;

namespace {

std::unique_ptr<pc::store> fresh(const std::filesystem::path& file, int tasks) {
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + "-wal");
  std::filesystem::remove(file.string() + "-shm");
  auto s = pc::open_store("sqlite:" + file.string());
  if (!s) {
    std::fprintf(stderr, "error: %s\n", s.error().message.c_str());
    std::exit(1);
  }
  for (int i = 0; i < tasks; ++i) {
    if (!(*s)->create_task({.title = "task " + std::to_string(i)}, 0)) std::exit(1);
  }
  return std::move(s).value();
}

double rate(int n, clock_type::time_point t0) {
  return n / std::chrono::duration<double>(clock_type::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int tasks = 20000;
  if (argc == 3 && std::strcmp(argv[1], "--tasks") == 0) tasks = std::atoi(argv[2]);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("perftrack_store_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "coord.db";

  {
    auto s = fresh(file, tasks);
    const auto t0 = clock_type::now();
    for (int i = 1; i <= tasks; ++i) {
      if (!s->claim_task(i, "a1", 0)) return 1;
    }
    std::printf("| SQLite task_claim by id, 1 process | %.0f claims/s |\n", rate(tasks, t0));
  }
  {
    auto s = fresh(file, tasks);
    const auto t0 = clock_type::now();
    int n = 0;
    for (;;) {
      auto next = s->claim_next("a1", 0);
      if (!next) return 1;
      if (!next->has_value()) break;
      ++n;
    }
    std::printf("| SQLite task_next (claim best), 1 process | %.0f claims/s |\n", rate(n, t0));
  }
  {
    auto s = fresh(file, tasks);
    const auto t0 = clock_type::now();
    int n = 0;
    for (;;) {
      auto batch = s->claim_next_batch("a1", 16, 0);
      if (!batch) return 1;
      if (batch->empty()) break;
      n += static_cast<int>(batch->size());
    }
    std::printf("| SQLite task_next in batches of 16, 1 process | %.0f claims/s |\n", rate(n, t0));
  }
  {
    // Agent threads of one process, each with its own connection.
    fresh(file, tasks).reset();
    const auto t0 = clock_type::now();
    std::vector<std::thread> threads;
    std::atomic<bool> ok{true};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        auto s = pc::open_store("sqlite:" + file.string());
        if (!s) {
          ok = false;
          return;
        }
        std::string agent = "t";
        agent += std::to_string(t);  // (not "t" + ...: GCC 12 -Wrestrict false positive)
        for (;;) {
          auto next = (*s)->claim_next(agent, 0);
          if (!next) {
            ok = false;
            return;
          }
          if (!next->has_value()) return;
        }
      });
    }
    for (auto& th : threads) th.join();
    if (!ok) return 1;
    std::printf(
        "| SQLite task_next, 4 threads in 1 process (a connection each, taking turns) | %.0f "
        "claims/s |\n",
        rate(tasks, t0));
  }
  {
    fresh(file, tasks).reset();
    const auto t0 = clock_type::now();
    std::vector<pid_t> kids;
    for (int p = 0; p < 4; ++p) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        auto s = pc::open_store("sqlite:" + file.string());
        if (!s) ::_exit(1);
        const std::string agent = "p" + std::to_string(p);
        for (;;) {
          auto next = (*s)->claim_next(agent, 0);
          if (!next) ::_exit(2);
          if (!next->has_value()) ::_exit(0);
        }
      }
      kids.push_back(pid);
    }
    bool ok = true;
    for (const pid_t pid : kids) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    if (!ok) return 1;
    std::printf("| SQLite task_next, 4 processes contending | %.0f claims/s |\n", rate(tasks, t0));
  }
  {
    // Leader failover: a leader (child process) renews a 1 s lease every 100 ms and
    // is killed with SIGKILL; the standby waits for the lease's end (read from the
    // store), then takes over. Reported: time from the kill to the new leader.
    fresh(file, 0).reset();
    pc::store_options so;
    so.leader_ttl = std::chrono::seconds(1);
    auto now_ns = [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    int pipefd[2];
    if (::pipe(pipefd) != 0) return 1;
    const pid_t leader = ::fork();
    if (leader == 0) {
      auto s = pc::open_store("sqlite:" + file.string(), so);
      if (!s) ::_exit(1);
      (void)(*s)->register_candidate("old", now_ns());
      auto lead = (*s)->try_lead("old", now_ns());
      if (!lead) ::_exit(1);
      [[maybe_unused]] auto w = ::write(pipefd[1], "x", 1);
      for (;;) {
        (void)(*s)->renew_lead("old", lead->epoch, now_ns());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    char c;
    if (::read(pipefd[0], &c, 1) != 1) return 1;
    auto s = pc::open_store("sqlite:" + file.string(), so);
    if (!s) return 1;
    (void)(*s)->register_candidate("standby", now_ns());
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    ::kill(leader, SIGKILL);
    const auto killed = clock_type::now();
    ::waitpid(leader, nullptr, 0);
    for (;;) {
      auto r = (*s)->try_lead("standby", now_ns());
      if (r) break;
      // Sleep until the current lease ends rather than polling blindly.
      auto current = (*s)->leader();
      const auto wait_ns = current ? current->lease_until_ns - now_ns() : 0;
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<std::int64_t>(wait_ns, 0)) +
                                  std::chrono::milliseconds(1));
    }
    const double took = std::chrono::duration<double>(clock_type::now() - killed).count();
    std::printf("| leader failover, TTL 1 s: kill to new leader | %.3f s |\n", took);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
