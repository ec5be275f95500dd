// Running Linux perf: `perf record` with the cpu-clock software event, then
// `perf script` into a file that parse_perf_script reads.

#include "perftrack/profile/capture.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "process.hpp"

namespace perftrack::profile {
namespace {

using detail::last_lines;
using detail::on_path;
using detail::run;

enum class sampling { on_cpu, off_cpu };

constexpr const char* control_variable = "PERFTRACK_PERF_CONTROL";

/// perf's control fifos in `dir` (made afresh), its options for them and the
/// variable that tells the command where they are.
expected<std::pair<std::vector<std::string>, std::string>> control_fifos(
    const std::filesystem::path& dir) {
  const auto control = dir / "perf.control", ack = dir / "perf.ack";
  for (const auto& fifo : {control, ack}) {
    std::error_code ec;
    std::filesystem::remove(fifo, ec);
    if (::mkfifo(fifo.c_str(), 0600) != 0)
      return failure{
          fmt::format("cannot make the fifo {}: {}", fifo.string(), std::strerror(errno))};
  }
  const auto pair = control.string() + "," + ack.string();
  return std::pair{std::vector<std::string>{"-D", "-1", "--control", "fifo:" + pair},
                   fmt::format("{}={}", control_variable, pair)};
}

/// `perf record` of the command or the process, then `perf script` read back.
expected<profile> record_once(const cpu_options& o, bool dwarf, std::ostream& log,
                              sampling what = sampling::on_cpu) {
  const auto data = o.work_dir / "perf.data";
  const auto err = o.work_dir / "perf.log";
  std::vector<std::string> argv = {
      "perf", "record", "--call-graph", dwarf ? "dwarf,16384" : "fp", "-o", data.string()};
  if (what == sampling::on_cpu) {
    argv.insert(argv.end(), {"-e", "cpu-clock", "-F", std::to_string(o.hz)});
  } else {
    argv.insert(argv.end(), {"-e", "sched:sched_switch", "--switch-events"});
  }
  std::vector<std::string> env;
  if (o.controlled) {
    auto fifos = control_fifos(o.work_dir);
    if (!fifos) return failure{fifos.error()};
    argv.insert(argv.end(), fifos->first.begin(), fifos->first.end());
    env.push_back(fifos->second);
  }
  if (o.pid) {
    argv.insert(argv.end(),
                {"-p", std::to_string(*o.pid), "--", "sleep", fmt::format("{:.3f}", o.duration_s)});
  } else {
    argv.emplace_back("--");
    argv.insert(argv.end(), o.command.begin(), o.command.end());
  }
  log << fmt::format(
      "profile: perf record {}, {} unwinding\n",
      what == sampling::on_cpu ? fmt::format("at {} Hz", o.hz) : std::string("of sched_switch"),
      dwarf ? "DWARF" : "frame-pointer");
  const auto started = std::chrono::system_clock::now();
  const int rc = run(argv, {}, err, env);
  if (o.controlled) {
    std::error_code ec;
    std::filesystem::remove(o.work_dir / "perf.control", ec);
    std::filesystem::remove(o.work_dir / "perf.ack", ec);
  }
  if (rc < 0) return failure{"cannot start perf: install linux-perf (scripts/setup.sh does)"};
  if (rc != 0 && !std::filesystem::exists(data))
    return failure{fmt::format("perf record failed (exit {}):\n{}", rc, last_lines(err, 5))};
  if (rc != 0) log << fmt::format("profile: the profiled command exited {}\n", rc);
  const auto script = o.work_dir / "perf.script";
  std::vector<std::string> script_argv = {"perf",        "script", "-i",
                                          data.string(), "-F",     detail::perf_script_fields};
  if (what == sampling::off_cpu) script_argv.emplace_back("--show-switch-events");
  const int src = run(script_argv, script, err);
  if (src != 0)
    return failure{fmt::format("perf script failed (exit {}):\n{}", src, last_lines(err, 5))};
  std::error_code ec;
  if (std::filesystem::file_size(err, ec) == 0) std::filesystem::remove(err, ec);
  std::ifstream in(script);
  auto p = what == sampling::on_cpu ? parse_perf_script(in) : parse_offcpu_script(in);
  std::filesystem::remove(script, ec);
  if (!p) return p;
  p->unwinding = dwarf ? "dwarf" : "fp";
  p->start_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(started.time_since_epoch()).count();
  if (what == sampling::on_cpu) p->period = 1'000'000'000 / std::max(1u, o.hz);
  return p;
}

}  // namespace

std::unique_ptr<perf_region> perf_region::from_environment() {
  const char* value = std::getenv(control_variable);
  if (value == nullptr) return nullptr;
  const std::string pair = value;
  ::unsetenv(control_variable);  // for this process, not the ones it starts
  const auto comma = pair.find(',');
  if (comma == std::string::npos) return nullptr;
  // Read-write: opening a fifo so never waits for the other end.
  const int control = ::open(pair.substr(0, comma).c_str(), O_RDWR | O_CLOEXEC);
  const int ack = ::open(pair.substr(comma + 1).c_str(), O_RDWR | O_CLOEXEC);
  if (control < 0 || ack < 0) {
    if (control >= 0) ::close(control);
    if (ack >= 0) ::close(ack);
    return nullptr;
  }
  return std::make_unique<perf_region>(control, ack);
}

perf_region::~perf_region() {
  ::close(control_);
  ::close(ack_);
}

bool perf_region::sample(bool on) {
  const std::string_view command = on ? "enable\n" : "disable\n";
  if (::write(control_, command.data(), command.size()) != static_cast<ssize_t>(command.size()))
    return false;
  char reply[8] = {};
  ssize_t got = 0;
  while ((got = ::read(ack_, reply, sizeof reply)) < 0 && errno == EINTR) {
  }
  return got > 0 && std::string_view(reply, static_cast<std::size_t>(got)).starts_with("ack");
}

std::optional<std::string> perf_unavailable() {
  if (!on_path("perf"))
    return "perf is not installed: apt-get install linux-perf (scripts/setup.sh installs it)";
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  int level = 0;
  if (in >> level && level > 2 && ::geteuid() != 0)
    return fmt::format(
        "kernel.perf_event_paranoid is {}, which forbids profiling to users: run as root, or "
        "sysctl -w kernel.perf_event_paranoid=2 (in a container, on the host)",
        level);
  return std::nullopt;
}

namespace {

/// Records with frame pointers, or DWARF when asked; under `automatic`,
/// records again with DWARF when most of the profile's stacks (or blocked
/// time) stop short of an entry point: the code lacks frame pointers.
expected<profile> capture(const cpu_options& o, std::ostream& log, sampling what) {
  if (auto why = perf_unavailable()) return failure{*why};
  std::error_code ec;
  std::filesystem::create_directories(o.work_dir, ec);
  if (ec) return failure{fmt::format("cannot create {}: {}", o.work_dir.string(), ec.message())};
  auto p = record_once(o, o.mode == unwinding::dwarf, log, what);
  if (!p || o.mode != unwinding::automatic) return p;
  if (p->samples() > 0 && p->truncated * 2 > p->samples()) {
    log << fmt::format(
        "profile: {} of {} {} have truncated stacks with frame pointers; recording again with "
        "DWARF unwinding\n",
        p->truncated, p->samples(), p->sample_type);
    auto again = record_once(o, true, log, what);
    if (again) return again;
    log << "profile: DWARF unwinding failed (" << again.error().message
        << "); keeping the frame-pointer profile\n";
  }
  return p;
}

}  // namespace

expected<profile> capture_cpu(const cpu_options& o, std::ostream& log) {
  return capture(o, log, sampling::on_cpu);
}

expected<profile> capture_offcpu(const cpu_options& o, std::ostream& log) {
  return capture(o, log, sampling::off_cpu);
}

namespace {

expected<profile> heaptrack_cost(const std::filesystem::path& data, const std::string& cost,
                                 const std::filesystem::path& work_dir) {
  const auto folded = work_dir / ("heap-" + cost + ".folded");
  const auto err = work_dir / "heaptrack_print.log";
  const int rc = run({"heaptrack_print", data.string(), "--flamegraph-cost-type", cost,
                      "--print-flamegraph", folded.string()},
                     "/dev/null", err);
  if (rc != 0)
    return failure{fmt::format("heaptrack_print failed (exit {}):\n{}", rc, last_lines(err, 5))};
  std::ifstream in(folded);
  auto p = read_folded(in);
  std::error_code ec;
  std::filesystem::remove(folded, ec);
  std::filesystem::remove(err, ec);
  if (!p) return failure{fmt::format("heaptrack's {} stacks: {}", cost, p.error().message)};
  const bool bytes = cost != "allocations";
  p->sample_type = bytes ? cost + "_space" : "allocations";
  p->sample_unit = bytes ? "bytes" : "count";
  p->event = "heap " + cost;
  p->unit = p->sample_unit;
  p->unwinding = "heaptrack";
  return p;
}

}  // namespace

expected<heap_profiles> capture_heap(const std::vector<std::string>& command,
                                     const std::filesystem::path& work_dir, std::ostream& log) {
  if (!on_path("heaptrack") || !on_path("heaptrack_print"))
    return failure{"heaptrack is not installed: apt-get install heaptrack (scripts/setup.sh does)"};
  std::error_code ec;
  std::filesystem::create_directories(work_dir, ec);
  if (ec) return failure{fmt::format("cannot create {}: {}", work_dir.string(), ec.message())};
  const auto base = work_dir / "heaptrack";
  std::filesystem::remove(base.string() + ".zst", ec);
  std::vector<std::string> argv = {"heaptrack", "-o", base.string()};
  argv.insert(argv.end(), command.begin(), command.end());
  log << "profile: heaptrack " << command.front() << '\n';
  const auto err = work_dir / "heaptrack.log";
  const int rc = run(argv, err, err);
  const std::filesystem::path data = base.string() + ".zst";
  if (!std::filesystem::exists(data))
    return failure{fmt::format("heaptrack wrote no data (exit {}):\n{}", rc, last_lines(err, 5))};
  if (rc != 0) log << fmt::format("profile: the profiled command exited {}\n", rc);
  heap_profiles h;
  const std::pair<const char*, profile*> costs[] = {
      {"allocations", &h.allocations}, {"peak", &h.peak}, {"leaked", &h.leaked}};
  for (const auto& [cost, into] : costs) {
    auto p = heaptrack_cost(data, cost, work_dir);
    if (!p) return failure{p.error()};
    *into = std::move(*p);
  }
  return h;
}

}  // namespace perftrack::profile
