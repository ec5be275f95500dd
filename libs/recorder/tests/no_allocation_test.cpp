// "No allocation on the hot path after a thread's first record": every
// operator new of this test program is counted on the thread that records, and
// a recording thread's records after its first must count none.

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <thread>

#include "perftrack/recorder/context.hpp"
#include "perftrack/recorder/timing.hpp"
#include "perftrack/recorder/tracker.hpp"
#include "test_support.hpp"

namespace {
thread_local bool counting = false;
thread_local std::size_t allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace perftrack {
namespace {

TEST(NoAllocationTest, RecordsAfterAThreadsFirstAllocateNothing) {
  testing::temp_dir dir;
  tracker_options o;
  o.directory = dir.path();
  o.on_error = [](std::string_view) {};
  tracker t(o);
  const auto claim = t.operation("task_claim");
  std::size_t counted = 0;
  std::thread agent([&] {
    t.record(claim, std::chrono::microseconds(5), true);  // the first: sets up the buffer
    counting = true;
    for (int i = 0; i < 20'000; ++i) {
      context ctx;
      ctx.add("agents", i).add("name", "planner");
      t.record(
          claim, std::chrono::microseconds(i % 100), i % 7 != 0,
          {.session_id = "ses_42", .error = i % 7 ? "" : "lost race", .context_json = ctx.json()});
      {
        scoped_timer timer(t, claim);
        if (i % 3 == 0) timer.fail("timeout");
      }
      time_call(t, claim, [] { return 1; });
    }
    counting = false;
    counted = allocations;
  });
  agent.join();
  t.flush();
  EXPECT_EQ(counted, 0u) << "operator new calls on the hot path";
  // The allocator hook works: counting on, a std::string beyond SSO counts.
  counting = true;
  std::string big(100, 'x');
  counting = false;
  EXPECT_GE(allocations, 1u);
  EXPECT_GT(t.counters().recorded, 20'000u);
}

}  // namespace
}  // namespace perftrack
