#include "perftrack/base/expected.hpp"

#include <gtest/gtest.h>

namespace perftrack {
namespace {

expected<int> half(int x) {
  if (x % 2 != 0) return failure{"odd: pass an even number"};
  return x / 2;
}

TEST(ExpectedTest, HoldsAValueOrAnError) {
  const auto ok = half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  const auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "odd: pass an even number");
}

}  // namespace
}  // namespace perftrack
