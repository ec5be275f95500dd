#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/top/view.hpp"

namespace perftrack::top {

struct screen_layout {
  std::size_t width = 80;
  std::size_t height = 24;
  sort_key sort = sort_key::p99;
  /// The first row shown (the rest scroll).
  std::size_t scroll = 0;
  /// Block characters for the trend; ASCII when the terminal is not UTF-8.
  bool utf8 = true;
  std::string source;               ///< what is watched
  std::string status;               ///< an error, or empty
  std::string clock;                ///< the time of the last reading
  std::chrono::seconds window{10};  ///< what the percentiles cover, for the status line
};

/// The full screen as lines of at most `width` columns: a title, the status,
/// the column heads and one line per operation from `scroll` on.
std::vector<std::string> render_screen(std::span<const row> rows, const screen_layout& layout);

/// Plain periodic lines, for a stdout that is not a terminal: one per
/// operation with events in the window or since the start, each prefixed by `clock`.
std::string render_plain(std::span<const row> rows, std::string_view clock);

/// A sparkline of `values` (NaN: no data, a space) in `width` characters; when
/// there are more values than characters, each character shows the greatest
/// of its values, so a spike is never averaged away.
std::string sparkline(std::span<const double> values, std::size_t width, bool utf8);

/// "850us", "1.25ms", "3.10s"; "-" for NaN.
std::string format_seconds(double seconds);

/// `text` safe for a terminal: control characters (escape sequences) and
/// invalid UTF-8 shown as \xNN.
std::string printable(std::string_view text);

}  // namespace perftrack::top
