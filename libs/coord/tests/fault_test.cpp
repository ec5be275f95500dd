// Faults: a worker killed while holding claims, a leader killed, a leader paused
// past its lease and resumed.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "fixture.hpp"
#include "perftrack/coord/service.hpp"

namespace perftrack::coord {
namespace {

using namespace std::chrono_literals;
using testing::sec;

class FaultTest : public testing::store_test {
protected:
  store_options options() override {
    store_options o;
    o.claim_lease = 1s;
    o.leader_ttl = 300ms;
    return o;
  }
  std::unique_ptr<store> connect() {
    auto s = open_store(url_, options());
    EXPECT_TRUE(s) << s.error().message;
    return std::move(s).value();
  }
  static void wait_exit(pid_t pid, bool expect_signal) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_EQ(WIFSIGNALED(status), expect_signal) << status;
  }
};

TEST_F(FaultTest, ClaimsOfAKilledWorkerReturnAfterTheLease) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->create_task({.title = "t"}, 0));
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto s = connect();
    (void)s->register_agent("doomed", "w", "", 0);
    for (int i = 0; i < 5; ++i) (void)s->claim_next("doomed", 0);
    ::kill(::getpid(), SIGKILL);
  }
  wait_exit(pid, true);
  auto before = store_->claim_next("survivor", sec / 2);  // the lease (1 s) still runs
  ASSERT_TRUE(before);
  EXPECT_FALSE(before->has_value());
  int taken = 0;
  for (;;) {
    auto next = store_->claim_next("survivor", 2 * sec);
    ASSERT_TRUE(next);
    if (!next->has_value()) break;
    EXPECT_EQ((**next).owner, "survivor");
    ++taken;
  }
  EXPECT_EQ(taken, 5);
}

TEST_F(FaultTest, AKilledLeaderIsReplacedWithAHigherEpoch) {
  ASSERT_TRUE(store_->register_candidate("b", 0));
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto s = connect();
    (void)s->register_candidate("a", 0);
    if (!s->try_lead("a", 0)) ::_exit(1);
    ::kill(::getpid(), SIGKILL);
  }
  wait_exit(pid, true);
  auto held = store_->leader();
  ASSERT_TRUE(held);
  EXPECT_EQ(held->holder, "a");
  EXPECT_FALSE(store_->try_lead("b", 100'000'000));  // within the 300 ms lease
  auto next = store_->try_lead("b", sec);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->holder, "b");
  EXPECT_GT(next->epoch, held->epoch);
}

// Two candidates in two processes run real leader loops for about 2 s on the
// real clock; the parent stops the child's process (SIGSTOP) for longer than the
// lease and resumes it. Every leadership each one believes it holds is appended
// to a shared log; no epoch may have two holders, and the resumed leader's next
// write must be refused.
TEST_F(FaultTest, APausedLeaderIsFencedOffAndEpochsHaveOneHolder) {
  const auto log = dir_ / "leaders.log";
  auto leader_loop = [&](const std::string& me, std::chrono::milliseconds run_for) {
    auto s = connect();
    (void)s->register_candidate(me, system_now_ns());
    std::ofstream out(log, std::ios::app);
    std::int64_t epoch = 0;
    bool refused_after_pause = false;
    const auto end = std::chrono::steady_clock::now() + run_for;
    while (std::chrono::steady_clock::now() < end) {
      if (epoch != 0) {
        if (!s->renew_lead(me, epoch, system_now_ns())) {
          refused_after_pause = true;
          epoch = 0;
        }
      } else if (auto r = s->try_lead(me, system_now_ns()); r && r->holder == me) {
        epoch = r->epoch;
        out << epoch << ' ' << me << std::endl;
      }
      std::this_thread::sleep_for(50ms);  // a heartbeat period, well under the 300 ms lease
    }
    return refused_after_pause;
  };
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ::_exit(leader_loop("child", 2500ms) ? 0 : 3);
  // Let the child lead first, then pause it past its lease.
  std::this_thread::sleep_for(300ms);
  std::thread parent([&] { leader_loop("parent", 2000ms); });
  std::this_thread::sleep_for(200ms);
  ::kill(pid, SIGSTOP);
  std::this_thread::sleep_for(900ms);
  ::kill(pid, SIGCONT);
  parent.join();
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  std::ifstream in(log);
  std::map<std::int64_t, std::set<std::string>> holders;
  std::int64_t epoch;
  std::string who;
  while (in >> epoch >> who) holders[epoch].insert(who);
  ASSERT_GE(holders.size(), 2u) << "a takeover was expected while the child was stopped";
  for (const auto& [e, names] : holders) EXPECT_EQ(names.size(), 1u) << "epoch " << e;
  auto final_leader = store_->leader();
  ASSERT_TRUE(final_leader);
  // The child led first; after its pause its renewals were refused (exit 0).
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the paused leader was never refused";
}

}  // namespace
}  // namespace perftrack::coord
