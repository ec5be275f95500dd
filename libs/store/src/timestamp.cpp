#include "perftrack/store/timestamp.hpp"

#include <cstring>

namespace perftrack::store {
namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;
constexpr std::int64_t seconds_per_day = 86'400;

void put2(char* out, unsigned v) noexcept {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

struct civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

// Howard Hinnant's civil_from_days algorithm.
civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

// Reads exactly `n` digits at `p`; returns -1 if any is not a digit.
int digits(const char* p, int n) noexcept {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned c = static_cast<unsigned char>(p[i]) - '0';
    if (c > 9) return -1;
    v = v * 10 + static_cast<int>(c);
  }
  return v;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned table[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : table[m - 1];
}

}  // namespace

char* format_timestamp(std::int64_t epoch_ns, char* out) noexcept {
  std::int64_t secs = epoch_ns / ns_per_second;
  std::int64_t sub = epoch_ns % ns_per_second;
  if (sub < 0) {
    sub += ns_per_second;
    --secs;
  }
  std::int64_t days = secs / seconds_per_day;
  std::int64_t tod = secs % seconds_per_day;
  if (tod < 0) {
    tod += seconds_per_day;
    --days;
  }
  const civil c = civil_from_days(days);
  const auto year = static_cast<unsigned>(c.year);
  put2(out, year / 100 % 100);
  put2(out + 2, year % 100);
  out[4] = '-';
  put2(out + 5, c.month);
  out[7] = '-';
  put2(out + 8, c.day);
  out[10] = 'T';
  put2(out + 11, static_cast<unsigned>(tod / 3600));
  out[13] = ':';
  put2(out + 14, static_cast<unsigned>(tod / 60 % 60));
  out[16] = ':';
  put2(out + 17, static_cast<unsigned>(tod % 60));
  out[19] = '.';
  const auto ms = static_cast<unsigned>(sub / 1'000'000);
  out[20] = static_cast<char>('0' + ms / 100);
  put2(out + 21, ms % 100);
  out[23] = 'Z';
  return out + timestamp_length;
}

namespace {

// Parses what follows "YYYY-MM-DDTHH:MM:SS" at t[19]: an optional fraction and the
// zone. Returns false if malformed; sets the fraction in ns and the zone offset in s.
bool parse_tail(std::string_view t, std::int64_t& fraction_ns, std::int64_t& offset_s) noexcept {
  std::size_t i = 19;
  fraction_ns = 0;
  offset_s = 0;
  if (i < t.size() && (t[i] == '.' || t[i] == ',')) {
    ++i;
    std::int64_t scale = 100'000'000;
    const std::size_t first = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      fraction_ns += (t[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == first) return false;
  }
  if (i >= t.size()) return false;
  if (t[i] == 'Z' || t[i] == 'z') {
    ++i;
  } else if (t[i] == '+' || t[i] == '-') {
    const int sign = t[i] == '-' ? -1 : 1;
    ++i;
    if (t.size() < i + 4) return false;
    const int oh = digits(t.data() + i, 2);
    i += 2;
    if (i < t.size() && t[i] == ':') ++i;
    if (t.size() < i + 2) return false;
    const int om = digits(t.data() + i, 2);
    i += 2;
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  return i == t.size();
}

// "YYYY-MM-DDTHH:MM" as seconds since the epoch (before any zone offset).
std::optional<std::int64_t> parse_minute(std::string_view t) noexcept {
  const char* p = t.data();
  const int year = digits(p, 4);
  const int month = digits(p + 5, 2);
  const int day = digits(p + 8, 2);
  const int hour = digits(p + 11, 2);
  const int minute = digits(p + 14, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
      p[13] != ':') {
    return std::nullopt;
  }
  if (static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return std::nullopt;
  }
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * seconds_per_day + hour * 3600 + minute * 60;
}

// Seconds "SS" after ':' at t[16], or -1.
int parse_second(std::string_view t) noexcept {
  if (t[16] != ':') return -1;
  const int second = digits(t.data() + 17, 2);
  return second > 60 ? -1 : second;
}

std::optional<std::int64_t> combine(std::int64_t minute_s, int second,
                                    std::string_view t) noexcept {
  std::int64_t fraction_ns = 0;
  std::int64_t offset_s = 0;
  if (!parse_tail(t, fraction_ns, offset_s)) return std::nullopt;
  return (minute_s + second - offset_s) * ns_per_second + fraction_ns;
}

}  // namespace

std::optional<std::int64_t> parse_timestamp(std::string_view t) noexcept {
  // YYYY-MM-DDTHH:MM:SS is 19 chars; a zone designator must follow.
  if (t.size() < 20) return std::nullopt;
  const auto minute_s = parse_minute(t);
  const int second = parse_second(t);
  if (!minute_s || second < 0) return std::nullopt;
  return combine(*minute_s, second, t);
}

std::optional<std::int64_t> timestamp_parser::operator()(std::string_view t) noexcept {
  if (t.size() < 20) return std::nullopt;
  if (!cached_ || std::memcmp(t.data(), prefix_, sizeof prefix_) != 0) {
    const auto minute_s = parse_minute(t);
    if (!minute_s) return std::nullopt;
    std::memcpy(prefix_, t.data(), sizeof prefix_);
    minute_s_ = *minute_s;
    cached_ = true;
  }
  const int second = parse_second(t);
  if (second < 0) return std::nullopt;
  return combine(minute_s_, second, t);
}

}  // namespace perftrack::store
