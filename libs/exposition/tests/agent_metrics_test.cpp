#include "perftrack/exposition/agent_metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace perftrack::exposition::agent_metrics {
namespace {

TEST(AgentMetricsTest, EverySloThresholdIsABoundWrittenWithoutNoise) {
  const auto layout = duration_layout();
  const auto& b = layout->bounds();
  ASSERT_EQ(b.size(), 69u);
  for (const double t : {0.001, 0.025, 0.05, 0.1, 2.0, 5.0, 10.0, 30.0}) {
    EXPECT_TRUE(std::find(b.begin(), b.end(), t) != b.end()) << t;
  }
  EXPECT_EQ(layout->le(0), "0.00001");
  EXPECT_EQ(layout->le(1), "0.000012");
  EXPECT_EQ(layout->le(b.size() - 1), "60.0");
  for (std::size_t i = 1; i < b.size(); ++i) EXPECT_LE(b[i] / b[i - 1], 4.0 / 3.0 + 1e-9);
  for (std::size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(layout->le(i).find('e'), std::string::npos) << layout->le(i);
    EXPECT_LE(layout->le(i).size(), 8u) << layout->le(i);
  }
}

}  // namespace
}  // namespace perftrack::exposition::agent_metrics
