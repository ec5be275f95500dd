#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <ostream>

#include "perftrack/base/expected.hpp"
#include "perftrack/top/source.hpp"
#include "perftrack/top/view.hpp"

namespace perftrack::top {

struct loop_options {
  std::chrono::milliseconds interval{1000};
  sort_key sort = sort_key::p99;
  /// Readings before stopping; 0: until quit or `stop`.
  std::size_t iterations = 0;
  view_options view;
};

/// The full-screen view (ncurses) on the controlling terminal until 'q', `stop`
/// or `o.iterations` readings. Keys: p r e n sort by p99, rate, errors, name;
/// up/down/page keys scroll; q quits. A failing source is shown on the status
/// line and asked again at the next reading. An error only when the terminal
/// cannot be used.
expected<bool> run_screen(source& src, const loop_options& o, const std::atomic<bool>& stop);

/// The same readings as plain lines (render_plain) on `out` at each interval,
/// for a stdout that is not a terminal, after a first line for the starting
/// point ("time=... started operations=N"); a failing source is one line on
/// `err` per change of its error.
void run_plain(source& src, const loop_options& o, const std::atomic<bool>& stop, std::ostream& out,
               std::ostream& err);

}  // namespace perftrack::top
