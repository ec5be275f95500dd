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
#include "perftrack/coord/postgres_scratch.hpp"
#include "perftrack/gate/baseline.hpp"
#include "perftrack/gate/results.hpp"
#include "perftrack/profile/capture.hpp"
#include "perftrack/slo/validate.hpp"
#include "perftrack/suite/suite.hpp"

namespace perftrack::cli::bench_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "bench", "Run the agent benchmark suite, check the targets, write results/latest.json");
  cmd->add_option("--filter", o.filter, "Only benchmarks whose name matches this regex");
  cmd->add_option("--category", o.categories, "Only this category (repeatable)");
  cmd->add_flag("--list", o.list, "List the benchmarks and exit");
  cmd->add_flag("--quick", o.quick, "Smaller workloads, 8 repetitions (a smoke test)");
  cmd->add_option("--repetitions", o.repetitions, "Samples per benchmark (default 10, 8 quick)")
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
  cmd->add_option("--slo", o.slo,
                  "SLO baselines the results are judged against after the targets (default: "
                  "the built-in slo/baselines.toml; perftrack slo validate)")
      ->check(CLI::ExistingFile);
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
  cmd->add_flag("--profile", o.profile,
                "Also profile each benchmark's measured region with perf (CPU flame graph, "
                "pprof...) into results/profiles/<time>/<benchmark>/ (docs/profile.md)");
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

// A PostgreSQL server for the database benchmarks: the URL given, or a scratch
// server (scripts/pg_server.sh) when the source tree is here, stopped at the
// end, on SIGINT and SIGTERM, and by the script's watcher if bench is killed.
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
    auto started =
        coord::scratch_server::start(script, std::filesystem::path(o.results_dir) / ".postgres");
    if (!started) {
      err << "perftrack bench: " << started.error().message
          << "; PostgreSQL benchmarks are skipped. Pass --store postgresql://... to use one.\n";
      return;
    }
    server_.emplace(std::move(*started));
    url_ = server_->url();
    stop_argv[0] = const_cast<char*>("/bin/sh");
    stop_argv[1] = const_cast<char*>("-c");
    stop_argv[2] = const_cast<char*>(server_->stop_command().c_str());
    ::signal(SIGINT, stop_server_and_die);
    ::signal(SIGTERM, stop_server_and_die);
  }
  ~postgres_server() {
    if (!server_) return;
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
  }
  postgres_server(const postgres_server&) = delete;
  postgres_server& operator=(const postgres_server&) = delete;
  const std::string& url() const noexcept { return url_; }
  /// Whether renew can give a fresh server: only one this object started.
  bool renewable() const noexcept { return server_.has_value(); }
  /// A fresh server at the same URL (a new cluster): empty, or what failed.
  std::string renew() const {
    if (server_->renew()) return {};
    return "could not start a fresh PostgreSQL server (pg_server.sh renew); the PostgreSQL "
           "benchmarks of this process fail";
  }

private:
  std::string url_;
  std::optional<coord::scratch_server> server_;  ///< stops with this object
};

}  // namespace

namespace {

// The benchmarks --filter and --category choose.
std::vector<const definition*> select(const registry& all, const options& o,
                                      const std::regex& filter) {
  std::vector<const definition*> selected;
  for (const auto& d : all.all()) {
    const bool in_category =
        o.categories.empty() ||
        std::find(o.categories.begin(), o.categories.end(), d.category) != o.categories.end();
    if (in_category && std::regex_search(d.name, filter)) selected.push_back(&d);
  }
  return selected;
}

void list(const std::vector<const definition*>& selected, std::ostream& out) {
  for (const auto* d : selected) {
    fmt::print(out, "{}  [{}, {}, {}]  {}\n", d->name, name(d->kind), d->unit,
               d->direction == direction::lower_is_better ? "lower is better" : "higher is better",
               d->description);
  }
}

// The results judged against the SLO baselines that name benchmarks (the
// table perftrack slo validate prints), read back from the results JSON so
// both take the same path.
std::string slo_section(const slo::objective_set& baselines, const std::string& json_text) {
  auto results = gate::parse_results(json_text, "this run");
  if (!results) return "\nSLO baselines: " + results.error().message + "\n";
  return "\n" + slo::render_markdown(slo::validate(baselines, *results));
}

// The targets to check: --targets or the defaults. Targets of benchmarks left
// out by --filter/--category are not checked; those of benchmarks the suite
// does not have yet are, on a whole run (MISSING).
expected<std::vector<target>> load_targets(const options& o, const registry& all,
                                           const std::vector<const definition*>& selected) {
  std::string text = default_targets;
  std::string source = "the default targets";
  if (!o.targets.empty()) {
    std::ifstream in(o.targets);
    if (!in) return failure{fmt::format("cannot read targets file {}", o.targets)};
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    source = o.targets;
  }
  auto parsed = parse_targets(text, source);
  if (!parsed) return parsed.error();
  const bool whole = o.filter.empty() && o.categories.empty();
  std::vector<target> targets;
  for (auto& t : std::move(parsed).value()) {
    const bool known = std::any_of(all.all().begin(), all.all().end(),
                                   [&](const auto& d) { return d.name == t.benchmark; });
    const bool chosen = std::any_of(selected.begin(), selected.end(),
                                    [&](const auto* d) { return d->name == t.benchmark; });
    if (chosen || (!known && whole)) targets.push_back(std::move(t));
  }
  return targets;
}

int repetitions_of(const options& o) {
  return o.repetitions > 0 ? o.repetitions : default_repetitions(o.quick);
}

// How a run's files are named: its start time, ':' being awkward in file names.
std::string stamp_of(const environment& env) {
  std::string stamp = env.time;
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  return stamp;
}

harness_options harness_for(const options& o, const std::string& postgres_url,
                            const environment& env) {
  harness_options h;
  h.repetitions = repetitions_of(o);
  h.processes = o.processes > 0 ? o.processes : default_processes(h.repetitions);
  h.count = !o.no_count;
  h.quiet = o.quiet;
  h.run = default_run_options(o.quick);
  h.work_dir = o.results_dir;
  h.command = {"perftrack", "bench"};
  if (o.quick) h.command.push_back("--quick");
  if (o.threads > 0) h.command.insert(h.command.end(), {"--threads", std::to_string(o.threads)});
  if (!postgres_url.empty()) h.command.insert(h.command.end(), {"--store", postgres_url});
  h.shard_out = o.shard_out;
  h.count_out = o.count_out;
  h.profile = o.profile;
  h.profile_dir = std::filesystem::path(o.results_dir) / "profiles" / stamp_of(env);
  return h;
}

// Runs `selected` with a PostgreSQL server when a benchmark needs one, and a
// scratch folder, both gone afterwards.
harness_outcome measure(const options& o, const std::vector<const definition*>& selected,
                        const environment& env, std::ostream& err) {
  const bool wants_postgres = std::any_of(selected.begin(), selected.end(), [](const auto* d) {
    return d->name.find("postgres") != std::string::npos;
  });
  std::optional<postgres_server> pg;
  if (wants_postgres) pg.emplace(o, err);
  std::error_code ec;
  const auto scratch = std::filesystem::absolute(o.results_dir) / ".scratch";
  std::filesystem::create_directories(scratch, ec);
  const suite_config config{.quick = o.quick,
                            .threads = o.threads,
                            .postgres_url = pg ? pg->url() : std::string(),
                            .scratch = scratch};
  auto harness = harness_for(o, config.postgres_url, env);
  if (pg && pg->renewable()) {  // a server per process: docs/compare.md says why
    harness.before_process = [&pg](int process) { return process == 0 ? "" : pg->renew(); };
  }
  auto outcome = run_benchmarks(selected, config, harness, err);
  suite::drop_scratch_schemas();
  std::filesystem::remove_all(scratch, ec);
  return outcome;
}

// results/<time>.json, results/latest.json and --json.
int write_results(const options& o, const std::string& json, const environment& env,
                  std::ostream& err) {
  const std::string stamp = stamp_of(env);
  std::vector<std::filesystem::path> paths = {
      std::filesystem::path(o.results_dir) / (stamp + ".json"),
      std::filesystem::path(o.results_dir) / "latest.json"};
  if (!o.json.empty()) paths.emplace_back(o.json);
  for (const auto& path : paths) {
    std::ofstream f(path);
    f << json;
    if (!f) return fail(err, fmt::format("cannot write {}", path.string()));
  }
  return exit_ok;
}

// 1 when a benchmark failed or, with --fail-on-target, a target did.
int verdict(const options& o, const std::vector<result>& results,
            const std::vector<target_check>& checks, std::ostream& err) {
  int errors = 0;
  for (const auto& r : results) {
    if (r.status == run_status::error) {
      ++errors;
      err << "perftrack bench: " << r.name << " failed: " << r.reason << "\n";
    }
  }
  if (errors > 0) return exit_failure;
  const bool target_failed =
      std::any_of(checks.begin(), checks.end(), [](const auto& c) { return c.status == "fail"; });
  if (o.fail_on_target && target_failed) {
    err << "perftrack bench: a target failed (--fail-on-target)\n";
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  registry all;
  suite::add_all(all);
  std::regex filter;
  try {
    filter = std::regex(o.filter.empty() ? ".*" : o.filter);
  } catch (const std::regex_error& e) {
    return fail(err, fmt::format("--filter '{}' is not a valid regex: {}", o.filter, e.what()));
  }
  const auto selected = select(all, o, filter);
  if (o.list) {
    list(selected, out);
    return exit_ok;
  }
  if (selected.empty()) return fail(err, "no benchmark matches: see perftrack bench --list");
  auto targets = load_targets(o, all, selected);
  if (!targets) return fail(err, targets.error().message);
  auto baselines = o.slo.empty() ? slo::default_objectives() : slo::load_objectives(o.slo);
  if (!baselines) return fail(err, baselines.error().message);
  std::error_code ec;
  std::filesystem::create_directories(o.results_dir, ec);
  if (ec) return fail(err, fmt::format("cannot create {}: {}", o.results_dir, ec.message()));

  if (o.profile) {
    if (auto why = profile::perf_unavailable()) return fail(err, "--profile: " + *why);
  }
  const environment env = capture_environment();
  auto outcome = measure(o, selected, env, err);
  if (!outcome.error.empty()) return fail(err, outcome.error);
  // A process of a run: its results for the parent, whole or not at all
  // (written aside, then renamed).
  if (!o.shard_out.empty() || !o.count_out.empty()) {
    const auto& path = o.shard_out.empty() ? o.count_out : o.shard_out;
    if (auto w = gate::write_file_atomically(path, outcome.shard); !w)
      return fail(err, w.error().message);
    return exit_ok;
  }
  run_info info{bench::version(), o.quick, repetitions_of(o), outcome.processes, build_warnings()};
  info.warnings.insert(info.warnings.end(), outcome.warnings.begin(), outcome.warnings.end());
  const auto checks = check_targets(*targets, outcome.results);
  const std::string json = results_json(env, info, outcome.results, checks);
  if (const int w = write_results(o, json, env, err); w != exit_ok) return w;
  if (o.format == "json") {
    out << json;
  } else if (o.format == "google-benchmark") {
    out << google_benchmark_json(env, outcome.results);
  } else {
    out << console_report(env, info, outcome.results, checks,
                          {{.title = "perftrack next to CAF 0.17.6",
                            .ours = "perftrack",
                            .theirs = "caf",
                            .ours_label = "perftrack",
                            .theirs_label = "CAF"}},
                          slo_section(*baselines, json));
    fmt::print(out, "\nresults: {}\n",
               (std::filesystem::path(o.results_dir) / "latest.json").string());
  }
  return verdict(o, outcome.results, checks, err);
}

}  // namespace perftrack::cli::bench_command
