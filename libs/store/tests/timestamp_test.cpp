#include "perftrack/store/timestamp.hpp"

#include <gtest/gtest.h>

#include <string>

namespace perftrack::store {
namespace {

std::string format(std::int64_t ns) {
  char buf[timestamp_length];
  return {buf, format_timestamp(ns, buf)};
}

TEST(TimestampTest, FormatsEpochAndKnownInstant) {
  EXPECT_EQ(format(0), "1970-01-01T00:00:00.000Z");
  // 2026-01-06T13:28:00.191Z: 20459 days after the epoch.
  const std::int64_t ns = (20459LL * 86400 + 13 * 3600 + 28 * 60) * 1'000'000'000LL + 191'999'999;
  EXPECT_EQ(format(ns), "2026-01-06T13:28:00.191Z");
}

TEST(TimestampTest, ParsesWhatItFormats) {
  for (std::int64_t ns :
       {0LL, 1'767'706'080'191'000'000LL, 951'782'400'000'000'000LL, -86'400'000'000'000LL}) {
    const auto back = parse_timestamp(format(ns));
    ASSERT_TRUE(back.has_value()) << format(ns);
    EXPECT_EQ(*back, ns);
  }
}

TEST(TimestampTest, ParsesFractionsAndOffsets) {
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:01Z"), 1'000'000'000LL);
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00.000001234Z"), 1234LL);
  EXPECT_EQ(parse_timestamp("1970-01-01T01:00:00+01:00"), 0LL);
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00-0130"), 5'400'000'000'000LL);
  EXPECT_EQ(parse_timestamp("1970-01-01 00:00:00.5z"), 500'000'000LL);
}

TEST(TimestampTest, RejectsUnreadableTimesInsteadOfDatingThem1970) {
  for (const char* bad :
       {"", "yesterday", "2026-01-06", "2026-01-06T13:28:00", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-01-06T24:00:00Z", "2026-01-06T13:28:00.Z",
        "2026-01-06T13:28:00Zjunk", "2026/01/06T13:28:00Z", "2026-01-06T13:28:00+5"}) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
  }
}

TEST(TimestampTest, AcceptsLeapDay) {
  EXPECT_TRUE(parse_timestamp("2024-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(parse_timestamp("2023-02-29T00:00:00Z").has_value());
}

}  // namespace
}  // namespace perftrack::store

namespace perftrack::store {
namespace {

TEST(TimestampParserTest, AgreesWithParseTimestampAcrossCachedPrefixes) {
  timestamp_parser cached;
  for (const char* t :
       {"2026-01-06T13:28:00.191Z", "2026-01-06T13:28:59.999Z", "2026-01-06T13:28:61Z",
        "2026-01-06T13:28:05+01:00", "2026-01-06T13:28:xxZ", "2026-01-06T13:29:00Z",
        "2026-02-30T13:29:00Z", "2026-01-06T13:29", "2024-02-29T23:59:60.5Z", "bad"}) {
    EXPECT_EQ(cached(t), parse_timestamp(t)) << t;
  }
}

}  // namespace
}  // namespace perftrack::store
