// PostgreSQL only: a server that goes away and comes back. The test starts its
// own server (scripts/pg_server.sh) so it can stop it without disturbing others.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "fixture.hpp"

namespace perftrack::coord {
namespace {

using namespace std::chrono_literals;

int server(const std::string& action, const std::filesystem::path& state) {
  const std::string cmd = std::string(PERFTRACK_SOURCE_DIR) + "/scripts/pg_server.sh " + action +
                          " " + state.string() + " >/dev/null";
  return std::system(cmd.c_str());
}

class PostgresOutageTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(server("start", state_), 0) << "scripts/pg_server.sh could not start a server";
    std::ifstream in(state_ / "url");
    std::getline(in, url_);
  }
  void TearDown() override { server("stop", state_); }
  perftrack::testing::temp_dir tmp_;
  std::filesystem::path state_ = tmp_.path() / "server";
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

  ASSERT_EQ(server("halt", state_), 0);
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

  std::thread back([&] { server("resume", state_); });
  auto claimed = (*patient)->claim_next("a1", 3);
  back.join();
  ASSERT_TRUE(claimed) << claimed.error().message;
  ASSERT_TRUE(claimed->has_value());
  EXPECT_EQ((**claimed).id, *id);  // nothing was lost
}

}  // namespace
}  // namespace perftrack::coord
