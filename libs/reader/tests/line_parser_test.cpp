#include "perftrack/reader/line_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace perftrack::reader {
namespace {

constexpr const char* example =
    R"({"timestamp":"2026-01-06T13:28:00.191Z","operation_type":"agent_register",)"
    R"("duration_ms":45.123,"success":true,"session_id":"ses_xxx","error":null,)"
    R"("context":{"agents":5}})";

TEST(LineParserTest, ReadsTheDocumentedExample) {
  line_parser p(line_parser::detail_level::full);
  record_view r;
  ASSERT_EQ(p.parse(example, r), line_error::none);
  EXPECT_EQ(r.operation, "agent_register");
  EXPECT_EQ(r.timestamp_text, "2026-01-06T13:28:00.191Z");
  EXPECT_EQ(r.timestamp_ns, 1767706080191000000LL);
  EXPECT_DOUBLE_EQ(r.duration_ms, 45.123);
  EXPECT_TRUE(r.success);
  EXPECT_TRUE(r.has_session_id);
  EXPECT_EQ(r.session_id, "ses_xxx");
  EXPECT_FALSE(r.has_error);
  EXPECT_EQ(r.context_json, R"({"agents":5})");
}

TEST(LineParserTest, AcceptsIntegersMissingOptionalsUnknownFieldsAnyName) {
  line_parser p(line_parser::detail_level::full);
  record_view r;
  ASSERT_EQ(p.parse(R"({"operation_type":"tool_bash","timestamp":"2026-01-06T13:28:00Z",)"
                    R"("success":false,"duration_ms":12,"extra":[1,{"x":2}],"v":null})",
                    r),
            line_error::none);
  EXPECT_EQ(r.operation, "tool_bash");
  EXPECT_DOUBLE_EQ(r.duration_ms, 12.0);
  EXPECT_FALSE(r.success);
  EXPECT_FALSE(r.has_session_id);
  EXPECT_TRUE(r.context_json.empty());
}

TEST(LineParserTest, UnescapesStrings) {
  line_parser p(line_parser::detail_level::full);
  record_view r;
  ASSERT_EQ(p.parse(R"({"timestamp":"2026-01-06T13:28:00Z","operation_type":"a\u0062",)"
                    R"("duration_ms":1,"success":false,"error":"line\nbreak \"q\""})",
                    r),
            line_error::none);
  EXPECT_EQ(r.operation, "ab");
  EXPECT_EQ(r.error, "line\nbreak \"q\"");
}

struct bad_case {
  const char* line;
  line_error expected;
};

void PrintTo(const bad_case& c, std::ostream* os) { *os << describe(c.expected); }

class LineParserRejectTest : public ::testing::TestWithParam<bad_case> {};

TEST_P(LineParserRejectTest, RejectsWithTheRightReason) {
  for (const auto level : {line_parser::detail_level::summary, line_parser::detail_level::full}) {
    line_parser p(level);
    record_view r;
    EXPECT_EQ(p.parse(GetParam().line, r), GetParam().expected) << GetParam().line;
  }
}

#define T0 R"({"timestamp":"2026-01-06T13:28:00Z",)"
INSTANTIATE_TEST_SUITE_P(
    BadInput, LineParserRejectTest,
    ::testing::Values(
        bad_case{"not json", line_error::invalid_json}, bad_case{"[1,2]", line_error::invalid_json},
        bad_case{R"({"timestamp":"2026-01-06T13:28:00Z","operation_type":"a","dur)",
                 line_error::invalid_json},
        bad_case{T0 R"("operation_type":"a","duration_ms":1,"success":true} trailing)",
                 line_error::invalid_json},
        bad_case{T0 R"("duration_ms":1,"success":true})", line_error::missing_field},
        bad_case{R"({"operation_type":"a","duration_ms":1,"success":true})",
                 line_error::missing_field},
        bad_case{T0 R"("operation_type":"a","duration_ms":"1","success":true})",
                 line_error::wrong_type},
        bad_case{T0 R"("operation_type":"a","duration_ms":1,"success":"yes"})",
                 line_error::wrong_type},
        bad_case{T0 R"("operation_type":7,"duration_ms":1,"success":true})",
                 line_error::wrong_type},
        bad_case{T0 R"("operation_type":"a","duration_ms":1,"success":true,"session_id":5})",
                 line_error::wrong_type},
        bad_case{T0 R"("operation_type":"a","duration_ms":1,"success":true,"context":"x"})",
                 line_error::wrong_type},
        // Found by the fuzzer: an invalid escape in a field the summary does not keep.
        bad_case{T0 R"("operation_type":"a","duration_ms":1,"success":true,"session_id":"s\s"})",
                 line_error::invalid_json},
        bad_case{R"({"timestamp":"yesterday","operation_type":"a","duration_ms":1,"success":true})",
                 line_error::bad_timestamp},
        bad_case{R"({"timestamp":1767706080,"operation_type":"a","duration_ms":1,"success":true})",
                 line_error::wrong_type},
        bad_case{T0 R"("operation_type":"a","duration_ms":-1,"success":true})",
                 line_error::bad_value},
        bad_case{T0 R"("operation_type":"","duration_ms":1,"success":true})",
                 line_error::bad_value},
        bad_case{T0 "\"operation_type\":\"a\xff\",\"duration_ms\":1,\"success\":true}",
                 line_error::invalid_utf8}));
#undef T0

TEST(LineParserTest, RejectsOverlongLinesWithoutParsing) {
  line_parser p;
  record_view r;
  const std::string huge(max_line_bytes + 1, ' ');
  EXPECT_EQ(p.parse(huge, r), line_error::too_long);
}

TEST(LineParserTest, EveryErrorHasADescription) {
  for (int e = 0; e <= static_cast<int>(line_error::too_long); ++e) {
    EXPECT_NE(describe(static_cast<line_error>(e)), "unknown");
  }
}

}  // namespace
}  // namespace perftrack::reader
