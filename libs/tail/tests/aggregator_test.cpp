#include "perftrack/tail/aggregator.hpp"

#include <gtest/gtest.h>

#include "perftrack/exposition/agent_metrics.hpp"

namespace perftrack::tail {
namespace {

const exposition::family& named(const std::vector<exposition::family>& fs, std::string_view n) {
  for (const auto& f : fs) {
    if (f.name == n) return f;
  }
  throw std::runtime_error("no family " + std::string(n));
}

TEST(AggregatorTest, CountsPerOperationWithInfEqualToCount) {
  aggregator a;
  {
    aggregator::batch b(a);
    b.add("task_claim", 1.0, true);      // le 0.001
    b.add("task_claim", 24.0, false);    // le 0.025
    b.add("task_claim", 90000.0, true);  // above 60 s: +Inf only
    b.add("agent_register", 3.0, true);
    b.malformed("not JSON");
  }
  std::vector<exposition::family> fs;
  a.collect(fs);
  const auto& d = named(fs, "agent_operation_duration_seconds");
  ASSERT_EQ(d.samples.size(), 2u);
  const auto& claim = d.samples[1];  // sorted: agent_register, task_claim
  EXPECT_EQ(claim.labels.text(), "operation=\"task_claim\"");
  EXPECT_EQ(claim.count, 3u);
  const auto& bounds = d.layout->bounds();
  const auto at = [&](double le) {
    return claim.cumulative[static_cast<std::size_t>(std::find(bounds.begin(), bounds.end(), le) -
                                                     bounds.begin())];
  };
  EXPECT_EQ(at(0.001), 1u);
  EXPECT_EQ(at(0.025), 2u);
  EXPECT_EQ(claim.cumulative.back(), 2u);
  EXPECT_DOUBLE_EQ(claim.sum, 90.025);
  EXPECT_EQ(named(fs, "agent_operation_errors_total").samples[1].value, 1.0);
  double malformed = 0;
  for (const auto& s : named(fs, "perftrack_tail_malformed_lines_total").samples)
    malformed += s.value;
  EXPECT_EQ(malformed, 1.0);
  EXPECT_GE(named(fs, "perftrack_tail_malformed_lines_total").samples.size(),
            7u);  // all start at 0
}

TEST(AggregatorTest, OperationsPastTheCapGoToOneOverflowSeriesThatIsCounted) {
  aggregator a(3);
  {
    aggregator::batch b(a);
    for (int i = 0; i < 10; ++i) b.add("op" + std::to_string(i), 1.0, true);
    b.add("op0", 1.0, true);
  }
  std::vector<exposition::family> fs;
  a.collect(fs);
  const auto& d = named(fs, "agent_operation_duration_seconds");
  ASSERT_EQ(d.samples.size(), 4u);  // op0..op2 and __overflow__
  EXPECT_EQ(d.samples[0].labels.text(), "operation=\"__overflow__\"");
  EXPECT_EQ(d.samples[0].count, 7u);
  EXPECT_EQ(named(fs, "perftrack_series_overflow_records_total").samples[0].value, 7.0);
}

TEST(AggregatorTest, RestoreGivesBackWhatSaveTook) {
  aggregator a;
  {
    aggregator::batch b(a);
    b.add("x\"y", 5.0, false);
    b.malformed("too long");
  }
  aggregator c;
  c.restore(a.save());
  std::vector<exposition::family> fa, fc;
  a.collect(fa);
  c.collect(fc);
  ASSERT_EQ(fa.size(), fc.size());
  for (std::size_t i = 0; i < fa.size(); ++i) {
    ASSERT_EQ(fa[i].samples.size(), fc[i].samples.size()) << fa[i].name;
    for (std::size_t k = 0; k < fa[i].samples.size(); ++k) {
      EXPECT_EQ(fa[i].samples[k].labels.text(), fc[i].samples[k].labels.text());
      EXPECT_EQ(fa[i].samples[k].count, fc[i].samples[k].count);
      EXPECT_EQ(fa[i].samples[k].value, fc[i].samples[k].value);
    }
  }
}

}  // namespace
}  // namespace perftrack::tail
