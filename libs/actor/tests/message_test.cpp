#include "perftrack/actor/message.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

namespace perftrack::actor {
namespace {

TEST(MessageTest, HoldsSmallAndLargeValuesAndMovesThem) {
  message small(42);
  ASSERT_TRUE(small.is<int>());
  EXPECT_EQ(*small.get_if<int>(), 42);
  EXPECT_EQ(small.get_if<double>(), nullptr);

  std::array<char, 200> big{};
  big[199] = 'z';
  message large(big);
  message moved(std::move(large));
  EXPECT_TRUE(large.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  ASSERT_NE((moved.get_if<std::array<char, 200>>()), nullptr);
  EXPECT_EQ((*moved.get_if<std::array<char, 200>>())[199], 'z');
}

TEST(MessageTest, MoveOnlyValuesAreMovedNeverCopied) {
  auto p = std::make_unique<std::string>("payload");
  const std::string* raw = p.get();
  message m(std::move(p));
  message n;
  n = std::move(m);
  auto* held = n.get_if<std::unique_ptr<std::string>>();
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->get(), raw);
}

TEST(MessageTest, DestroysWhatItHolds) {
  auto counter = std::make_shared<int>(0);
  {
    message m(counter);
    EXPECT_EQ(counter.use_count(), 2);
  }
  EXPECT_EQ(counter.use_count(), 1);
}

}  // namespace
}  // namespace perftrack::actor
