#include "perftrack/exposition/parse.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "perftrack/exposition/format.hpp"

namespace perftrack::exposition {
namespace {

TEST(ParseTest, ReadsWhatWriteWritesInBothFormats) {
  family d{.name = "agent_operation_duration_seconds",
           .help = "Duration.",
           .type = metric_type::histogram,
           .layout = std::make_shared<bucket_layout>(std::vector<double>{0.001, 0.5})};
  const std::string odd = "a\"b\\c\nd{e}=f,g";
  d.samples.push_back(
      {.labels = one_label("operation", odd), .cumulative = {1, 3}, .count = 5, .sum = 7.25});
  for (const format f : {format::text, format::openmetrics}) {
    std::string text;
    write({d}, f, text);
    auto samples = parse(text);
    ASSERT_TRUE(samples) << samples.error().message;
    ASSERT_EQ(samples->size(), 5u) << text;  // two bounds, +Inf, _count, _sum (any order)
    for (const auto& s : *samples) {
      ASSERT_NE(s.label("operation"), nullptr);
      EXPECT_EQ(*s.label("operation"), odd);
    }
    const auto& inf = (*samples)[2];
    EXPECT_EQ(inf.name, "agent_operation_duration_seconds_bucket");
    ASSERT_NE(inf.label("le"), nullptr);
    EXPECT_EQ(*inf.label("le"), "+Inf");
    EXPECT_EQ(inf.value, 5);
  }
}

TEST(ParseTest, ReadsSpecialValuesTimestampsAndNoLabels) {
  auto samples = parse("up 1 1700000000000\nx{} NaN\ny +Inf\r\nz -1.5e-3\n# EOF\n");
  ASSERT_TRUE(samples) << samples.error().message;
  ASSERT_EQ(samples->size(), 4u);
  EXPECT_EQ((*samples)[0].value, 1);
  EXPECT_TRUE(std::isnan((*samples)[1].value));
  EXPECT_TRUE(std::isinf((*samples)[2].value));
  EXPECT_DOUBLE_EQ((*samples)[3].value, -1.5e-3);
  EXPECT_TRUE((*samples)[0].labels.empty());
}

TEST(ParseTest, NamesTheLineThatIsNotASample) {
  auto bad = parse("# HELP a b\na 1\nb{x=1} 2\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("line 3"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("quoted label value"), std::string::npos);
  EXPECT_FALSE(parse("<html>\n"));
  EXPECT_FALSE(parse("a one\n"));
  EXPECT_FALSE(parse("a{x=\"unterminated} 1\n"));
}

}  // namespace
}  // namespace perftrack::exposition
