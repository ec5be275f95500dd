#include "perftrack/bench/harness.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "perftrack/bench/instructions.hpp"
#include "perftrack/bench/shards.hpp"
#include "perftrack/profile/capture.hpp"
#include "perftrack/profile/profile.hpp"

namespace perftrack::bench {
namespace {

namespace fs = std::filesystem;

/// Repetitions of a counted run: counts of one build vary by well under 1%;
/// five show how much. They are spread over three processes (2, 2 and 1):
/// five processes would show a process's mode best but cost 100 s more in a
/// quick run here (each process starts under Callgrind in about 2 s), three
/// cost 44 s.
constexpr int count_repetitions = 5;
constexpr int count_processes = 3;

std::string human_duration(double seconds) {
  const auto s = static_cast<long>(std::lround(seconds));
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

// Progress on the error stream: a bar on a terminal, plain lines otherwise.
class progress {
public:
  progress(std::ostream& err, std::string label, std::size_t total, bool quiet)
      : err_(err),
        label_(std::move(label)),
        total_(total),
        quiet_(quiet),
        tty_(&err == &std::cerr && ::isatty(STDERR_FILENO) != 0),
        start_(std::chrono::steady_clock::now()) {}
  void begin(std::size_t index, const std::string& name) {
    if (quiet_) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const std::string eta = index == 0 ? "?"
                                       : human_duration(elapsed / static_cast<double>(index) *
                                                        static_cast<double>(total_ - index));
    if (tty_) {
      constexpr std::size_t width = 24;
      const std::size_t filled = width * index / std::max<std::size_t>(total_, 1);
      fmt::print(err_, "\r\033[K[{}{}] {}/{} {}  ETA {}", std::string(filled, '='),
                 std::string(width - filled, ' '), index + 1, total_, name, eta);
      err_ << std::flush;
    } else {
      fmt::print(err_, "{}: [{}/{}] {} (ETA {})\n", label_, index + 1, total_, name, eta);
    }
  }
  void end() {
    if (!quiet_ && tty_) err_ << "\r\033[K" << std::flush;
  }

private:
  std::ostream& err_;
  std::string label_;
  std::size_t total_;
  bool quiet_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

std::string regex_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (std::strchr(".^$|()[]{}*+?\\", c)) out += '\\';
    out += c;
  }
  return out;
}

constexpr const char* not_started = "could not be started";

}  // namespace

std::string run_process(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return fmt::format("could not start: {}", std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a killed parent takes its process along
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, STDOUT_FILENO);
    ::execvp(program.c_str(), argv.data());  // a program without a slash: from PATH
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return not_started;
  if (WIFEXITED(status) && WEXITSTATUS(status) > 1)
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  return {};
}

namespace {

expected<std::vector<result>> read_shard(const fs::path& path, const std::string& label) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return failure{label + " wrote no results"};
  std::stringstream bytes;
  bytes << in.rdbuf();
  return decode_shard(bytes.str(), label);
}

std::vector<std::string> names_of(const std::vector<const definition*>& selected) {
  std::vector<std::string> names;
  for (const auto* d : selected) names.push_back(d->name);
  return names;
}

std::vector<result> run_here(const std::vector<const definition*>& selected,
                             const suite_config& config, const harness_options& o, run_options ro,
                             std::ostream& err) {
  ro.repetitions = o.repetitions;
  const runner r(std::move(ro));
  std::vector<result> results;
  progress bar(err, o.label, selected.size(),
               o.quiet || !o.shard_out.empty() || !o.count_out.empty());
  for (std::size_t i = 0; i < selected.size(); ++i) {
    bar.begin(i, selected[i]->name);
    results.push_back(r.run(*selected[i], config));
  }
  bar.end();
  return results;
}

/// The repetitions spread over processes of this program, one after another,
/// merged in process order. A process that dies before its shard is written
/// loses only its own samples, with a warning.
void run_in_processes(const std::vector<const definition*>& selected, const harness_options& o,
                      harness_outcome& out, std::ostream& err) {
  const auto shares = repetitions_per_process(o.repetitions, o.processes);
  out.processes = static_cast<int>(shares.size());
  const fs::path root = fs::absolute(o.work_dir) / ".processes";
  std::error_code ec;
  fs::remove_all(root, ec);
  std::vector<std::vector<result>> shards;
  const auto names = names_of(selected);
  for (std::size_t k = 0; k < shares.size(); ++k) {
    const fs::path dir = root / std::to_string(k + 1);
    fs::create_directories(dir, ec);
    const std::string label = fmt::format("process {} of {}", k + 1, shares.size());
    if (!o.quiet) fmt::print(err, "{}: {} ({} repetitions)\n", o.label, label, shares[k]);
    if (o.before_process) {
      if (auto problem = o.before_process(static_cast<int>(k)); !problem.empty()) {
        out.warnings.push_back({"process_setup", label + ": " + problem});
        fmt::print(err, "{}: {}\n", o.label, out.warnings.back().message);
      }
    }
    const std::string ended = run_process(
        "/proc/self/exe", child_arguments(o, names, shares[k], "--shard-out", dir / "shard"));
    auto shard = read_shard(dir / "shard", label);
    if (!shard) {
      const std::string why = ended.empty() ? shard.error().message : label + " " + ended;
      out.warnings.push_back(
          {"process_lost", why + ": its samples are missing from this run; rerun, or use "
                                 "--processes 1 to see which benchmark stops it"});
      fmt::print(err, "{}: {}\n", o.label, why);
      continue;
    }
    if (!ended.empty()) {  // the shard is whole (written, then renamed): keep it
      out.warnings.push_back({"process_failed", label + " " + ended +
                                                    " after its results were written; they "
                                                    "are kept"});
      fmt::print(err, "{}: {}\n", o.label, out.warnings.back().message);
    }
    shards.push_back(std::move(shard).value());
  }
  fs::remove_all(root, ec);
  if (shards.empty()) {
    out.error = "no process of the run delivered results";
    return;
  }
  out.results = merge_shards(shards);
}

constexpr const char* valgrind_missing =
    "valgrind could not be started: install it (apt-get install valgrind; scripts/setup.sh "
    "does), or pass --no-count to time only";

/// One process under Callgrind counting `name` `repetitions` times, its files
/// in `dir`: the counted results, or what failed (valgrind_missing when
/// valgrind could not be started at all).
expected<std::vector<result>> count_in_process(const std::string& name, int repetitions,
                                               const fs::path& dir, const harness_options& o) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::vector<std::string> args{"valgrind"};
  for (auto& a : callgrind_arguments(dir / "callgrind.out")) args.push_back(std::move(a));
  auto own = child_arguments(o, {name}, repetitions, "--count-out", dir / "counts");
  own[0] = fs::read_symlink("/proc/self/exe", ec).string();
  args.insert(args.end(), own.begin(), own.end());
  const std::string ended = run_process("valgrind", args);
  if (ended == not_started) return failure{valgrind_missing};
  auto shard = read_shard(dir / "counts", name + " under Callgrind");
  if (!shard && !ended.empty()) return failure{name + " under Callgrind " + ended};
  return shard;
}

/// Benchmark `name` (the k-th) counted in count_processes processes, their
/// results added to `counted`, what failed to `problems`. False when valgrind
/// could not be started: no other benchmark can be counted either.
bool count_benchmark(const std::string& name, std::size_t k, const fs::path& root,
                     const harness_options& o, std::vector<result>& counted,
                     std::vector<std::string>& problems) {
  const auto shares = repetitions_per_process(count_repetitions, count_processes);
  for (std::size_t p = 0; p < shares.size(); ++p) {
    auto shard = count_in_process(name, shares[p], root / fmt::format("{}-{}", k + 1, p + 1), o);
    if (!shard) {
      problems.push_back(shard.error().message);
      if (problems.back() == valgrind_missing) return false;
      continue;
    }
    for (auto& r : shard.value()) counted.push_back(std::move(r));
  }
  return true;
}

/// Each benchmark of `names` counted again under Callgrind, its repetitions
/// spread over count_processes processes of its own: the heap a
/// multi-threaded benchmark leaves behind would change what the next one
/// counts (by 9% for msgpack here), and a process can settle into a mode that
/// lasts for its life (routing_hash_lookup: 1,614-1,622 estimated cycles an
/// item in 1 process of 10, 1,520-1,550 in the others). Returns what failed.
std::vector<std::string> count_in_processes(const std::vector<std::string>& names,
                                            const harness_options& o, harness_outcome& out,
                                            std::ostream& err) {
  std::vector<std::string> problems;
  std::vector<result> counted;
  const fs::path root = fs::absolute(o.work_dir) / ".counts";
  std::error_code ec;
  fs::remove_all(root, ec);
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (!o.quiet) {
      fmt::print(err, "{}: [{}/{}] {} under Callgrind\n", o.label, k + 1, names.size(), names[k]);
    }
    if (!count_benchmark(names[k], k, root, o, counted, problems)) break;
  }
  fs::remove_all(root, ec);
  auto failed = attach_counts(out.results, counted);
  problems.insert(problems.end(), failed.begin(), failed.end());
  return problems;
}

// The instruction counts of the selected benchmarks marked count_instructions
// that ran; a problem is a warning (the timings stand).
void add_counts(const std::vector<const definition*>& selected, const harness_options& o,
                harness_outcome& out, std::ostream& err) {
  std::vector<std::string> names;
  for (const auto* d : selected) {
    const auto r = std::find_if(out.results.begin(), out.results.end(),
                                [&](const result& x) { return x.name == d->name; });
    if (d->count_instructions && r != out.results.end() && r->status == run_status::ok)
      names.push_back(d->name);
  }
  if (names.empty()) return;
  if (!valgrind_can_run_this_build()) {
    out.warnings.push_back({"not_counted",
                            "instruction counts missing: this is a sanitizer build, which "
                            "Valgrind cannot run; count with a release build"});
    return;
  }
  for (const auto& p : count_in_processes(names, o, out, err)) {
    out.warnings.push_back({"not_counted", "instruction counts missing: " + p});
    fmt::print(err, "{}: instruction counts missing: {}\n", o.label, p);
  }
}

/// Samples a second in a profiled run: a benchmark's measured region lasts
/// a fraction of a second, so more often than perftrack profile's 99 Hz;
/// a prime, so not in step with the code's own loops.
constexpr unsigned profile_hz = 997;

// Each benchmark that ran, once more in a process of its own under perf,
// which samples only while the runner measures (run_options::measured_region).
// A profile that fails is a warning: the timings stand.
void add_profiles(const harness_options& o, harness_outcome& out, std::ostream& err) {
  std::ostringstream quiet_log;
  std::ostream& log = o.quiet ? quiet_log : err;
  for (auto& r : out.results) {
    if (r.status != run_status::ok) continue;
    const fs::path dir = fs::absolute(o.profile_dir) / profile::file_name_of(r.name);
    profile::cpu_options c{.hz = profile_hz, .work_dir = dir, .controlled = true};
    c.command = child_arguments(o, {r.name}, o.repetitions, "--shard-out", dir / ".shard");
    std::error_code ec;
    c.command[0] = fs::read_symlink("/proc/self/exe", ec).string();
    if (!o.quiet) fmt::print(err, "{}: profiling {}\n", o.label, r.name);
    auto p = profile::capture_cpu(c, log);
    fs::remove(dir / ".shard", ec);
    auto written = p ? profile::write_outputs(*p, dir, r.name)
                     : expected<std::vector<fs::path>>(failure{p.error()});
    if (!written) {
      out.warnings.push_back({"not_profiled", fmt::format("{} was not profiled: {}", r.name,
                                                          written.error().message)});
      fmt::print(err, "{}: {}\n", o.label, out.warnings.back().message);
      continue;
    }
    r.profile = dir.string();
  }
}

}  // namespace

int default_repetitions(bool quick) { return quick ? 8 : 10; }

run_options default_run_options(bool quick) {
  run_options o;
  if (quick) {
    o.micro_target = std::chrono::milliseconds(5);
    o.sample_target = std::chrono::milliseconds(25);
  }
  return o;
}

int default_processes(int repetitions) { return std::clamp(repetitions, 1, 10); }

std::vector<std::string> child_arguments(const harness_options& o,
                                         const std::vector<std::string>& names, int repetitions,
                                         const std::string& role,
                                         const std::filesystem::path& out) {
  std::string filter;
  for (const auto& n : names) filter += (filter.empty() ? "^(" : "|") + regex_escape(n);
  filter += ")$";
  std::vector<std::string> a = o.command;
  if (a.empty()) a.push_back("program");
  a.insert(a.end(), {"--filter", filter, "--repetitions", std::to_string(repetitions),
                     "--results-dir", out.parent_path().string(), "--quiet", role, out.string()});
  return a;
}

harness_outcome run_benchmarks(const std::vector<const definition*>& selected,
                               const suite_config& config, const harness_options& o,
                               std::ostream& err) {
  harness_outcome out;
  run_options ro = o.run;
  if (!o.count_out.empty()) {  // the Callgrind process of a run
    if (!under_callgrind()) {
      out.error = "--count-out is for the Callgrind process of a run";
      return out;
    }
    ro.callgrind_out = o.count_out.parent_path() / "callgrind.out";
    suite_config counting = config;
    counting.counting = true;
    out.shard = encode_shard(run_here(selected, counting, o, ro, err));
    return out;
  }
  if (!o.shard_out.empty()) {  // a process of a run
    ro.keep_latencies = true;
    // Under perftrack bench --profile: perf samples the measured regions only.
    std::shared_ptr<profile::perf_region> region = profile::perf_region::from_environment();
    if (region) ro.measured_region = [region](bool on) { region->sample(on); };
    out.shard = encode_shard(run_here(selected, config, o, ro, err));
    return out;
  }
  if (o.processes > 1) {
    run_in_processes(selected, o, out, err);
    if (!out.error.empty()) return out;
  } else {
    out.results = run_here(selected, config, o, ro, err);
  }
  if (o.count) add_counts(selected, o, out, err);
  if (o.profile) add_profiles(o, out, err);
  return out;
}

}  // namespace perftrack::bench
