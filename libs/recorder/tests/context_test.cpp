#include "perftrack/recorder/context.hpp"

#include <gtest/gtest.h>

#include <string>

namespace perftrack {
namespace {

TEST(ContextTest, BuildsAnObjectOfMixedFields) {
  context ctx;
  ctx.add("agents", 5).add("name", "planner \"A\"").add("ok", true).add("ratio", 0.5);
  EXPECT_EQ(ctx.json(), R"({"agents":5,"name":"planner \"A\"","ok":true,"ratio":0.5})");
}

TEST(ContextTest, EmptyIsAnEmptyObject) {
  context ctx;
  EXPECT_EQ(ctx.json(), "{}");
}

TEST(ContextTest, SkipsFieldsThatDoNotFitAndStaysValid) {
  context ctx;
  const std::string big(300, 'x');
  ctx.add("a", big).add("b", big).add("c", 1);
  EXPECT_EQ(ctx.skipped(), 1u);
  const std::string json(ctx.json());
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_NE(json.find("\"c\":1"), std::string::npos);
}

}  // namespace
}  // namespace perftrack
