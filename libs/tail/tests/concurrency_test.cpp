// Scrapes while records arrive: no scrape may show a histogram whose +Inf
// bucket differs from its _count, or a cumulative bucket above it. Built into
// the TSan run too (scripts/checks.sh tsan), where it also proves the
// aggregator's locking.

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "perftrack/exposition/format.hpp"
#include "perftrack/tail/aggregator.hpp"

namespace perftrack::tail {
namespace {

std::uint64_t value_at_end(std::string_view line) {
  std::uint64_t v = 0;
  const auto space = line.rfind(' ');
  std::from_chars(line.data() + space + 1, line.data() + line.size(), v);
  return v;
}

/// Checks every histogram series of a scrape: cumulative buckets never
/// decrease, and the +Inf bucket equals _count. Returns the series seen.
int check_scrape(std::string_view text) {
  int series = 0;
  std::uint64_t previous = 0;
  std::uint64_t inf = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.starts_with("agent_operation_duration_seconds_bucket")) {
      const std::uint64_t v = value_at_end(line);
      EXPECT_GE(v, previous) << line;
      previous = v;
      if (line.find("le=\"+Inf\"") != std::string_view::npos) inf = v;
    } else if (line.starts_with("agent_operation_duration_seconds_count")) {
      EXPECT_EQ(value_at_end(line), inf) << line;
      previous = 0;
      ++series;
    }
  }
  return series;
}

TEST(ConcurrencyTest, ScrapesWhileRecordsArriveAlwaysShowInfEqualToCount) {
  // PERFTRACK_SCRAPES overrides the count (the TSan run uses fewer).
  const char* env = std::getenv("PERFTRACK_SCRAPES");
  const long scrapes = env ? std::atol(env) : 1'000'000;
  aggregator agg;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const char* ops[] = {"task_claim", "message_send"};
    for (std::uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      aggregator::batch b(agg);
      for (int k = 0; k < 16; ++k) {
        b.add(ops[(i + k) % 2], static_cast<double>((i * 7 + k) % 5000) / 10.0, k % 5 != 0);
      }
    }
  });
  std::vector<exposition::family> fams;
  std::string text;
  for (long i = 0; i < scrapes; ++i) {
    fams.clear();
    text.clear();
    agg.collect(fams);
    exposition::write(fams, i % 2 ? exposition::format::openmetrics : exposition::format::text,
                      text);
    const int series = check_scrape(text);
    if (::testing::Test::HasFailure()) break;
    ASSERT_LE(series, 2);
  }
  stop = true;
  writer.join();
}

}  // namespace
}  // namespace perftrack::tail
