// Continuous profiling: perf record piped into one perf script, its output
// cut into windows by the samples' times; windows read back as a timeline;
// the scope page.

#include "perftrack/profile/continuous.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "perftrack/profile/capture.hpp"
#include "perftrack/store/markup.hpp"
#include "process.hpp"

namespace perftrack::profile {
namespace {

#include "assets.inc"

namespace fs = std::filesystem;
using json = nlohmann::json;

/// One window's perf script text as windows/<first sample's ms>.folded and
/// .times. Returns the samples written.
expected<std::uint64_t> write_window(const std::string& text, const fs::path& windows) {
  std::istringstream in(text);
  std::vector<timed_sample> times;
  auto p = parse_perf_script(in, times);
  if (!p) return failure{p.error()};
  if (times.empty()) return 0;
  std::stable_sort(times.begin(), times.end(), [](const timed_sample& a, const timed_sample& b) {
    return a.time_s < b.time_s;
  });
  const auto ms = [](double s) { return static_cast<std::int64_t>(std::floor(s * 1000)); };
  std::ostringstream folded;
  write_folded(*p, folded);
  std::string stamps;
  for (const auto& t : times) stamps += fmt::format("{} {}\n", ms(t.time_s), t.stack);
  const auto start = ms(times.front().time_s);
  auto written = write_files(windows, {{fmt::format("{}.folded", start), folded.str()},
                                       {fmt::format("{}.times", start), stamps}});
  if (!written) return failure{written.error()};
  return times.size();
}

/// A sample header's time in Unix ms ("comm tid 1795791125.390981: ..."),
/// or nullopt for any other line.
std::optional<std::int64_t> header_ms(std::string_view line) {
  if (line.empty() || line[0] == ' ' || line[0] == '\t') return std::nullopt;
  const auto colon = line.find(": ");
  const auto space = line.substr(0, colon).rfind(' ');
  if (colon == std::string_view::npos || space == std::string_view::npos) return std::nullopt;
  double s = 0;
  const auto text = line.substr(space + 1, colon - space - 1);
  if (std::from_chars(text.data(), text.data() + text.size(), s).ec != std::errc{})
    return std::nullopt;
  return static_cast<std::int64_t>(std::floor(s * 1000));
}

/// The windows in `windows` by start (Unix ms).
std::map<std::int64_t, fs::path> window_files(const fs::path& windows) {
  std::map<std::int64_t, fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(windows, ec)) {
    if (e.path().extension() != ".folded") continue;
    try {
      out[std::stoll(e.path().stem().string())] = e.path();
    } catch (const std::exception&) {  // not one of ours
    }
  }
  return out;
}

/// Removes the windows that started more than `keep` before the newest.
std::uint64_t prune(const fs::path& windows, std::chrono::milliseconds keep) {
  const auto all = window_files(windows);
  if (all.empty()) return 0;
  const std::int64_t oldest_kept = all.rbegin()->first - keep.count();
  std::uint64_t gone = 0;
  std::error_code ec;
  for (const auto& [start, path] : all) {
    if (start >= oldest_kept) break;
    fs::remove(path, ec);
    fs::remove(fs::path(path).replace_extension(".times"), ec);
    ++gone;
  }
  return gone;
}

std::vector<std::string> record_arguments(const continuous_options& o) {
  std::vector<std::string> argv = {"perf", "record", "-e", "cpu-clock", "-F", std::to_string(o.hz),
                                   "--call-graph", "fp", "-k", "CLOCK_REALTIME", "-o", "-",
                                   // each sample down the pipe as it comes, not when a buffer
                                   // fills: windows are written as they end
                                   "--no-buffering"};
  if (o.pid) {
    argv.insert(argv.end(), {"-p", std::to_string(*o.pid)});
  } else if (o.command.empty()) {
    argv.emplace_back("-a");
  } else {
    // perf's standard output is the pipe: the command gets ours back (fd 3).
    argv.insert(argv.end(), {"--", "sh", "-c", "exec \"$@\" >&3 3>&-", "sh"});
    argv.insert(argv.end(), o.command.begin(), o.command.end());
  }
  return argv;
}

/// perf record writing to a pipe that one perf script reads for the whole
/// run: perf script's start-up (every process's maps, the kernel's symbols:
/// 0.23 s here) is paid once, not once a window.
struct pipeline {
  pid_t record = -1, script = -1;
  int text = -1;  ///< perf script's output
};

expected<pipeline> start_pipeline(const continuous_options& o, const fs::path& logs) {
  int data[2], text[2];
  if (::pipe2(data, O_CLOEXEC) != 0 || ::pipe2(text, O_CLOEXEC) != 0)
    return failure{fmt::format("cannot make a pipe: {}", std::strerror(errno))};
  pipeline p;
  p.record = detail::start_with(record_arguments(o), {.out = data[1], .fd3 = STDOUT_FILENO},
                                logs / "perf-record.log");
  p.script = detail::start_with(
      {"perf", "script", "-i", "-", "-F", "comm,tid,time,period,event,ip,sym,dso"},
      {.in = data[0], .out = text[1]}, logs / "perf-script.log");
  ::close(data[0]);
  ::close(data[1]);
  ::close(text[1]);
  p.text = text[0];
  if (p.record < 0 || p.script < 0) {
    if (p.record > 0) ::kill(p.record, SIGKILL);
    if (p.script > 0) ::kill(p.script, SIGKILL);
    ::close(p.text);
    return failure{"cannot start perf: install linux-perf (scripts/setup.sh does)"};
  }
  return p;
}

/// Splits perf script's text into windows by the samples' times.
class window_cutter {
public:
  window_cutter(const continuous_options& o, fs::path windows, continuous_status& status,
                std::ostream& log)
      : o_(o), windows_(std::move(windows)), status_(status), log_(log) {}
  void line(std::string_view l) {
    if (const auto ms = header_ms(l)) {
      const std::int64_t width = std::max<std::int64_t>(1000, o_.window.count());
      if (end_ms_ < 0) end_ms_ = (*ms / width + 1) * width;
      if (*ms >= end_ms_) {
        flush();
        end_ms_ = (*ms / width + 1) * width;
      }
    }
    text_.append(l);
    text_ += '\n';
  }
  void flush() {
    if (text_.empty()) return;
    auto n = write_window(text_, windows_);
    text_.clear();
    if (!n) {
      log_ << "profile: a window was not written: " << n.error().message << "\n";
      return;
    }
    if (*n > 0) ++status_.windows;
    status_.samples += *n;
    status_.pruned += prune(windows_, o_.keep);
  }

private:
  const continuous_options& o_;
  fs::path windows_;
  continuous_status& status_;
  std::ostream& log_;
  std::string text_;
  std::int64_t end_ms_ = -1;
};

}  // namespace

expected<continuous_status> run_continuous(const continuous_options& o,
                                           const std::atomic<bool>& stop, std::ostream& log) {
  if (auto why = perf_unavailable()) return failure{*why};
  const fs::path logs = o.dir / ".perf";
  std::error_code ec;
  fs::create_directories(logs, ec);
  if (ec) return failure{fmt::format("cannot create {}: {}", logs.string(), ec.message())};
  auto p = start_pipeline(o, logs);
  if (!p) return failure{p.error()};
  log << fmt::format("profile: continuous, {} Hz, a window every {} s, keeping {} s, in {}\n", o.hz,
                     o.window.count() / 1000, o.keep.count() / 1000, (o.dir / "windows").string());
  continuous_status status;
  window_cutter cut(o, o.dir / "windows", status, log);
  std::string pending;
  char buf[1 << 16];
  bool asked = false;
  while (true) {
    if (stop.load() && !asked) {
      ::kill(p->record, SIGINT);  // perf flushes, ends; perf script then ends too
      asked = true;
    }
    pollfd readable{p->text, POLLIN, 0};
    if (::poll(&readable, 1, 100) <= 0) continue;
    const ssize_t got = ::read(p->text, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // perf script ended
    pending.append(buf, static_cast<std::size_t>(got));
    std::size_t from = 0;
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', from)) {
      cut.line(std::string_view(pending).substr(from, nl - from));
      from = nl + 1;
    }
    pending.erase(0, from);
  }
  if (!pending.empty()) cut.line(pending);
  cut.flush();
  ::close(p->text);
  detail::wait_for(p->record);
  detail::wait_for(p->script);
  if (status.samples == 0)
    log << "profile: perf's log: " << detail::last_lines(logs / "perf-record.log", 3) << "\n";
  return status;
}

expected<timeline> read_timeline(const fs::path& dir, std::int64_t from_ms, std::int64_t to_ms) {
  timeline t;
  std::map<std::string, std::uint32_t> ids;
  for (const auto& [start, folded] : window_files(dir / "windows")) {
    if (start >= to_ms) break;
    std::ifstream f(folded), times(fs::path(folded).replace_extension(".times"));
    if (!f || !times) return failure{fmt::format("cannot read the window {}", folded.string())};
    std::vector<std::uint32_t> line_id;  // the window's stack lines, as timeline ids
    for (std::string line; std::getline(f, line);) {
      const auto space = line.rfind(' ');
      if (space == std::string::npos)
        return failure{
            fmt::format("{}: line {} is not folded", folded.string(), line_id.size() + 1)};
      const auto [it, fresh] =
          ids.try_emplace(line.substr(0, space), static_cast<std::uint32_t>(t.stacks.size()));
      if (fresh) {
        std::vector<std::string> frames;
        std::istringstream parts(it->first);
        for (std::string frame; std::getline(parts, frame, ';');) frames.push_back(frame);
        t.stacks.push_back(std::move(frames));
      }
      line_id.push_back(it->second);
    }
    std::int64_t at = 0;
    std::uint32_t line = 0;
    while (times >> at >> line) {
      if (line >= line_id.size())
        return failure{fmt::format("{}: a sample names stack line {} of {}", folded.string(),
                                   line + 1, line_id.size())};
      if (at >= from_ms && at < to_ms) t.samples.push_back({at, line_id[line]});
    }
  }
  std::stable_sort(t.samples.begin(), t.samples.end(),
                   [](const auto& a, const auto& b) { return a.unix_ms < b.unix_ms; });
  return t;
}

profile timeline_profile(const timeline& t) {
  profile p;
  p.event = "cpu-clock";
  p.unwinding = "fp";
  std::vector<std::uint64_t> counts(t.stacks.size(), 0);
  for (const auto& s : t.samples) ++counts[s.stack];
  for (std::size_t i = 0; i < t.stacks.size(); ++i) {
    if (counts[i] > 0) p.stacks.push_back({t.stacks[i], counts[i], counts[i]});
  }
  if (!t.samples.empty()) {
    p.start_ns = t.samples.front().unix_ms * 1'000'000;
    p.duration_ns = (t.samples.back().unix_ms - t.samples.front().unix_ms) * 1'000'000;
  }
  p.unit = "samples";
  normalize(p);
  return p;
}

std::string scope_html(const timeline& t, std::string_view title) {
  std::map<std::string, std::uint32_t> name_ids;
  json names = json::array(), stacks = json::array(), times = json::array(), ids = json::array();
  for (const auto& frames : t.stacks) {
    json stack = json::array();
    for (const auto& f : frames) {
      const auto [it, fresh] = name_ids.try_emplace(f, static_cast<std::uint32_t>(names.size()));
      if (fresh) names.push_back(f);
      stack.push_back(it->second);
    }
    stacks.push_back(std::move(stack));
  }
  const std::int64_t t0 = t.samples.empty() ? 0 : t.samples.front().unix_ms;
  for (const auto& s : t.samples) {
    times.push_back(s.unix_ms - t0);
    ids.push_back(s.stack);
  }
  const json data = {{"title", title},   {"t0", t0},   {"names", names},
                     {"stacks", stacks}, {"t", times}, {"s", ids}};
  std::string out =
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'\">\n";
  out += fmt::format("<title>{}</title>\n<style>\n", store::escape_markup(title));
  out += flamegraph_css;
  out += "</style>\n</head>\n<body>\n";
  out += fmt::format(
      "<header><h1>{}</h1><p>{} samples. A column per second, a row per 20 ms of it; drag "
      "from one cell to another to see that time's flame graph. <button type=\"button\" "
      "id=\"all\">whole range</button></p></header>\n",
      store::escape_markup(title), t.samples.size());
  out += "<div class=\"scope\"><canvas id=\"heat\"></canvas></div>\n<div id=\"range\"></div>\n";
  out += "<main id=\"flame-mount\"></main>\n<script type=\"application/json\" id=\"scope-data\">";
  out += store::escape_script_json(data.dump(-1, ' ', false, json::error_handler_t::replace));
  out += "</script>\n<script>\n";
  out += flamegraph_js;
  out += "\n</script>\n<script>\n";
  out += scope_js;
  out += "\n</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace perftrack::profile
