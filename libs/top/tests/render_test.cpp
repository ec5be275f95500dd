#include "perftrack/top/render.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace perftrack::top {
namespace {

constexpr double none = std::numeric_limits<double>::quiet_NaN();

TEST(RenderTest, SparklineKeepsTheSpikeWhenItMergesValues) {
  std::vector<double> values(300, 0.001);
  values[123] = 0.1;  // one reading 100x slower
  const std::string line = sparkline(values, 30, false);
  EXPECT_EQ(line.size(), 30u);
  EXPECT_EQ(std::count(line.begin(), line.end(), '#'), 1);
  EXPECT_EQ(sparkline(std::vector<double>{none, 1, 2}, 5, false), "   =#");
  EXPECT_EQ(sparkline(std::vector<double>{1, 2}, 2, true), "▅█");
}

TEST(RenderTest, FormatsDurationsInReadableUnits) {
  EXPECT_EQ(format_seconds(0.000850), "850us");
  EXPECT_EQ(format_seconds(0.00125), "1.25ms");
  EXPECT_EQ(format_seconds(3.1), "3.10s");
  EXPECT_EQ(format_seconds(none), "-");
}

TEST(RenderTest, NamesCannotSendEscapeSequencesToTheTerminal) {
  EXPECT_EQ(printable("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(printable("csi\xc2\x9b"
                      "31m"),
            "csi\\u009b31m");
  EXPECT_EQ(printable("\xff"), "\xef\xbf\xbd");  // invalid UTF-8 as U+FFFD
  EXPECT_EQ(printable("tâche"), "tâche");
}

TEST(RenderTest, TheScreenFitsItsWidthAndShowsEveryColumn) {
  std::vector<row> rows{
      {.operation = "task_claim\x1b[31m",
       .rate = 1234.5,
       .total = 99,
       .p50 = 0.001,
       .p95 = 0.002,
       .p99 = 0.004,
       .trend = {0.001, 0.004}},
      {.operation = std::string(200, 'x'), .p50 = none, .p95 = none, .p99 = none}};
  const auto lines = render_screen(rows, {.width = 120, .height = 10, .source = "m.jsonl"});
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_NE(lines[0].find("sorted by p99"), std::string::npos);
  EXPECT_NE(lines[2].find("P99 TREND"), std::string::npos);
  EXPECT_NE(lines[3].find("task_claim\\x1b[31m"), std::string::npos);
  EXPECT_NE(lines[3].find("1.2k"), std::string::npos);
  EXPECT_NE(lines[3].find("4ms"), std::string::npos);
  EXPECT_NE(lines[4].find("x~"), std::string::npos);  // a long name is cut, visibly
  for (const auto& l : lines) {
    std::size_t cols = 0;
    for (const char c : l) cols += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    EXPECT_EQ(cols, 120u) << l;
  }
  const auto narrow = render_screen(rows, {.width = 60, .height = 3});
  EXPECT_EQ(narrow.size(), 3u);  // no room for rows: the heads only
  EXPECT_EQ(narrow[2].find("TREND"), std::string::npos);
}

TEST(RenderTest, PlainLinesQuoteTheName) {
  std::vector<row> rows{
      {.operation = "a \"b\"", .rate = 2, .total = 3, .p50 = 0.001, .p95 = 0.001, .p99 = 0.001}};
  EXPECT_EQ(render_plain(rows, "2026-11-27T10:00:00.000Z"),
            "time=2026-11-27T10:00:00.000Z operation=\"a \\\"b\\\"\" rate=2.00 errors=0.00 total=3 "
            "failed=0 p50=1ms p95=1ms p99=1ms\n");
}

}  // namespace
}  // namespace perftrack::top
