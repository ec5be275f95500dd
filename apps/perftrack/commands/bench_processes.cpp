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

/// Runs this binary with `args` (standard output discarded, standard error
/// shared) and waits; a description of how it ended when not with status 0 or 1
/// (1: a benchmark failed, which its shard records).
std::string run_child(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return fmt::format("could not start: {}", std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a killed parent takes its process along
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, STDOUT_FILENO);
    ::execv("/proc/self/exe", argv.data());
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
    const std::string ended = run_child(child_arguments(o, repetitions[k], postgres_url, dir));
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

}  // namespace perftrack::cli::bench_command
