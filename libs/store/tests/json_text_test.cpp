#include "perftrack/store/json_text.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace perftrack::store {
namespace {

TEST(JsonTextTest, EscapesQuotesControlsAndKeepsUtf8) {
  std::string out;
  append_json_string(out, "a\"b\\c\nd\x01 \xc3\xa9");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001 \xc3\xa9\"");
}

TEST(JsonTextTest, NumbersRoundTripAndNonFiniteBecomesNull) {
  std::string out;
  append_json_number(out, 45.123);
  out += ',';
  append_json_number(out, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(out, "45.123,null");
}

}  // namespace
}  // namespace perftrack::store

namespace perftrack::store {
namespace {

TEST(JsonTextTest, EscapedSizeIsExact) {
  for (const std::string_view s : {"plain", "q\"b\\", "\x01\n", "\xc3\xa9", "bad\xff", ""}) {
    char buf[64];
    EXPECT_EQ(static_cast<std::size_t>(escape_json(s, buf) - buf), escaped_size(s)) << s;
  }
}

TEST(JsonTextTest, ValidatesUtf8) {
  EXPECT_TRUE(valid_utf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(valid_utf8("\xe2\x82"));      // cut off
}

TEST(JsonTextTest, ReplacesEachInvalidByteWithTheReplacementCharacter) {
  EXPECT_EQ(replace_invalid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(replace_invalid_utf8("a\xFF"
                                 "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(replace_invalid_utf8("\xC3"), "\xEF\xBF\xBD");        // cut-off sequence
  EXPECT_TRUE(valid_utf8(replace_invalid_utf8("\xED\xA0\x80")));  // a surrogate
}

}  // namespace
}  // namespace perftrack::store
