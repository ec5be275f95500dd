#include "perftrack/top/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "perftrack/store/json_text.hpp"

namespace perftrack::top {

std::string format_seconds(double seconds) {
  if (std::isnan(seconds)) return "-";
  if (seconds < 1e-3) return fmt::format("{:.0f}us", seconds * 1e6);
  if (seconds < 1) return fmt::format("{:.3g}ms", seconds * 1e3);
  return fmt::format("{:.2f}s", seconds);
}

std::string printable(std::string_view text) {
  const std::string valid =
      store::valid_utf8(text) ? std::string(text) : store::replace_invalid_utf8(text);
  std::string out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto c = static_cast<unsigned char>(valid[i]);
    const bool c1 = c == 0xc2 && i + 1 < valid.size() &&
                    static_cast<unsigned char>(valid[i + 1]) < 0xa0;  // U+0080..U+009F
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c1) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(valid[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {

/// Columns on a terminal: code points (names are rarely wide characters).
std::size_t columns(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

/// `s` cut or padded to exactly `w` columns; a cut ends in '~'.
std::string fit(std::string_view s, std::size_t w) {
  if (columns(s) <= w) return std::string(s) + std::string(w - columns(s), ' ');
  std::string out;
  std::size_t cols = 0;
  for (const char c : s) {
    const bool starts = (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    if (starts && ++cols > w - 1) break;
    out += c;
  }
  return out + (w > 0 ? "~" : "");
}

std::string format_rate(double per_second) {
  if (per_second < 1e3) return fmt::format("{:.1f}", per_second);
  if (per_second < 1e6) return fmt::format("{:.1f}k", per_second / 1e3);
  return fmt::format("{:.1f}M", per_second / 1e6);
}

constexpr std::array<std::string_view, 8> blocks{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
constexpr std::string_view ascii_ramp = "_.:-=+*#";

/// The fixed columns: rate, errors, total, p50, p95, p99.
constexpr std::size_t fixed_width = 9 + 8 + 10 + 9 + 9 + 9;

std::string numbers(const row& r) {
  return fmt::format("{:>9}{:>8}{:>10}{:>9}{:>9}{:>9}", format_rate(r.rate),
                     format_rate(r.error_rate), r.total, format_seconds(r.p50),
                     format_seconds(r.p95), format_seconds(r.p99));
}

}  // namespace

std::string sparkline(std::span<const double> values, std::size_t width, bool utf8) {
  if (width == 0) return {};
  const std::size_t per = std::max<std::size_t>(1, (values.size() + width - 1) / width);
  // Groups of `per` values from the newest back, so the newest is always whole.
  std::vector<double> groups;
  for (std::size_t end = values.size(); end > 0 && groups.size() < width;) {
    const std::size_t begin = end >= per ? end - per : 0;
    double m = std::nan("");
    for (std::size_t i = begin; i < end; ++i) {
      if (!std::isnan(values[i]) && !(values[i] <= m)) m = values[i];
    }
    groups.push_back(m);
    end = begin;
  }
  std::reverse(groups.begin(), groups.end());
  double top = 0;
  for (const double g : groups) top = std::isnan(g) ? top : std::max(top, g);
  std::string out(width - groups.size(), ' ');
  for (const double g : groups) {
    if (std::isnan(g)) {
      out += ' ';
      continue;
    }
    const auto level = top > 0 ? static_cast<std::size_t>(std::lround(g / top * 7)) : 0;
    if (utf8) {
      out += blocks[std::min<std::size_t>(level, 7)];
    } else {
      out += ascii_ramp[std::min<std::size_t>(level, 7)];
    }
  }
  return out;
}

std::vector<std::string> render_screen(std::span<const row> rows, const screen_layout& l) {
  const std::size_t trend_width =
      l.width > fixed_width + 40 ? std::min<std::size_t>(60, l.width - fixed_width - 30) : 0;
  const std::size_t name_width =
      std::max<std::size_t>(10, l.width - fixed_width - (trend_width > 0 ? trend_width + 1 : 0));
  std::vector<std::string> lines;
  lines.push_back(fit(fmt::format("perftrack top  {}  sorted by {}  keys: p r e n sort, arrows "
                                  "scroll, q quit  {}",
                                  l.clock, name(l.sort), printable(l.source)),
                      l.width));
  lines.push_back(fit(l.status.empty()
                          ? fmt::format("{} operations; percentiles over the last {} s; trend: "
                                        "p99 per reading, greatest of each character",
                                        rows.size(), l.window.count())
                          : printable(l.status),
                      l.width));
  std::string head =
      fit("OPERATION", name_width) + fmt::format("{:>9}{:>8}{:>10}{:>9}{:>9}{:>9}", "RATE/s",
                                                 "ERR/s", "TOTAL", "P50", "P95", "P99");
  if (trend_width > 0) head += " " + fit("P99 TREND", trend_width);
  lines.push_back(fit(head, l.width));
  for (std::size_t i = l.scroll; i < rows.size() && lines.size() < l.height; ++i) {
    std::string line = fit(printable(rows[i].operation), name_width) + numbers(rows[i]);
    if (trend_width > 0) line += " " + sparkline(rows[i].trend, trend_width, l.utf8);
    lines.push_back(fit(line, l.width));
  }
  return lines;
}

std::string render_plain(std::span<const row> rows, std::string_view clock) {
  std::string out;
  for (const auto& r : rows) {
    std::string operation;
    store::append_json_string(operation, printable(r.operation));
    out += fmt::format(
        "time={} operation={} rate={:.2f} errors={:.2f} total={} failed={} "
        "p50={} p95={} p99={}\n",
        clock, operation, r.rate, r.error_rate, r.total, r.errors, format_seconds(r.p50),
        format_seconds(r.p95), format_seconds(r.p99));
  }
  return out;
}

}  // namespace perftrack::top
