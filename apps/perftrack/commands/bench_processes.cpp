#include "commands/bench_processes.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "perftrack/bench/instructions.hpp"
#include "perftrack/bench/shards.hpp"

namespace perftrack::cli::bench_command {
namespace {

namespace fs = std::filesystem;

/// The arguments of process `index`: the parent's selection and settings, its
/// share of the repetitions, its own results folder and shard file.
std::vector<std::string> child_arguments(const options& o, int repetitions,
                                         const std::string& postgres_url, const fs::path& dir) {
  std::vector<std::string> a{
      "perftrack",     "bench",      "--repetitions", std::to_string(repetitions),
      "--results-dir", dir.string(), "--shard-out",   (dir / "shard.msgpack").string(),
      "--format",      "json"};
  if (o.quick) a.push_back("--quick");
  if (o.quiet) a.push_back("--quiet");
  if (!o.filter.empty()) a.insert(a.end(), {"--filter", o.filter});
  for (const auto& c : o.categories) a.insert(a.end(), {"--category", c});
  if (o.threads > 0) a.insert(a.end(), {"--threads", std::to_string(o.threads)});
  if (!postgres_url.empty()) a.insert(a.end(), {"--store", postgres_url});
  return a;
}

/// Runs `program` with `args` (standard output discarded, standard error
/// shared) and waits; a description of how it ended when not with status 0 or 1
/// (1: a benchmark failed, which its shard records).
std::string run_child(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return fmt::format("could not start: {}", std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a killed parent takes its process along
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, STDOUT_FILENO);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) > 1)
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  return {};
}

std::string regex_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (std::strchr(".^$|()[]{}*+?\\", c)) out += '\\';
    out += c;
  }
  return out;
}

expected<std::vector<bench::result>> read_shard(const fs::path& path, const std::string& label) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return failure{label + " wrote no results"};
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bench::decode_shard(bytes.str(), label);
}

}  // namespace

process_run run_in_processes(const options& o, const std::vector<int>& repetitions,
                             const std::string& postgres_url, std::ostream& err) {
  process_run out;
  const fs::path root = fs::absolute(o.results_dir) / ".processes";
  std::error_code ec;
  fs::remove_all(root, ec);
  std::vector<std::vector<bench::result>> shards;
  const auto count = repetitions.size();
  for (std::size_t k = 0; k < count; ++k) {
    const fs::path dir = root / std::to_string(k + 1);
    fs::create_directories(dir, ec);
    const std::string label = fmt::format("process {} of {}", k + 1, count);
    if (!o.quiet)
      err << fmt::format("perftrack bench: {} ({} repetitions)\n", label, repetitions[k]);
    const std::string ended =
        run_child("/proc/self/exe", child_arguments(o, repetitions[k], postgres_url, dir));
    auto shard = read_shard(dir / "shard.msgpack", label);
    if (!shard) {
      const std::string why = ended.empty() ? shard.error().message : label + " " + ended;
      out.warnings.push_back(
          {"process_lost", why + ": its samples are missing from this run; rerun, or use "
                                 "--processes 1 to see which benchmark stops it"});
      err << "perftrack bench: " << why << "\n";
      continue;
    }
    if (!ended.empty()) {  // the shard is whole (written, then renamed): keep it
      out.warnings.push_back({"process_failed", label + " " + ended +
                                                    " after its results "
                                                    "were written; they are kept"});
      err << "perftrack bench: " << out.warnings.back().message << "\n";
    }
    shards.push_back(std::move(shard).value());
  }
  fs::remove_all(root, ec);
  out.ok = !shards.empty();
  out.results = bench::merge_shards(shards);
  return out;
}

counted_run run_counted(const options& o, const std::vector<std::string>& names,
                        const std::string& postgres_url, std::ostream& err) {
  counted_run out;
  auto valgrind = bench::find_valgrind();
  if (!valgrind) {
    out.problems.push_back(valgrind.error().message);
    return out;
  }
  const fs::path root = fs::absolute(o.results_dir) / ".counts";
  std::error_code ec;
  fs::remove_all(root, ec);
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  for (std::size_t k = 0; k < names.size(); ++k) {
    // A fresh process each: the heap a multi-threaded benchmark leaves behind
    // would change what the next one counts (by 9% for msgpack here).
    const fs::path dir = root / std::to_string(k + 1);
    fs::create_directories(dir, ec);
    std::vector<std::string> args{"valgrind"};
    for (auto& a : bench::callgrind_arguments(dir / "callgrind.out")) args.push_back(std::move(a));
    args.insert(args.end(),
                {self.string(), "bench", "--repetitions", std::to_string(count_repetitions),
                 "--results-dir", dir.string(), "--count-out", (dir / "counts.msgpack").string(),
                 "--format", "json", "--quiet", "--filter", "^" + regex_escape(names[k]) + "$"});
    if (o.quick) args.push_back("--quick");
    if (o.threads > 0) args.insert(args.end(), {"--threads", std::to_string(o.threads)});
    if (!postgres_url.empty()) args.insert(args.end(), {"--store", postgres_url});
    if (!o.quiet) {
      err << fmt::format("perftrack bench: [{}/{}] {} under Callgrind\n", k + 1, names.size(),
                         names[k]);
    }
    const std::string ended = run_child(valgrind.value().string(), args);
    auto shard = read_shard(dir / "counts.msgpack", names[k] + " under Callgrind");
    if (!shard) {
      out.problems.push_back(ended.empty() ? shard.error().message
                                           : names[k] + " under Callgrind " + ended);
      continue;
    }
    for (auto& r : shard.value()) out.results.push_back(std::move(r));
  }
  fs::remove_all(root, ec);
  return out;
}

}  // namespace perftrack::cli::bench_command
