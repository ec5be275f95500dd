#include "perftrack/report/exporter.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "fixture.hpp"

namespace perftrack::report {
namespace {

using testing::at;
using testing::line;

class ExporterTest : public testing::temp_files {
protected:
  std::string run(export_format format, std::optional<std::int64_t> since = {}) {
    export_request req;
    req.inputs = {dir_};
    req.format = format;
    req.since_ns = since;
    std::ostringstream out;
    read_warnings w;
    const auto r = export_records(req, out, w);
    EXPECT_TRUE(r);
    malformed_ = w.malformed;
    return out.str();
  }
  std::uint64_t malformed_ = 0;
};

TEST_F(ExporterTest, WritesRfc4180CsvWithQuotedFields) {
  write("a.jsonl", line("2026-01-05T00:00:00.000Z", "agent_register", 45.123, true,
                        R"(,"session_id":"ses_1","error":null,"context":{"agents":5,"b":"x"})") +
                       line("2026-01-05T00:00:01.000Z", "task_claim", 2, false,
                            R"(,"error":"lost, \"race\"\nagain")") +
                       "garbage\n");
  EXPECT_EQ(run(export_format::csv),
            "timestamp,operation_type,duration_ms,success,session_id,error,context\r\n"
            "2026-01-05T00:00:00.000Z,agent_register,45.123,true,ses_1,,"
            "\"{\"\"agents\"\":5,\"\"b\"\":\"\"x\"\"}\"\r\n"
            "2026-01-05T00:00:01.000Z,task_claim,2,false,,\"lost, \"\"race\"\"\nagain\",\r\n");
  EXPECT_EQ(malformed_, 1u);
}

TEST_F(ExporterTest, WritesAJsonArrayAndHonoursTheWindow) {
  write("a.jsonl", line("2026-01-04T00:00:00Z", "old", 1, true) +
                       line("2026-01-05T00:00:00Z", "new", 2, true, R"(,"session_id":"s")"));
  EXPECT_EQ(run(export_format::json, at("2026-01-05T00:00:00Z")),
            "[\n{\"timestamp\":\"2026-01-05T00:00:00Z\",\"operation_type\":\"new\","
            "\"duration_ms\":2,\"success\":true,\"session_id\":\"s\",\"error\":null,"
            "\"context\":null}\n]\n");
}

TEST_F(ExporterTest, EmptyInputGivesAnEmptyArray) {
  write("a.jsonl", "");
  EXPECT_EQ(run(export_format::json), "[]\n");
}

}  // namespace
}  // namespace perftrack::report
