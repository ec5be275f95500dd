#include "commands/bench.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "commands/common.hpp"
#include "default_targets.hpp"
#include "perftrack/bench/environment.hpp"
#include "perftrack/bench/harness.hpp"
#include "perftrack/bench/results.hpp"
#include "perftrack/bench/runner.hpp"
#include "perftrack/gate/baseline.hpp"
#include "perftrack/suite/suite.hpp"

namespace perftrack::cli::bench_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "bench", "Run the agent benchmark suite, check the targets, write results/latest.json");
  cmd->add_option("--filter", o.filter, "Only benchmarks whose name matches this regex");
  cmd->add_option("--category", o.categories, "Only this category (repeatable)");
  cmd->add_flag("--list", o.list, "List the benchmarks and exit");
  cmd->add_flag("--quick", o.quick, "Smaller workloads, 5 repetitions (a smoke test)");
  cmd->add_option("--repetitions", o.repetitions, "Samples per benchmark (default 10, 5 quick)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--threads", o.threads, "Actor worker threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--store", o.store,
                  "PostgreSQL URL for the database benchmarks (default: start a local server "
                  "with scripts/pg_server.sh when available)");
  cmd->add_option("--json", o.json, "Also write the results JSON to this path");
  cmd->add_option("--format", o.format, "Standard output: console, json or google-benchmark")
      ->check(CLI::IsMember({"console", "json", "google-benchmark"}));
  cmd->add_option("--targets", o.targets, "Targets TOML file (default: the performance plan's)");
  cmd->add_flag("--fail-on-target", o.fail_on_target, "Exit 1 when a target fails");
  cmd->add_flag("--quiet", o.quiet, "No progress on stderr");
  cmd->add_option("--results-dir", o.results_dir, "Where results files go (default results/)");
  cmd->add_option("--processes", o.processes,
                  "Spread the repetitions over this many processes, one after another (default: "
                  "one per repetition, at most 10; 1: all in this process)")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--no-count", o.no_count,
                "Time only: skip the Callgrind run that counts the instructions of single-threaded "
                "CPU-bound benchmarks");
  cmd->add_option("--shard-out", o.shard_out)->group("");  // internal: one process of a run
  cmd->add_option("--count-out", o.count_out)->group("");  // internal: the Callgrind process
  return cmd;
}

namespace {

using namespace perftrack::bench;

// The command that stops the server bench started, for the signal handler:
// prepared before the handler is installed (fork and execv are
// async-signal-safe; building strings is not).
char* stop_argv[4] = {nullptr, nullptr, nullptr, nullptr};

// SIGINT or SIGTERM while a server of ours runs: stop it, then die of the signal.
extern "C" void stop_server_and_die(int sig) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(stop_argv[0], stop_argv);
    ::_exit(127);
  }
  if (pid > 0) ::waitpid(pid, nullptr, 0);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// A PostgreSQL server for the database benchmarks: the URL given, or one that
// scripts/pg_server.sh starts (and stops, also on SIGINT and SIGTERM) when the
// source tree is here.
class postgres_server {
public:
  postgres_server(const options& o, std::ostream& err) {
    if (!o.store.empty()) {
      url_ = o.store;
      return;
    }
    if (!o.shard_out.empty() || !o.count_out.empty()) return;  // the parent started none
    const std::filesystem::path script =
        std::filesystem::path(PERFTRACK_SOURCE_DIR) / "scripts" / "pg_server.sh";
    if (!std::filesystem::exists(script)) return;
    state_ = std::filesystem::absolute(o.results_dir) / ".postgres";
    // --owner: the script stops the server once this process is gone, even
    // when it is killed with SIGKILL, which no handler here can catch.
    const std::string cmd =
        fmt::format("'{}' start '{}' --owner {} >/dev/null 2>'{}.log'", script.string(),
                    state_.string(), ::getpid(), state_.string());
    if (std::system(cmd.c_str()) != 0) {
      err << "perftrack bench: could not start a PostgreSQL server (see " << state_.string()
          << ".log); PostgreSQL benchmarks are skipped. Pass --store postgresql://... to use "
             "one.\n";
      state_.clear();
      return;
    }
    std::ifstream in(state_ / "url");
    std::getline(in, url_);
    stop_cmd_ = fmt::format("'{}' stop '{}' >/dev/null 2>&1", script.string(), state_.string());
    stop_argv[0] = const_cast<char*>("/bin/sh");
    stop_argv[1] = const_cast<char*>("-c");
    stop_argv[2] = stop_cmd_.data();
    ::signal(SIGINT, stop_server_and_die);
    ::signal(SIGTERM, stop_server_and_die);
  }
  ~postgres_server() {
    if (stop_cmd_.empty()) return;
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    [[maybe_unused]] auto rc = std::system(stop_cmd_.c_str());
  }
  postgres_server(const postgres_server&) = delete;
  postgres_server& operator=(const postgres_server&) = delete;
  const std::string& url() const noexcept { return url_; }

private:
  std::string url_;
  std::filesystem::path state_;
  std::string stop_cmd_;
};

void print_console(std::ostream& out, const environment& env, const run_info& info,
                   const std::vector<result>& results, const std::vector<target_check>& checks) {
  fmt::print(out, "perftrack bench: {} benchmarks, {} repetitions{}{} on {} ({} cores), {} build\n",
             results.size(), info.repetitions,
             info.processes > 1 ? fmt::format(" in {} processes", info.processes) : "",
             info.quick ? " (quick)" : "", env.cpu_model, env.physical_cores, env.build_type);
  out << results_tables(results);
  // Side-by-side pairs (peers): <x>_perftrack_<t> next to <x>_caf_<t>.
  std::string ratios;
  for (const auto& ours : results) {
    const auto at = ours.name.find("_perftrack_");
    if (at == std::string::npos || ours.status != run_status::ok) continue;
    const std::string partner = ours.name.substr(0, at) + "_caf_" + ours.name.substr(at + 11);
    for (const auto& theirs : results) {
      if (theirs.name != partner || theirs.status != run_status::ok) continue;
      const double ratio = ours.direction == direction::higher_is_better
                               ? ours.stats.median / theirs.stats.median
                               : theirs.stats.median / ours.stats.median;
      ratios += fmt::format("| {} | {} | {} | {:.2f}x |\n",
                            ours.name.substr(0, at) + ours.name.substr(at + 10),
                            show_value(ours.stats.median, ours.unit),
                            show_value(theirs.stats.median, theirs.unit), ratio);
    }
  }
  if (!ratios.empty()) {
    fmt::print(out,
               "\n## perftrack next to CAF 0.17.6\n\n| workload | perftrack | CAF | perftrack / "
               "CAF |\n|---|---:|---:|---:|\n{}",
               ratios);
  }
  if (!checks.empty()) {
    fmt::print(out, "\n## targets\n\n| target | measured | result |\n|---|---:|---|\n");
    for (const auto& c : checks) {
      const std::string measured =
          c.status == "missing" ? "not measured"
                                : fmt::format("{:.4g}{}", c.measured,
                                              c.target.unit.empty() ? "" : " " + c.target.unit);
      std::string verdict = c.status == "pass" ? "PASS" : c.status == "fail" ? "FAIL" : "MISSING";
      fmt::print(out, "| {} | {} | {} |\n", c.target.description, measured, verdict);
    }
  }
  for (const auto& w : info.warnings) fmt::print(out, "\nwarning: {}\n", w.message);
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  registry all;
  suite::add_all(all);
  std::regex filter;
  try {
    filter = std::regex(o.filter.empty() ? ".*" : o.filter);
  } catch (const std::regex_error& e) {
    fail(err, fmt::format("--filter '{}' is not a valid regex: {}", o.filter, e.what()));
    return exit_error;
  }
  std::vector<const definition*> selected;
  for (const auto& d : all.all()) {
    const bool in_category =
        o.categories.empty() ||
        std::find(o.categories.begin(), o.categories.end(), d.category) != o.categories.end();
    if (in_category && std::regex_search(d.name, filter)) selected.push_back(&d);
  }
  if (o.list) {
    for (const auto* d : selected) {
      fmt::print(
          out, "{}  [{}, {}, {}]  {}\n", d->name, name(d->kind), d->unit,
          d->direction == direction::lower_is_better ? "lower is better" : "higher is better",
          d->description);
    }
    return exit_ok;
  }
  if (selected.empty()) {
    return fail(err, "no benchmark matches: see perftrack bench --list");
  }

  std::vector<target> targets;
  {
    std::string text = default_targets;
    std::string source = "the default targets";
    if (!o.targets.empty()) {
      std::ifstream in(o.targets);
      if (!in) return fail(err, fmt::format("cannot read targets file {}", o.targets));
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
      source = o.targets;
    }
    auto parsed = parse_targets(text, source);
    if (!parsed) return fail(err, parsed.error().message);
    // Targets of benchmarks left out by --filter/--category are not checked;
    // those of benchmarks the suite does not have yet are, on a whole run (MISSING).
    const bool whole = o.filter.empty() && o.categories.empty();
    for (auto& t : std::move(parsed).value()) {
      const bool known = std::any_of(all.all().begin(), all.all().end(),
                                     [&](const auto& d) { return d.name == t.benchmark; });
      const bool chosen = std::any_of(selected.begin(), selected.end(),
                                      [&](const auto* d) { return d->name == t.benchmark; });
      if (chosen || (!known && whole)) targets.push_back(std::move(t));
    }
  }

  std::error_code ec;
  std::filesystem::create_directories(o.results_dir, ec);
  if (ec) return fail(err, fmt::format("cannot create {}: {}", o.results_dir, ec.message()));

  const bool wants_postgres = std::any_of(selected.begin(), selected.end(), [](const auto* d) {
    return d->name.find("postgres") != std::string::npos;
  });
  std::optional<postgres_server> pg;
  if (wants_postgres) pg.emplace(o, err);

  const auto scratch = std::filesystem::absolute(o.results_dir) / ".scratch";
  std::filesystem::create_directories(scratch, ec);
  suite_config config{.quick = o.quick,
                      .threads = o.threads,
                      .postgres_url = pg ? pg->url() : std::string(),
                      .scratch = scratch};
  harness_options h;
  h.repetitions = o.repetitions > 0 ? o.repetitions : default_repetitions(o.quick);
  h.processes = o.processes > 0 ? o.processes : default_processes(h.repetitions);
  h.count = !o.no_count;
  h.quiet = o.quiet;
  h.run = default_run_options(o.quick);
  h.work_dir = o.results_dir;
  h.command = {"perftrack", "bench"};
  if (o.quick) h.command.push_back("--quick");
  if (o.threads > 0) h.command.insert(h.command.end(), {"--threads", std::to_string(o.threads)});
  if (!config.postgres_url.empty())
    h.command.insert(h.command.end(), {"--store", config.postgres_url});
  h.shard_out = o.shard_out;
  h.count_out = o.count_out;
  auto outcome = run_benchmarks(selected, config, h, err);
  suite::drop_scratch_schemas();
  std::filesystem::remove_all(scratch, ec);
  if (!outcome.error.empty()) return fail(err, outcome.error);
  // A process of a run: its results for the parent, whole or not at all
  // (written aside, then renamed).
  if (!o.shard_out.empty() || !o.count_out.empty()) {
    const auto& path = o.shard_out.empty() ? o.count_out : o.shard_out;
    if (auto w = gate::write_file_atomically(path, outcome.shard); !w)
      return fail(err, w.error().message);
    return exit_ok;
  }
  const environment env = capture_environment();
  run_info info{bench::version(), o.quick, h.repetitions, outcome.processes, build_warnings()};
  info.warnings.insert(info.warnings.end(), outcome.warnings.begin(), outcome.warnings.end());
  const std::vector<result>& results = outcome.results;

  const auto checks = check_targets(targets, results);
  const std::string json = results_json(env, info, results, checks);
  std::string stamp = env.time;
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  for (const auto& path : {std::filesystem::path(o.results_dir) / (stamp + ".json"),
                           std::filesystem::path(o.results_dir) / "latest.json"}) {
    std::ofstream f(path);
    f << json;
    if (!f) return fail(err, fmt::format("cannot write {}", path.string()));
  }
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    f << json;
    if (!f) return fail(err, fmt::format("cannot write {}", o.json));
  }

  if (o.format == "json") {
    out << json;
  } else if (o.format == "google-benchmark") {
    out << google_benchmark_json(env, results);
  } else {
    print_console(out, env, info, results, checks);
    fmt::print(out, "\nresults: {}\n",
               (std::filesystem::path(o.results_dir) / "latest.json").string());
  }

  int errors = 0;
  for (const auto& r : results) {
    if (r.status == run_status::error) {
      ++errors;
      err << "perftrack bench: " << r.name << " failed: " << r.reason << "\n";
    }
  }
  const bool target_failed =
      std::any_of(checks.begin(), checks.end(), [](const auto& c) { return c.status == "fail"; });
  if (errors > 0) return exit_failure;
  if (o.fail_on_target && target_failed) {
    err << "perftrack bench: a target failed (--fail-on-target)\n";
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace perftrack::cli::bench_command
