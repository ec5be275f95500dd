#include "perftrack/recorder/timing.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "perftrack/recorder/default_tracker.hpp"
#include "test_support.hpp"

namespace perftrack {
namespace {

using namespace std::chrono_literals;

class TimingTest : public ::testing::Test {
protected:
  TimingTest() : tracker_(make_options()) {}
  static tracker_options make_options() {
    tracker_options o;
    o.file_sink = false;
    return o;
  }
  operation_stats stats(std::string_view name) {
    tracker_.flush();
    return tracker_.stats(tracker_.operation(name));
  }
  tracker tracker_;
};

TEST_F(TimingTest, TimeCallReturnsTheResultAndRecordsSuccess) {
  const auto op = tracker_.operation("task_claim");
  const int v = time_call(tracker_, op, [] { return 42; });
  EXPECT_EQ(v, 42);
  const auto s = stats("task_claim");
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.errors, 0u);
}

TEST_F(TimingTest, TimeCallRecordsFailureAndRethrows) {
  const auto op = tracker_.operation("task_claim");
  EXPECT_THROW(time_call(tracker_, op, []() -> int { throw std::runtime_error("lost race"); }),
               std::runtime_error);
  EXPECT_EQ(stats("task_claim").errors, 1u);
}

TEST_F(TimingTest, ScopedTimerMeasuresItsScopeAndCanFail) {
  const auto op = tracker_.operation("leader_election");
  {
    scoped_timer t(tracker_, op);
    std::this_thread::sleep_for(2ms);
  }
  {
    scoped_timer t(tracker_, op);
    t.fail("no quorum");
  }
  {
    scoped_timer t(tracker_, op);
    t.cancel();
  }
  const auto s = stats("leader_election");
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.errors, 1u);
  EXPECT_GE(s.max, 2ms);
}

TEST_F(TimingTest, NullTargetIsANoOp) {
  // A timer with no tracker (instrumentation switched off) records nowhere: the
  // same operation timed through the tracker is the only record there.
  const auto op = tracker_.operation("task_claim");
  {
    scoped_timer off(nullptr, op);
    off.fail("ignored");
  }
  { scoped_timer on(tracker_, op); }
  const auto s = stats("task_claim");
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(tracker_.counters().recorded, 1u);
}

TEST_F(TimingTest, TimeFutureEndsWhenTheWorkEnds) {
  const auto op = tracker_.operation("message_deliver");
  auto f = time_future(tracker_, op, [] {
    return std::async(std::launch::async, [] {
      std::this_thread::sleep_for(3ms);
      return std::string("ack");
    });
  });
  EXPECT_EQ(f.get(), "ack");
  const auto s = stats("message_deliver");
  EXPECT_EQ(s.count, 1u);
  EXPECT_GE(s.max, 3ms);
}

TEST_F(TimingTest, TimeFuturePassesOnAndRecordsExceptions) {
  const auto op = tracker_.operation("message_deliver");
  auto f = time_future(tracker_, op, [] {
    return std::async(std::launch::async, []() -> int { throw std::runtime_error("nack"); });
  });
  EXPECT_THROW(f.get(), std::runtime_error);
  EXPECT_EQ(stats("message_deliver").errors, 1u);
}

TEST_F(TimingTest, CallbackStyleRecordsWhenCompleted) {
  const auto op = tracker_.operation("agent_send");
  std::thread worker;
  time_callback(tracker_, op, [&](completion done) {
    worker = std::thread([done]() mutable { done.fail("peer gone"); });
  });
  worker.join();
  const auto s = stats("agent_send");
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.errors, 1u);
}

TEST_F(TimingTest, FamilyHelpersBuildTheOperationName) {
  EXPECT_EQ(operation(tracker_, family::task, "claim"), tracker_.operation("task_claim"));
  EXPECT_EQ(operation(tracker_, family::leader, "failover"),
            tracker_.operation(ops::leader_failover));
}

TEST(DefaultTrackerTest, IsConfiguredFromTheEnvironment) {
  testing::temp_dir dir;
  ::setenv("PERFTRACK_DIR", dir.path().c_str(), 1);
  ::setenv("PERFTRACK_FILE", "env.jsonl", 1);
  record("agent_register", 3.5, true);
  default_tracker().flush();
  EXPECT_EQ(default_tracker().options().file_path(), dir.path() / "env.jsonl");
  EXPECT_EQ(testing::read_lines(dir.path() / "env.jsonl").size(), 1u);
  // Stopped before `dir` goes: at exit it would write again, into a directory
  // made anew that nobody removes.
  default_tracker().shutdown();
  ::unsetenv("PERFTRACK_DIR");
  ::unsetenv("PERFTRACK_FILE");
}

TEST(DefaultTrackerTest, OptionsReadTheDisableAndOverflowVariables) {
  ::setenv("PERFTRACK_DISABLE", "1", 1);
  ::setenv("PERFTRACK_OVERFLOW", "block", 1);
  ::setenv("PERFTRACK_BUFFER_KB", "64", 1);
  const auto o = tracker_options::from_environment();
  ::unsetenv("PERFTRACK_DISABLE");
  ::unsetenv("PERFTRACK_OVERFLOW");
  ::unsetenv("PERFTRACK_BUFFER_KB");
  EXPECT_FALSE(o.enabled);
  EXPECT_EQ(o.overflow, overflow_policy::block);
  EXPECT_EQ(o.buffer_bytes, 64u * 1024);
}

}  // namespace
}  // namespace perftrack
