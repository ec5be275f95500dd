// An agent id belongs to the running instance that registered it: another
// process may neither take the name while that instance lives nor act as it
// (claims, updates, heartbeats, messages, leadership); when its process is gone
// the name is free at once. And several processes that all name their agents
// agent-0.. (as independently started programs do) never share a leader epoch
// and never complete a claim they do not hold.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "fixture.hpp"
#include "perftrack/coord/service.hpp"

namespace perftrack::coord {
namespace {

using namespace std::chrono_literals;
using testing::sec;

class InstanceTest : public testing::store_test {
protected:
  store_options options() override {
    auto o = store_test::options();
    o.leader_ttl = std::chrono::seconds(30);  // the child's lease outlives the checks
    return o;
  }
};

// A child process that registers `agent`, claims task `task`, leads as
// `agent`, says so on `ready`, and lives until `go` is closed.
[[noreturn]] void hold(const std::string& url, const store_options& o, std::int64_t task_id,
                       int ready, int go) {
  auto s = open_store(url, o);
  const auto now = system_now_ns();
  const bool ok = s && (*s)->register_agent("a", "holder", "", now) &&
                  (*s)->claim_task(task_id, "a", now) && (*s)->register_candidate("a", now) &&
                  (*s)->try_lead("a", now);
  const char byte = ok ? '1' : '0';
  [[maybe_unused]] auto w = ::write(ready, &byte, 1);
  char c;
  while (::read(go, &c, 1) > 0) {
  }
  ::_exit(ok ? 0 : 1);
}

TEST_F(InstanceTest, AnotherLiveInstanceCannotTakeTheNameOrActAsIt) {
  const auto t1 = store_->create_task({.title = "held"}, 0);
  const auto t2 = store_->create_task({.title = "free"}, 0);
  ASSERT_TRUE(t1 && t2);
  int ready[2], go[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(go), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    ::close(go[1]);
    store_.release();  // the parent's connection is not the child's to close
    hold(url_, options(), *t1, ready[1], go[0]);
  }
  ::close(ready[1]);
  ::close(go[0]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, '1') << "the child could not register, claim and lead";
  const auto now = system_now_ns();

  const auto refused = [](const auto& r, const char* words) {
    if (r) return ::testing::AssertionFailure() << "accepted";
    if (r.error().message.find(words) == std::string::npos)
      return ::testing::AssertionFailure() << r.error().message;
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(refused(store_->register_agent("a", "impostor", "", now),
                      "registered by another running instance"));
  EXPECT_TRUE(refused(store_->update_task(*t1, "a", task_status::done, "", now),
                      "belongs to another instance"));
  EXPECT_TRUE(refused(store_->claim_task(*t2, "a", now), "belongs to another instance"));
  EXPECT_TRUE(refused(store_->claim_next("a", now), "belongs to another instance"));
  EXPECT_TRUE(refused(store_->heartbeat("a", now), "belongs to another instance"));
  EXPECT_TRUE(refused(store_->unacked("a"), "belongs to another instance"));
  EXPECT_TRUE(refused(store_->update_agent_status("a", "working", std::nullopt, now),
                      "belongs to another instance"));
  // The same name is not the same leader: neither a re-election nor a renewal.
  const auto lead = store_->leader();
  ASSERT_TRUE(lead);
  EXPECT_EQ(lead->holder, "a");
  EXPECT_FALSE(store_->try_lead("a", now));
  EXPECT_FALSE(store_->renew_lead("a", lead->epoch, now));
  // Other agents are not affected.
  EXPECT_TRUE(store_->register_agent("b", "other", "", now));
  EXPECT_TRUE(store_->claim_task(*t2, "b", now));

  // The holder's process ends: the name is free at once, with its claims.
  ::close(go[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(store_->register_agent("a", "successor", "", now));
  EXPECT_TRUE(store_->update_task(*t1, "a", task_status::done, "", now));
}

// One of several independent processes: agents agent-0..2 (the same names in
// every process) register, stand for leader, lead for a while and step down,
// and claim and complete tasks; what each won is written to `log`.
[[noreturn]] void compete(const std::string& url, const store_options& o,
                          const std::filesystem::path& log, int seed) {
  auto opened = open_store(url, o);
  if (!opened) ::_exit(2);
  store& s = **opened;
  std::ofstream out(log);
  std::mt19937 rng(static_cast<unsigned>(seed));
  // The shared names, and one of this process's own, so that leadership also
  // changes hands between processes legitimately.
  std::vector<std::string> ids{"agent-0", "agent-1", "agent-2", "own-" + std::to_string(seed)};
  for (const auto& id : ids) {
    if (s.register_agent(id, id, "", system_now_ns())) out << "registered " << id << '\n';
    (void)s.register_candidate(id, system_now_ns());
  }
  std::map<std::string, std::int64_t> leading;  // agent -> epoch
  std::map<std::string, std::chrono::steady_clock::time_point> resting;
  const auto end = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < end) {
    for (const auto& id : ids) {
      const auto now = system_now_ns();
      const auto clock = std::chrono::steady_clock::now();
      if (auto it = leading.find(id); it != leading.end()) {
        // Step down now and then: stop renewing and let the lease (100 ms) run out.
        if (rng() % 8 == 0 || !s.renew_lead(id, it->second, now)) {
          leading.erase(it);
          resting[id] = clock + 150ms;
        }
      } else if (clock >= resting[id]) {
        if (auto r = s.try_lead(id, now); r && r->holder == id) {
          leading[id] = r->epoch;
          out << "lead " << r->epoch << ' ' << id << '\n';
        }
      }
      if (auto t = s.claim_next(id, now); t && *t) {
        if (s.update_task((**t).id, id, task_status::done, "", now))
          out << "done " << (**t).id << ' ' << id << '\n';
      }
    }
    std::this_thread::sleep_for(5ms);
  }
  out.flush();
  ::_exit(out ? 0 : 3);
}

class IndependentProcessesTest : public testing::store_test {
protected:
  store_options options() override {
    auto o = store_test::options();
    o.leader_ttl = 100ms;  // many epochs in 3 s
    return o;
  }
};

TEST_F(IndependentProcessesTest, OneLeaderPerEpochAndNoClaimCompletedByAnotherInstance) {
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(store_->create_task({.title = "t"}, 0));
  constexpr int processes = 3;
  std::vector<pid_t> kids;
  for (int p = 0; p < processes; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      store_.release();
      compete(url_, options(), dir_ / ("p" + std::to_string(p) + ".log"), p + 1);
    }
    kids.push_back(pid);
  }
  for (const pid_t pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  std::map<std::string, int> registered_by;              // agent -> process
  std::map<std::int64_t, std::set<int>> epoch_leaders;   // epoch -> processes
  std::map<std::int64_t, int> completed;                 // task -> completions seen
  std::vector<std::pair<std::string, int>> completions;  // (agent, process)
  for (int p = 0; p < processes; ++p) {
    std::ifstream in(dir_ / ("p" + std::to_string(p) + ".log"));
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::string what, agent;
      words >> what;
      if (what == "registered") {
        words >> agent;
        EXPECT_FALSE(registered_by.count(agent)) << agent << " registered by two live processes";
        registered_by[agent] = p;
      } else if (what == "lead") {
        std::int64_t epoch;
        words >> epoch >> agent;
        epoch_leaders[epoch].insert(p);
      } else if (what == "done") {
        std::int64_t task;
        words >> task >> agent;
        ++completed[task];
        completions.emplace_back(agent, p);
      }
    }
  }
  EXPECT_EQ(registered_by.size(), 3u + processes);  // agent-0..2 once, own-N each
  EXPECT_GT(epoch_leaders.size(), 5u) << "too few elections to tell";
  std::set<int> leaders;
  for (const auto& [epoch, who] : epoch_leaders) {
    EXPECT_EQ(who.size(), 1u) << "epoch " << epoch;
    leaders.insert(who.begin(), who.end());
  }
  EXPECT_GT(leaders.size(), 1u) << "leadership never changed hands between processes";
  for (const auto& [task, n] : completed) EXPECT_EQ(n, 1) << "task " << task;
  for (const auto& [agent, p] : completions)
    EXPECT_EQ(registered_by[agent], p) << agent << " completed a claim from another process";
  EXPECT_GT(completions.size(), 0u);
}

}  // namespace
}  // namespace perftrack::coord
