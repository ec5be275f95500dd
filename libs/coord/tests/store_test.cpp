#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace perftrack::coord {
namespace {

using testing::sec;

class StoreTest : public testing::store_test {
protected:
  std::int64_t add(const char* title, priority p = priority::medium, std::int64_t now = 0) {
    auto id = store_->create_task({.title = title, .priority = p}, now);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }
};

TEST_F(StoreTest, RegisterAgainUpdatesLastSeen) {
  ASSERT_TRUE(store_->register_agent("a1", "planner", "plan", 1 * sec));
  auto again = store_->register_agent("a1", "planner v2", "plan,code", 5 * sec);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->last_seen_ns, 5 * sec);
  EXPECT_EQ(again->name, "planner v2");
  auto all = store_->agents();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(StoreTest, ExactlyOneClaimWins) {
  const auto id = add("t");
  ASSERT_TRUE(store_->claim_task(id, "a1", 0));
  auto second = store_->claim_task(id, "a2", 1);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message, "task 1 is already claimed by a1");
}

TEST_F(StoreTest, InvalidTransitionsAreErrorsAndChangeNothing) {
  const auto id = add("t");
  auto early = store_->update_task(id, "a1", task_status::done, "", 0);
  ASSERT_FALSE(early);
  EXPECT_NE(early.error().message.find("not claimed"), std::string::npos);
  ASSERT_TRUE(store_->claim_task(id, "a1", 0));
  auto wrong_owner = store_->update_task(id, "a2", task_status::done, "", 0);
  ASSERT_FALSE(wrong_owner);
  ASSERT_TRUE(store_->update_task(id, "a1", task_status::done, "ok", 0));
  auto after_done = store_->claim_task(id, "a2", 0);
  ASSERT_FALSE(after_done);
  EXPECT_NE(after_done.error().message.find("is done"), std::string::npos);
  auto reopen = store_->update_task(id, "a1", task_status::in_progress, "", 0);
  ASSERT_FALSE(reopen);
  auto t = store_->get_task(id);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->status, task_status::done);
  EXPECT_EQ(t->completions, 1);
}

TEST_F(StoreTest, BadInputIsRejected) {
  EXPECT_FALSE(store_->create_task({.title = ""}, 0));
  EXPECT_FALSE(store_->create_task({.title = "x", .priority = static_cast<priority>(7)}, 0));
  EXPECT_FALSE(
      store_->create_task({.title = "x", .payload = std::string(max_payload_bytes + 1, 'p')}, 0));
  EXPECT_FALSE(store_->create_task({.title = "x", .parent = 999}, 0));
  EXPECT_FALSE(store_->claim_task(999, "a1", 0));
  EXPECT_FALSE(store_->update_agent_status("ghost", "idle", {}, 0));
  EXPECT_FALSE(store_->send_message("a", "ghost", "hi", 0));
  EXPECT_FALSE(store_->ack_message(42));
  auto all = store_->list_tasks({});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
}

TEST_F(StoreTest, ExpiredLeasesReturnToThePoolUnlessHandoffIsOff) {
  ASSERT_TRUE(store_->register_agent("a1", "x", "", 0));
  ASSERT_TRUE(store_->register_agent("a2", "x", "", 0));
  const auto t1 = add("t1");
  const auto t2 = add("t2");
  ASSERT_TRUE(store_->claim_task(t1, "a1", 0));
  ASSERT_TRUE(store_->claim_task(t2, "a2", 0));
  ASSERT_TRUE(store_->set_handoff("a2", false));
  EXPECT_FALSE(store_->claim_task(t1, "a3", 10 * sec));  // lease (30 s) still held
  ASSERT_TRUE(store_->heartbeat("a1", 20 * sec));        // renews to 50 s
  EXPECT_FALSE(store_->claim_task(t1, "a3", 40 * sec));
  EXPECT_TRUE(store_->claim_task(t1, "a3", 51 * sec));   // expired: another takes it
  EXPECT_FALSE(store_->claim_task(t2, "a3", 51 * sec));  // a2 keeps its tasks
  auto released = store_->release_expired(200 * sec);
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, 1);  // t1 (a3's lease ran out); t2 stays with a2
}

TEST_F(StoreTest, AbandonedWorkIsTakenBeforePendingTasks) {
  const auto low = add("low", priority::low);
  ASSERT_TRUE(store_->claim_task(low, "gone", 0));
  const auto critical = add("critical", priority::critical, 1 * sec);
  auto first = store_->claim_next("a1", 31 * sec);  // the 30 s lease of "gone" ran out
  ASSERT_TRUE(first && first->has_value());
  EXPECT_EQ((**first).id, low);
  auto second = store_->claim_next("a1", 31 * sec);
  ASSERT_TRUE(second && second->has_value());
  EXPECT_EQ((**second).id, critical);
}

TEST_F(StoreTest, NextTakesHighestPriorityAndAgingPreventsStarvation) {
  const auto low = add("low", priority::low, 0);
  const auto high = add("high", priority::high, 100 * sec);
  auto first = store_->claim_next("a1", 100 * sec);
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->id, high);
  ASSERT_TRUE(store_->update_task(high, "a1", task_status::done, "", 100 * sec));
  // A fresh critical task against a low task that has waited 4 aging periods.
  const auto critical = add("critical", priority::critical, 300 * sec);
  auto next = store_->claim_next("a1", 300 * sec);
  ASSERT_TRUE(next && *next);
  EXPECT_EQ((*next)->id, low) << "waiting 5 aging periods lifts low above a fresh critical";
  auto last = store_->claim_next("a1", 300 * sec);
  ASSERT_TRUE(last && *last);
  EXPECT_EQ((*last)->id, critical);
  auto none = store_->claim_next("a1", 300 * sec);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST_F(StoreTest, BatchClaimsTakeTheBestTasksOnce) {
  const auto low = add("low", priority::low);
  const auto high = add("high", priority::high);
  const auto critical = add("critical", priority::critical);
  auto batch = store_->claim_next_batch("a1", 2, 0);
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0].id, critical);
  EXPECT_EQ((*batch)[1].id, high);
  auto rest = store_->claim_next_batch("a2", 10, 0);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, low);
  EXPECT_EQ((*rest)[0].owner, "a2");
  EXPECT_FALSE(store_->claim_next_batch("a1", 0, 0));
}

TEST_F(StoreTest, ScheduledTasksWaitForTheirTime) {
  auto id = store_->create_task({.title = "later", .not_before_ns = 10 * sec}, 0);
  ASSERT_TRUE(id);
  auto early = store_->claim_task(*id, "a1", 5 * sec);
  ASSERT_FALSE(early);
  EXPECT_NE(early.error().message.find("scheduled"), std::string::npos);
  auto none = store_->claim_next("a1", 5 * sec);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(store_->claim_task(*id, "a1", 10 * sec));
}

TEST_F(StoreTest, LeaderLeaseEpochsAndFencing) {
  EXPECT_FALSE(store_->try_lead("n1", 0));  // not registered
  ASSERT_TRUE(store_->register_candidate("n1", 0));
  ASSERT_TRUE(store_->register_candidate("n2", 0));
  auto first = store_->try_lead("n1", 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->epoch, 1);
  auto blocked = store_->try_lead("n2", sec / 2);
  ASSERT_FALSE(blocked);
  EXPECT_NE(blocked.error().message.find("n1 leads (epoch 1)"), std::string::npos);
  ASSERT_TRUE(store_->renew_lead("n1", 1, sec / 2));  // lease to 1.5 s
  auto takeover = store_->try_lead("n2", 2 * sec);
  ASSERT_TRUE(takeover);
  EXPECT_EQ(takeover->epoch, 2);
  EXPECT_EQ(takeover->holder, "n2");
  auto stale = store_->renew_lead("n1", 1, 2 * sec);
  ASSERT_FALSE(stale);
  EXPECT_FALSE(store_->check_epoch(1));
  EXPECT_TRUE(store_->check_epoch(2));
}

TEST_F(StoreTest, MessagesReadUnreadBroadcastAndAcknowledge) {
  for (const char* a : {"a1", "a2", "a3"}) ASSERT_TRUE(store_->register_agent(a, a, "", 0));
  auto m1 = store_->send_message("a1", "a2", "hello", 0);
  ASSERT_TRUE(m1);
  auto n = store_->broadcast("a1", "all hands", 1);
  ASSERT_TRUE(n);
  ASSERT_EQ(n->size(), 2u);
  std::vector<std::string> recipients{(*n)[0].recipient, (*n)[1].recipient};
  std::sort(recipients.begin(), recipients.end());
  EXPECT_EQ(recipients, (std::vector<std::string>{"a2", "a3"}));
  auto unread = store_->read_messages("a2", true, true);
  ASSERT_TRUE(unread);
  EXPECT_EQ(unread->size(), 2u);
  auto again = store_->read_messages("a2", true, false);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  auto pending = store_->unacked("a2");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->size(), 2u);
  ASSERT_TRUE(store_->ack_message(*m1));
  EXPECT_EQ(store_->unacked("a2")->size(), 1u);
  // Several at once; unknown and already acknowledged ids are skipped.
  std::vector<std::int64_t> ids{*m1, 424242};
  for (const auto& m : *n) ids.push_back(m.id);
  auto acked = store_->ack_messages(ids);
  ASSERT_TRUE(acked) << acked.error().message;
  EXPECT_EQ(*acked, 2);
  EXPECT_TRUE(store_->unacked("a2")->empty());
  EXPECT_TRUE(store_->unacked("a3")->empty());
  EXPECT_EQ(*store_->ack_messages({}), 0);
}

TEST_F(StoreTest, ThreadsOfOneProcessClaimEveryTaskOnce) {
  // Claims of one process's threads are committed in groups (SQLite): each
  // still wins its own task, by id or by task_next, exactly once, with the
  // lease of the store it came through.
  constexpr int tasks = 400;
  for (int i = 0; i < tasks; ++i) add("t");
  std::vector<std::unique_ptr<store>> conns;
  for (int t = 0; t < 4; ++t) {
    auto o = options();
    o.claim_lease = std::chrono::seconds(10 + t);
    auto s = open_store(url_, o);
    ASSERT_TRUE(s) << s.error().message;
    conns.push_back(std::move(s).value());
  }
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Names with the characters PostgreSQL's array syntax quotes.
      const std::string agent = std::string(1, static_cast<char>('a' + t)) + R"( "q\{,} )";
      for (int id = 1 + t; id <= tasks; id += 2) {  // two threads try each id
        if (conns[t]->claim_task(id, agent, 0)) ++won;
      }
      for (;;) {
        auto next = conns[t]->claim_next(agent, 0);
        if (!next || !next->has_value()) break;
        ++won;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(won.load(), tasks);
  auto claimed = store_->list_tasks(task_status::claimed);
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), static_cast<std::size_t>(tasks));
  for (const auto& t : *claimed) {
    ASSERT_FALSE(t.owner.empty());
    EXPECT_EQ(t.owner.substr(1), R"( "q\{,} )");
    EXPECT_EQ(t.lease_until_ns, (10 + (t.owner[0] - 'a')) * sec) << "task " << t.id;
  }
}

}  // namespace
}  // namespace perftrack::coord
