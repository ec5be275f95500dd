#include "perftrack/top/terminal.hpp"

#include <curses.h>
#include <langinfo.h>

#include <clocale>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>

#include "perftrack/store/timestamp.hpp"
#include "perftrack/top/render.hpp"

namespace perftrack::top {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_now(std::int64_t ns) {
  char text[store::timestamp_length];
  return {text, store::format_timestamp(ns, text)};
}

/// Takes readings every interval into a view; what the loops share.
class poller {
public:
  poller(source& src, const loop_options& o) : src_(src), o_(o), view_(o.view) {}

  /// Reads when the interval is up; true when it did.
  bool due() {
    const auto t = std::chrono::steady_clock::now();
    if (count_ > 0 && t < next_) return false;
    next_ = t + o_.interval;
    const std::int64_t ns = now_ns();
    clock_ = iso_now(ns);
    ++count_;
    auto r = src_.read();
    if (r) {
      view_.add(ns, *r);
      error_.clear();
    } else {
      error_ = r.error().message;
    }
    return true;
  }
  bool finished() const { return o_.iterations > 0 && count_ >= o_.iterations; }
  const view& state() const { return view_; }
  const std::string& error() const { return error_; }
  const std::string& clock() const { return clock_; }

private:
  source& src_;
  const loop_options& o_;
  view view_;
  std::chrono::steady_clock::time_point next_;
  std::size_t count_ = 0;
  std::string error_;
  std::string clock_;
};

/// ncurses on and off (endwin even when an exception passes).
class curses_session {
public:
  curses_session() {
    std::setlocale(LC_ALL, "");
    utf8_ = std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    window_ = initscr();
    if (window_ == nullptr) return;
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(100);
  }
  ~curses_session() {
    if (window_ != nullptr) endwin();
  }
  curses_session(const curses_session&) = delete;
  curses_session& operator=(const curses_session&) = delete;
  bool ok() const { return window_ != nullptr; }
  bool utf8() const { return utf8_; }

private:
  WINDOW* window_ = nullptr;
  bool utf8_ = false;
};

void draw(const std::vector<row>& rows, const screen_layout& layout) {
  erase();
  int y = 0;
  for (const auto& line : render_screen(rows, layout)) {
    if (y == 1 && !layout.status.empty()) attron(A_BOLD);
    if (y == 2) attron(A_REVERSE);
    mvaddstr(y, 0, line.c_str());
    attroff(A_BOLD | A_REVERSE);
    ++y;
  }
  refresh();
}

/// Applies a key to the layout; false for quit.
bool handle_key(int key, screen_layout& l, std::size_t rows) {
  const std::size_t page = l.height > 4 ? l.height - 3 : 1;
  const std::size_t last = rows > page ? rows - page : 0;
  switch (key) {
    case 'q':
    case 'Q': return false;
    case 'p': l.sort = sort_key::p99; break;
    case 'r': l.sort = sort_key::rate; break;
    case 'e': l.sort = sort_key::errors; break;
    case 'n': l.sort = sort_key::name; break;
    case KEY_UP: l.scroll = l.scroll > 0 ? l.scroll - 1 : 0; break;
    case KEY_DOWN: l.scroll = std::min(l.scroll + 1, last); break;
    case KEY_PPAGE: l.scroll = l.scroll > page ? l.scroll - page : 0; break;
    case KEY_NPAGE: l.scroll = std::min(l.scroll + page, last); break;
    case KEY_HOME: l.scroll = 0; break;
    default: break;
  }
  return true;
}

}  // namespace

expected<bool> run_screen(source& src, const loop_options& o, const std::atomic<bool>& stop) {
  curses_session curses;
  if (!curses.ok()) return failure{"cannot use this terminal (is TERM set?); use --plain"};
  poller p(src, o);
  screen_layout layout{
      .sort = o.sort, .utf8 = curses.utf8(), .source = src.name(), .window = o.view.window};
  while (!stop.load()) {
    const bool read = p.due();
    const int key = read ? ERR : getch();
    if (key != ERR && !handle_key(key, layout, p.state().rows(layout.sort).size())) break;
    if (!read && key == ERR) continue;
    layout.width = static_cast<std::size_t>(std::max(COLS, 20));
    layout.height = static_cast<std::size_t>(std::max(LINES, 4));
    layout.status = p.error();
    layout.clock = p.clock();
    draw(p.state().rows(layout.sort), layout);
    if (read && p.finished()) break;
  }
  return true;
}

void run_plain(source& src, const loop_options& o, const std::atomic<bool>& stop, std::ostream& out,
               std::ostream& err) {
  poller p(src, o);
  std::string last_error;
  while (!stop.load()) {
    if (!p.due()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (p.error() != last_error && !p.error().empty())
      err << "perftrack top: " << p.error() << '\n';
    last_error = p.error();
    if (p.state().readings() > 1) {
      out << render_plain(p.state().rows(o.sort), p.clock());
    } else if (p.error().empty()) {
      // The starting point: what follows counts from here.
      out << "time=" << p.clock() << " started operations=" << p.state().rows(o.sort).size()
          << '\n';
    }
    out.flush();
    if (p.finished()) break;
  }
}

}  // namespace perftrack::top
