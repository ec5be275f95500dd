// Every benchmark of the suite runs (quick, two repetitions) and measures
// something: no error records, and plausible values.

#include "perftrack/suite/suite.hpp"

#include <gtest/gtest.h>

#include <set>

#include "perftrack/bench/runner.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::suite {
namespace {

TEST(SuiteTest, NamesAreUniqueAndCategoriesAreTheDocumentedOnes) {
  bench::registry r;
  add_all(r);
  const std::set<std::string> known{"agent_spawn",     "message_throughput", "memory",
                                    "database",        "websocket",          "concurrent_load",
                                    "task_completion", "leader_election",    "peers"};
  std::set<std::string> names;
  for (const auto& d : r.all()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_TRUE(known.count(d.category)) << d.category;
    EXPECT_EQ(d.name.rfind(d.category + "/", 0), 0u) << d.name;
  }
}

TEST(SuiteTest, EveryLocalBenchmarkRunsInQuickMode) {
  bench::registry r;
  add_all(r);
  perftrack::testing::temp_dir tmp;
  bench::suite_config config{.quick = true, .threads = 2, .scratch = tmp.path()};
  bench::runner runner(
      {.repetitions = 2, .warmup = 0, .micro_target = std::chrono::milliseconds(1)});
  for (const auto& d : r.all()) {
    const bool postgres = d.name.find("postgres") != std::string::npos;
    const auto res = runner.run(d, config);
    if (postgres) {
      EXPECT_EQ(res.status, run_status::skipped) << d.name;  // no server given
      continue;
    }
    ASSERT_EQ(res.status, run_status::ok) << d.name << ": " << res.reason;
    EXPECT_EQ(res.samples.size(), 2u) << d.name;
    if (d.name == "memory/leak_check") {
      EXPECT_GE(res.stats.median, 0);  // no growth is the expected value
    } else {
      EXPECT_GT(res.stats.median, 0) << d.name;
    }
  }
}

}  // namespace
}  // namespace perftrack::suite
