// Exactly-once claims: 4 processes x 4 threads, each thread with its own
// connection to one store, race for 10,000 tasks.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace perftrack::coord {
namespace {

class MultiProcessClaimTest : public testing::store_test {};

[[noreturn]] void work(const std::string& url, int process, int threads) {
  std::vector<std::thread> workers;
  std::atomic<bool> failed{false};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto s = open_store(url);
      if (!s) {
        std::fprintf(stderr, "open: %s\n", s.error().message.c_str());
        failed = true;
        return;
      }
      std::string agent =
          "p";  // appended: "p" + std::string trips a GCC 12 -Wrestrict false positive
      agent.append(std::to_string(process)).append("t").append(std::to_string(t));
      for (;;) {
        auto next = (*s)->claim_next(agent, 0);
        if (!next) {
          std::fprintf(stderr, "claim_next: %s\n", next.error().message.c_str());
          failed = true;
          return;
        }
        if (!next->has_value()) return;  // nothing left
        if (auto done = (*s)->update_task((**next).id, agent, task_status::done, "", 0); !done) {
          std::fprintf(stderr, "update_task: %s\n", done.error().message.c_str());
          failed = true;
          return;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  ::_exit(failed ? 1 : 0);
}

// Races 4 processes x 4 threads through `url` for 10,000 tasks.
void expect_every_task_done_once(store& s, const std::string& url) {
  constexpr int tasks = 10000;
  for (int i = 0; i < tasks; ++i) {
    ASSERT_TRUE(s.create_task({.title = std::to_string(i)}, 0));
  }
  std::vector<pid_t> kids;
  for (int p = 0; p < 4; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) work(url, p, 4);
    kids.push_back(pid);
  }
  for (const pid_t pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  auto all = s.list_tasks({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), static_cast<std::size_t>(tasks));
  std::size_t once = 0;
  for (const auto& t : *all) once += t.status == task_status::done && t.completions == 1;
  EXPECT_EQ(once, static_cast<std::size_t>(tasks));
}

TEST_F(MultiProcessClaimTest, EveryTaskIsCompletedExactlyOnce) {
  expect_every_task_done_once(*store_, url_);
}

#ifdef PERFTRACK_COORD_TEST_POSTGRES
// PostgreSQL groups the claims of a process's threads only when commits wait for
// the disk; the test server runs with synchronous_commit=off, so turn it on.
// (SQLite always groups: the test above covers it.)
TEST_F(MultiProcessClaimTest, EveryTaskIsCompletedExactlyOnceInGroups) {
  expect_every_task_done_once(*store_, url_ + "%20-csynchronous_commit%3Don");
}
#endif

}  // namespace
}  // namespace perftrack::coord
