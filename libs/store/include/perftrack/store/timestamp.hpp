#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

/// ISO-8601 UTC timestamps as the metrics file stores them
/// ("2026-01-06T13:28:00.191Z"). Times are nanoseconds since the Unix epoch.
namespace perftrack::store {

/// Length of a timestamp written by format_timestamp: "YYYY-MM-DDTHH:MM:SS.mmmZ".
inline constexpr std::size_t timestamp_length = 24;

/// Writes `epoch_ns` as "YYYY-MM-DDTHH:MM:SS.mmmZ" (millisecond precision,
/// truncated, as JavaScript's Date.toISOString writes it) into `out`, which must
/// hold timestamp_length chars. Returns one past the last char written.
/// Never allocates; valid for years 0000-9999.
char* format_timestamp(std::int64_t epoch_ns, char* out) noexcept;

/// Parses an ISO-8601 date-time: "YYYY-MM-DDTHH:MM:SS" with an optional fraction
/// of any length (precision beyond nanoseconds is dropped), then "Z", "+hh:mm",
/// "-hh:mm" or "+hhmm". A space may stand for "T". Returns nullopt for anything
/// else, including out-of-range fields (month 13, hour 24): an unreadable time is
/// never silently taken for 1970.
std::optional<std::int64_t> parse_timestamp(std::string_view text) noexcept;

/// parse_timestamp with a cache of the last "YYYY-MM-DDTHH:MM": records of a file
/// come in time order, so most calls read only the seconds, fraction and zone.
/// Same results as parse_timestamp. One per thread.
class timestamp_parser {
public:
  std::optional<std::int64_t> operator()(std::string_view text) noexcept;

private:
  char prefix_[16] = {};
  std::int64_t minute_s_ = 0;
  bool cached_ = false;
};

/// Days since 1970-01-01 of the civil date (proleptic Gregorian).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  // Howard Hinnant's days_from_civil algorithm.
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace perftrack::store
