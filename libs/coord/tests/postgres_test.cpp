// PostgreSQL only: a server that goes away and comes back. The test starts its
// own server (scripts/pg_server.sh) so it can stop it without disturbing others.

#include "perftrack/testing/postgres.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"
#include "perftrack/coord/postgres_scratch.hpp"

namespace perftrack::coord {
namespace {

using namespace std::chrono_literals;

class PostgresOutageTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto started = scratch_server::start(
        std::filesystem::path(PERFTRACK_SOURCE_DIR) / "scripts" / "pg_server.sh", state_);
    ASSERT_TRUE(started) << started.error().message;
    server_.emplace(std::move(*started));
    url_ = server_->url();
  }
  perftrack::testing::temp_dir tmp_;
  std::filesystem::path state_ = tmp_.path() / "server";
  std::optional<scratch_server> server_;  ///< stopped with the test
  std::string url_;
};

TEST_F(PostgresOutageTest, AStoreSurvivesTheServerGoingAwayAndReconnects) {
  store_options o;
  o.reconnect_timeout = 3s;
  auto opened = open_store(url_, o);
  ASSERT_TRUE(opened) << opened.error().message;
  auto& s = **opened;
  ASSERT_TRUE(s.register_agent("a1", "w", "", 1));
  auto id = s.create_task({.title = "survives"}, 1);
  ASSERT_TRUE(id);
  // A second store that waits long enough for any restart, however loaded the
  // machine: pg_ctl start took more than the first store's 3 s once under load.
  store_options patient_options;
  patient_options.reconnect_timeout = 60s;
  auto patient = open_store(url_, patient_options);
  ASSERT_TRUE(patient) << patient.error().message;

  ASSERT_TRUE(server_->halt());
  // The open connection breaks: an error value, not a crash or a hang.
  auto lost = s.claim_next("a1", 2);
  ASSERT_FALSE(lost);
  EXPECT_NE(lost.error().message.find("PostgreSQL"), std::string::npos) << lost.error().message;
  // Reconnecting is retried with backoff, then the step fails with a clear message.
  auto down = s.claim_next("a1", 2);
  ASSERT_FALSE(down);
  EXPECT_NE(down.error().message.find("is unavailable after"), std::string::npos)
      << down.error().message;

  // The server comes back while a step is retrying: the step succeeds.
  // The patient store's connection broke too: its next step says so at once.
  ASSERT_FALSE((*patient)->claim_next("a1", 2));

  std::thread back([&] { server_->resume(); });
  auto claimed = (*patient)->claim_next("a1", 3);
  back.join();
  ASSERT_TRUE(claimed) << claimed.error().message;
  ASSERT_TRUE(claimed->has_value());
  EXPECT_EQ((**claimed).id, *id);  // nothing was lost
}

// perftrack bench renews its server before each process of a run, so that no
// state of one process's server reaches the next: the same URL, an empty
// cluster, the same settings, and stores reconnect to it.
TEST_F(PostgresOutageTest, RenewGivesAnEmptyServerAtTheSameUrl) {
  auto opened = open_store(url_);
  ASSERT_TRUE(opened) << opened.error().message;
  ASSERT_TRUE((*opened)->register_agent("a1", "w", "", 1));
  opened->reset();
  {
    pqxx::connection c(url_);
    pqxx::work w(c);
    w.exec("CREATE TABLE left_behind (x int)");
    w.commit();
  }
  std::ifstream old_cluster(state_ / "cluster");
  std::string before;
  std::getline(old_cluster, before);

  ASSERT_TRUE(server_->renew());
  EXPECT_EQ(server_->url(), url_);
  std::ifstream new_cluster(state_ / "cluster");
  std::string after;
  std::getline(new_cluster, after);
  EXPECT_NE(after, before);
  EXPECT_FALSE(std::filesystem::exists(before)) << "the old cluster is deleted";
  pqxx::connection c(url_);
  pqxx::work w(c);
  EXPECT_EQ(w.exec1("SELECT count(*) FROM pg_tables WHERE tablename = 'left_behind'")[0].as<int>(),
            0);
  auto fresh = open_store(url_);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_TRUE((*fresh)->register_agent("a1", "w", "", 1));
}

// Claims of one process's threads go to the server in groups (one claim_group
// call) when commits wait for the disk. The test server runs with
// synchronous_commit=off, so these stores turn it back on for their sessions.
TEST(PostgresGroupTest, GroupedClaimsWinExactlyOnceWithTheirOwnAgentsAndLeases) {
  perftrack::testing::temp_dir tmp;
  const auto b = testing::fresh_store(tmp.path());
  if (b.url.empty()) {
    if (b.required) FAIL() << b.reason;
    GTEST_SKIP() << b.reason;
  }
  // The URL ends with the schema's search_path option: add ours to the same list.
  const std::string url = b.url + "%20-csynchronous_commit%3Don%20-ctrack_functions%3Dall";
  constexpr int tasks = 300;
  constexpr int threads = 6;
  std::vector<std::unique_ptr<store>> conns;
  for (int t = 0; t < threads; ++t) {
    store_options o;
    o.claim_lease = std::chrono::seconds(10 + t);
    auto s = open_store(url, o);
    ASSERT_TRUE(s) << s.error().message;
    conns.push_back(std::move(s).value());
  }
  for (int i = 0; i < tasks; ++i) ASSERT_TRUE(conns[0]->create_task({.title = "t"}, 0));
  std::atomic<int> won{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string agent = std::string(1, static_cast<char>('a' + t)) + R"( "q\{,} )";
      for (int id = 1; id <= 60; ++id) {  // every thread tries the first 60 by id
        auto c = conns[static_cast<std::size_t>(t)]->claim_task(id, agent, 0);
        if (c) {
          ++won;
        } else if (c.error().message.find("already claimed by") != std::string::npos) {
          ++refused;
        }
      }
      for (;;) {
        auto next = conns[static_cast<std::size_t>(t)]->claim_next(agent, 0);
        if (!next || !next->has_value()) break;
        ++won;
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(won.load(), tasks);
  EXPECT_EQ(refused.load(), 60 * (threads - 1));  // each loser is told who won
  auto claimed = conns[0]->list_tasks(task_status::claimed);
  ASSERT_TRUE(claimed) << claimed.error().message;
  ASSERT_EQ(claimed->size(), static_cast<std::size_t>(tasks));
  for (const auto& t : *claimed) {
    ASSERT_FALSE(t.owner.empty());
    EXPECT_EQ(t.owner.substr(1), R"( "q\{,} )");
    EXPECT_EQ(t.lease_until_ns, (10 + (t.owner[0] - 'a')) * testing::sec) << "task " << t.id;
  }
  conns.clear();  // a backend reports its function calls when it ends
  long calls = 0;
  const auto schema = b.url.substr(b.url.rfind("search_path%3D") + 14);
  for (int i = 0; i < 50 && calls == 0; ++i) {
    std::this_thread::sleep_for(100ms);
    pqxx::connection c(perftrack::testing::test_postgres_url());
    pqxx::nontransaction q(c);
    calls = q.exec_params(
                 "SELECT COALESCE(sum(calls), 0) FROM pg_stat_user_functions "
                 "WHERE funcname = 'claim_group' AND schemaname = $1",
                 schema)[0][0]
                .as<long>();
  }
  EXPECT_GT(calls, 0) << "no claims were grouped";
  testing::drop_store(b.url);
}

}  // namespace
}  // namespace perftrack::coord
