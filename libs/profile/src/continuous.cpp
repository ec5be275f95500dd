// Continuous profiling: perf record --switch-output, each finished file
// folded into a window; windows read back as a timeline; the scope page.

#include "perftrack/profile/continuous.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "page.hpp"
#include "perftrack/profile/capture.hpp"
#include "perftrack/profile/perf_data.hpp"
#include "perftrack/store/markup.hpp"
#include "process.hpp"

namespace perftrack::profile {
namespace {

#include "assets.inc"

namespace fs = std::filesystem;
using json = nlohmann::json;

/// perf's finished files in `ring` (perf.data.<time>), oldest first.
std::vector<fs::path> finished_files(const fs::path& ring) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(ring, ec)) {
    const auto name = e.path().filename().string();
    if (name.starts_with("perf.data.") &&
        name.find_first_not_of("0123456789", 10) == std::string::npos)
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// `perf script` of one file: the fallback when perftrack's reader cannot
/// read it.
expected<profile> script_window(const fs::path& data, std::vector<timed_sample>& times) {
  const fs::path script = data.string() + ".script", err = data.string() + ".log";
  const int rc = detail::run(
      {"perf", "script", "-i", data.string(), "-F", detail::perf_script_fields}, script, err);
  std::error_code ec;
  if (rc != 0) {
    const auto why = detail::last_lines(err, 3);
    fs::remove(script, ec);
    return failure{fmt::format("perf script failed on a window (exit {}): {}", rc, why)};
  }
  std::ifstream in(script);
  auto p = parse_perf_script(in, times);
  in.close();
  fs::remove(script, ec);
  fs::remove(err, ec);
  return p;
}

/// One finished perf file as a window in `windows`; the file goes. Returns
/// the samples written.
expected<std::uint64_t> fold_window(perf_data_reader& reader, const fs::path& data,
                                    const fs::path& windows, std::ostream& log) {
  std::vector<timed_sample> times;
  auto p = reader.read(data, times);
  if (!p) {
    log << fmt::format("profile: {}; reading it with perf script\n", p.error().message);
    p = script_window(data, times);
  }
  std::error_code ec;
  fs::remove(data, ec);
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

std::vector<std::string> record_arguments(const continuous_options& o, const fs::path& ring) {
  std::vector<std::string> argv = {
      "perf",
      "record",
      "-e",
      "cpu-clock",
      "-F",
      std::to_string(o.hz),
      "--call-graph",
      "fp",
      "-k",
      "CLOCK_REALTIME",
      "--buildid-mmap",  // says which build each mapping was, for the reader
      fmt::format("--switch-output={}s", std::max<long>(1, o.window.count() / 1000)),
      "-o",
      (ring / "perf.data").string()};
  if (o.pid) {
    argv.insert(argv.end(), {"-p", std::to_string(*o.pid)});
  } else if (o.command.empty()) {
    argv.emplace_back("-a");
  } else {
    argv.emplace_back("--");
    argv.insert(argv.end(), o.command.begin(), o.command.end());
  }
  return argv;
}

}  // namespace

expected<continuous_status> run_continuous(const continuous_options& o,
                                           const std::atomic<bool>& stop, std::ostream& log) {
  if (auto why = perf_unavailable()) return failure{*why};
  const fs::path ring = o.dir / ".perf", windows = o.dir / "windows";
  std::error_code ec;
  fs::create_directories(ring, ec);
  if (ec) return failure{fmt::format("cannot create {}: {}", ring.string(), ec.message())};
  for (const auto& old : finished_files(ring)) fs::remove(old, ec);  // a killed run's
  const pid_t perf = detail::start(record_arguments(o, ring), {}, ring / "perf.log");
  if (perf < 0) return failure{"cannot start perf: install linux-perf (scripts/setup.sh does)"};
  log << fmt::format("profile: continuous, {} Hz, a window every {} s, keeping {} s, in {}\n", o.hz,
                     o.window.count() / 1000, o.keep.count() / 1000, windows.string());
  continuous_status status;
  perf_data_reader reader;  // keeps symbol tables from one window to the next
  bool ended = false, asked = false;
  while (true) {
    int st = 0;
    if (!ended) ended = ::waitpid(perf, &st, WNOHANG) == perf;
    if (stop.load() && !asked && !ended) {
      ::kill(perf, SIGINT);  // perf writes its last window and ends
      asked = true;
    }
    for (const auto& file : finished_files(ring)) {
      auto n = fold_window(reader, file, windows, log);
      if (!n) {
        log << "profile: " << n.error().message << "\n";
        continue;
      }
      if (*n > 0) ++status.windows;
      status.samples += *n;
      status.pruned += prune(windows, o.keep);
    }
    if (ended) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (status.windows == 0 && status.samples == 0)
    log << "profile: perf's log: " << detail::last_lines(ring / "perf.log", 3) << "\n";
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
  std::string out = page_head(title);
  out += fmt::format(
      "<header><h1>{}</h1><p>{} samples. A column per second, a row per 20 ms of it; drag "
      "from one cell to another to see that time's flame graph. <button type=\"button\" "
      "id=\"all\">whole range</button></p></header>\n",
      store::escape_markup(title), t.samples.size());
  out += "<div class=\"scope\"><canvas id=\"heat\"></canvas></div>\n<div id=\"range\"></div>\n";
  return out + page_tail("scope-data",
                         store::escape_script_json(
                             data.dump(-1, ' ', false, json::error_handler_t::replace)),
                         scope_js);
}

}  // namespace perftrack::profile
