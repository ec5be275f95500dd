// Stacks: merging, the perf script reader and the folded format.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <unordered_map>

#include "frames.hpp"
#include "perftrack/profile/profile.hpp"

namespace perftrack::profile {
namespace {

std::string joined(const std::vector<std::string>& frames) {
  std::string s;
  for (const auto& f : frames) {
    if (!s.empty()) s += ';';
    s += f;
  }
  return s;
}

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

/// "ffffffff81000000 name+0x1f (/usr/lib/x.so)" -> "name", or "[x.so]". The
/// file's name may hold parentheses ("/tmp/x (deleted)").
std::string script_frame(std::string_view line) {
  line = trim(line);
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return "[unknown]";
  std::string_view rest = trim(line.substr(space + 1));
  std::string_view dso;
  if (!rest.empty() && rest.back() == ')') {
    int depth = 0;
    std::size_t open = rest.size();
    while (open-- > 0) {
      if (rest[open] == ')') ++depth;
      if (rest[open] == '(' && --depth == 0) break;
    }
    if (open < rest.size() && open > 0 && rest[open - 1] == ' ') {
      dso = rest.substr(open + 1, rest.size() - open - 2);
      rest = trim(rest.substr(0, open));
    }
  }
  if (const auto plus = rest.rfind("+0x"); plus != std::string_view::npos && plus > 0)
    rest = rest.substr(0, plus);
  return detail::frame_name(rest == "[unknown]" ? std::string_view{} : rest, dso);
}

/// A sample's header: "comm tid time: period event:"; the time and period.
bool parse_header(std::string_view line, double& time_s, std::uint64_t& period) {
  const auto colon = line.find(": ");
  if (colon == std::string_view::npos) return false;
  const auto before = line.substr(0, colon);
  const auto t = before.rfind(' ');
  if (t == std::string_view::npos) return false;
  const auto time_text = before.substr(t + 1);
  if (std::from_chars(time_text.data(), time_text.data() + time_text.size(), time_s).ec !=
      std::errc{})
    return false;
  const auto after = trim(line.substr(colon + 2));
  period = 1;
  std::from_chars(after.data(), after.data() + after.size(), period);
  return true;
}

}  // namespace

std::string detail::frame_name(std::string_view function, std::string_view dso) {
  std::string name;
  if (!function.empty()) {
    name = function;
  } else {
    if (dso.size() > 1 && dso.front() == '[' && dso.back() == ']')
      dso = dso.substr(1, dso.size() - 2);
    if (const auto slash = dso.rfind('/'); slash != std::string_view::npos)
      dso = dso.substr(slash + 1);
    name = fmt::format("[{}]", dso.empty() ? "unknown" : dso);
  }
  std::replace(name.begin(), name.end(), ';', ':');
  return name;
}

std::uint64_t profile::samples() const noexcept {
  std::uint64_t n = 0;
  for (const auto& s : stacks) n += s.samples;
  return n;
}

std::uint64_t profile::weight() const noexcept {
  std::uint64_t n = 0;
  for (const auto& s : stacks) n += s.weight;
  return n;
}

std::vector<std::uint32_t> normalize(profile& p) {
  // By frames, frame by frame: a stack's descendants follow it directly.
  std::map<std::vector<std::string>, std::pair<stack_count, std::uint32_t>> by_key;
  std::vector<decltype(by_key)::iterator> went;
  went.reserve(p.stacks.size());
  for (auto& s : p.stacks) {
    auto key = s.frames;
    auto [it, fresh] = by_key.try_emplace(std::move(key), std::pair{std::move(s), 0u});
    if (!fresh) {
      it->second.first.samples += s.samples;
      it->second.first.weight += s.weight;
    }
    went.push_back(it);
  }
  p.stacks.clear();
  for (auto& [key, s] : by_key) {
    s.second = static_cast<std::uint32_t>(p.stacks.size());
    p.stacks.push_back(std::move(s.first));
  }
  std::vector<std::uint32_t> index;
  index.reserve(went.size());
  for (const auto& it : went) index.push_back(it->second.second);
  return index;
}

bool reaches_entry(const std::vector<std::string>& frames) {
  // main too: heaptrack's stacks start there.
  static constexpr std::array<std::string_view, 10> entries = {
      "_start",  "__libc_start_main", "__libc_start_call_main", "start_thread", "clone", "clone3",
      "__clone", "__clone3",          "ret_from_fork",          "main"};
  if (frames.empty()) return false;
  std::string_view root = frames.front();
  root = root.substr(0, root.find(" ("));  // heaptrack adds the source file
  return std::find(entries.begin(), entries.end(), root) != entries.end();
}

expected<profile> parse_perf_script(std::istream& in) {
  std::vector<timed_sample> times;
  return parse_perf_script(in, times);
}

expected<profile> parse_perf_script(std::istream& in, std::vector<timed_sample>& times) {
  times.clear();
  profile p;
  std::string line;
  std::vector<std::string> frames;  // innermost first, as perf prints them
  bool in_sample = false;
  std::uint64_t period = 1, line_no = 0;
  double first = 0, last = 0;
  const auto finish = [&] {
    if (!in_sample) return;
    in_sample = false;
    if (frames.empty()) frames.emplace_back("[no stack]");
    std::reverse(frames.begin(), frames.end());
    if (!reaches_entry(frames)) ++p.truncated;
    times.push_back({last, static_cast<std::uint32_t>(p.stacks.size())});
    p.stacks.push_back({std::move(frames), 1, period});
    frames.clear();
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) {
      finish();
    } else if (line[0] == ' ' || line[0] == '\t') {
      if (in_sample) frames.push_back(script_frame(line));
    } else {
      finish();
      double t = 0;
      if (!parse_header(line, t, period))
        return failure{fmt::format("perf script line {} is not a sample header: {}", line_no,
                                   line.substr(0, 120))};
      if (p.stacks.empty()) first = t;
      last = t;
      in_sample = true;
    }
  }
  finish();
  // perf's times count from boot (unless -k CLOCK_REALTIME): only their
  // difference is kept here.
  p.duration_ns = std::llround((last - first) * 1e9);
  const auto went = normalize(p);
  for (auto& t : times) t.stack = went[t.stack];
  return p;
}

/// The thread id of a header "comm tid time: ...": the word before the time.
std::string_view header_tid(std::string_view line) {
  const auto before = line.substr(0, line.find(": "));
  const auto time_at = before.rfind(' ');
  if (time_at == std::string_view::npos) return {};
  const auto words = trim(before.substr(0, time_at));
  const auto tid_at = words.rfind(' ');
  return tid_at == std::string_view::npos ? words : words.substr(tid_at + 1);
}

expected<profile> parse_offcpu_script(std::istream& in) {
  profile p;
  p.sample_type = "off_cpu";
  p.sample_unit = "microseconds";
  p.event = "sched:sched_switch";
  p.unit = "nanoseconds";
  struct blocked {
    std::vector<std::string> frames;  // root first
    double since = 0;
  };
  std::unordered_map<std::string, blocked> waiting;  // by thread id
  std::vector<std::string> frames;
  std::string tid;
  bool in_sample = false;
  double at = 0, first = -1, last = 0;
  std::string line;
  const auto finish = [&] {
    if (!in_sample) return;
    in_sample = false;
    std::reverse(frames.begin(), frames.end());
    waiting[tid] = {std::move(frames), at};
    frames.clear();
  };
  while (std::getline(in, line)) {
    if (trim(line).empty()) {
      finish();
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (in_sample) frames.push_back(script_frame(line));
      continue;
    }
    finish();
    std::uint64_t ignored = 0;
    if (!parse_header(line, at, ignored)) continue;  // not a record this reads
    if (first < 0) first = at;
    last = at;
    tid = std::string(header_tid(line));
    if (line.find("PERF_RECORD_SWITCH IN") != std::string::npos) {
      // Back on a CPU: the time since it was switched out, on that stack.
      const auto it = waiting.find(tid);
      if (it == waiting.end()) continue;
      const auto ns = std::llround((at - it->second.since) * 1e9);
      auto& f = it->second.frames;
      if (f.empty()) f.emplace_back("[no stack]");
      if (!reaches_entry(f)) p.truncated += static_cast<std::uint64_t>(ns / 1000);
      p.stacks.push_back(
          {std::move(f), static_cast<std::uint64_t>(ns / 1000), static_cast<std::uint64_t>(ns)});
      waiting.erase(it);
    } else if (line.find("sched:sched_switch") != std::string::npos) {
      in_sample = true;
    }
  }
  p.duration_ns = first < 0 ? 0 : std::llround((last - first) * 1e9);
  normalize(p);
  return p;
}

void write_folded(const profile& p, std::ostream& out) {
  for (const auto& s : p.stacks) out << joined(s.frames) << ' ' << s.samples << '\n';
}

expected<profile> read_folded(std::istream& in) {
  profile p;
  p.event = "folded stacks";
  p.unit = "count";
  std::string line;
  std::uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string_view l = trim(line);
    if (l.empty()) continue;
    const auto space = l.rfind(' ');
    std::uint64_t n = 0;
    if (space == std::string_view::npos ||
        std::from_chars(l.data() + space + 1, l.data() + l.size(), n).ptr != l.data() + l.size())
      return failure{fmt::format("folded line {} is not \"frame;frame;... count\": {}", line_no,
                                 l.substr(0, 120))};
    stack_count s{{}, n, n};
    std::string_view stack = l.substr(0, space);
    while (!stack.empty()) {
      const auto semi = stack.find(';');  // heaptrack ends stacks with ';'
      if (semi != 0) s.frames.emplace_back(stack.substr(0, semi));
      stack.remove_prefix(semi == std::string_view::npos ? stack.size() : semi + 1);
    }
    if (!reaches_entry(s.frames)) p.truncated += n;
    p.stacks.push_back(std::move(s));
  }
  normalize(p);
  return p;
}

expected<profile> read_profile(const std::filesystem::path& path) {
  std::filesystem::path file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) file /= "profile.folded";
  std::ifstream in(file);
  if (!in)
    return failure{fmt::format(
        "cannot read {}: give a folded file or a folder holding profile.folded", file.string())};
  auto p = read_folded(in);
  if (!p) return failure{fmt::format("{}: {}", file.string(), p.error().message)};
  return p;
}

}  // namespace perftrack::profile
