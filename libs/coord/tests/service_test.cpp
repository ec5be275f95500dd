#include "perftrack/coord/service.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "fixture.hpp"

namespace perftrack::coord {
namespace {

using testing::sec;

class ServiceTest : public testing::store_test {
protected:
  void SetUp() override {
    store_test::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    tracker_options o;
    o.directory = dir_;
    tracker_ = std::make_unique<tracker>(o);
    service_ = std::make_unique<coordination_service>(std::move(store_), *tracker_,
                                                      [this] { return now_; });
  }
  void TearDown() override {
    service_.reset();
    tracker_.reset();
    store_test::TearDown();
  }
  std::int64_t now_ = 1000 * sec;
  std::unique_ptr<tracker> tracker_;
  std::unique_ptr<coordination_service> service_;
};

TEST_F(ServiceTest, RecordsEveryOperationUnderItsName) {
  auto& s = *service_;
  ASSERT_TRUE(s.agent_register("a1", "planner", "plan"));
  ASSERT_TRUE(s.agent_register("a2", "coder", "code"));
  ASSERT_TRUE(s.agent_send("a1", "a2", "hi"));
  ASSERT_TRUE(s.agent_send("a1", "", "all"));
  ASSERT_TRUE(s.agent_messages("a2", true, false));
  ASSERT_TRUE(s.agent_status());
  ASSERT_TRUE(s.agent_set_handoff("a1", true));
  auto parent = s.task_create({.title = "build", .priority = priority::high});
  ASSERT_TRUE(parent);
  ASSERT_TRUE(s.task_spawn(*parent, {.title = "compile"}));
  ASSERT_TRUE(s.task_schedule({.title = "later"}, now_ + 60 * sec));
  ASSERT_TRUE(s.task_claim(*parent, "a1"));
  ASSERT_TRUE(s.agent_update_status("a1", "working", *parent));
  ASSERT_TRUE(s.task_update(*parent, "a1", task_status::done, "ok"));
  auto next = s.task_next("a2");
  ASSERT_TRUE(next && *next);
  ASSERT_TRUE(s.task_list(task_status::done));
  ASSERT_TRUE(s.message_send("a2", "a1", "done"));
  ASSERT_TRUE(s.message_read("a1"));
  auto delivered = s.message_deliver("a2", [](const stored_message&) { return true; });
  ASSERT_TRUE(delivered);
  EXPECT_EQ(*delivered, 2);
  ASSERT_TRUE(s.leader_register("a1"));
  ASSERT_TRUE(s.leader_register("a2"));
  auto lead = s.leader_elect("a1");
  ASSERT_TRUE(lead);
  ASSERT_TRUE(s.leader_heartbeat("a1", lead->epoch));
  now_ += 5 * sec;  // a1's lease (1 s) runs out
  auto takeover = s.leader_elect("a2");
  ASSERT_TRUE(takeover);
  EXPECT_EQ(takeover->epoch, 2);

  tracker_->flush();
  std::set<std::string> seen;
  for (const auto& st : tracker_->stats()) seen.insert(st.operation);
  const std::set<std::string> all = {
      "agent_register",      "agent_send",        "agent_messages",  "agent_status",
      "agent_update_status", "agent_set_handoff", "task_create",     "task_update",
      "task_claim",          "task_list",         "task_next",       "task_schedule",
      "task_spawn",          "message_send",      "message_read",    "message_deliver",
      "leader_register",     "leader_heartbeat",  "leader_election", "leader_failover"};
  EXPECT_EQ(seen, all);
}

TEST_F(ServiceTest, FailuresAreRecordedWithTheirErrorText) {
  auto r = service_->task_claim(12345, "a1");
  ASSERT_FALSE(r);
  tracker_->flush();
  const auto st = tracker_->stats(tracker_->operation("task_claim"));
  EXPECT_EQ(st.count, 1u);
  EXPECT_EQ(st.errors, 1u);
  std::ifstream in(dir_ / "perf-metrics.jsonl");
  std::string line;
  std::getline(in, line);
  EXPECT_NE(line.find(R"("success":false)"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("error":"unknown task 12345")"), std::string::npos) << line;
}

}  // namespace
}  // namespace perftrack::coord
