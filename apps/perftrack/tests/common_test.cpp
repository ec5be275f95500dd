#include "commands/common.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace perftrack::cli {
namespace {

TEST(TimeArgTest, AcceptsDateTimesAndDates) {
  EXPECT_EQ(parse_time_arg("1970-01-02"), 86'400'000'000'000LL);
  EXPECT_EQ(parse_time_arg("1970-01-01T00:00:01Z"), 1'000'000'000LL);
  EXPECT_FALSE(parse_time_arg("tomorrow"));
  EXPECT_FALSE(parse_time_arg("2026-13-01"));
}

TEST(DurationArgTest, ReadsUnits) {
  EXPECT_EQ(parse_duration_arg("90d"), 90LL * 86'400'000'000'000LL);
  EXPECT_EQ(parse_duration_arg("2w"), 14LL * 86'400'000'000'000LL);
  EXPECT_EQ(parse_duration_arg("30m"), 1800LL * 1'000'000'000LL);
  EXPECT_FALSE(parse_duration_arg("90"));
  EXPECT_FALSE(parse_duration_arg("d"));
  EXPECT_FALSE(parse_duration_arg("-1d"));
  EXPECT_FALSE(parse_duration_arg("99999999999999999d"));
}

TEST(MalformedWarningTest, NamesTheFirstLines) {
  report::read_warnings w;
  w.malformed = 7;
  w.first_malformed = {{"m.jsonl", 2, reader::line_error::invalid_json},
                       {"m.jsonl", 9, reader::line_error::bad_timestamp}};
  std::ostringstream err;
  print_malformed(w, err);
  EXPECT_EQ(err.str(),
            "warning: skipped 7 malformed lines (m.jsonl:2: not a JSON object (or cut off); "
            "m.jsonl:9: timestamp is not ISO-8601 with a time zone)\n");
}

}  // namespace
}  // namespace perftrack::cli
