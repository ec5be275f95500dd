#include "commands/bench.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "commands/bench_processes.hpp"
#include "commands/common.hpp"
#include "default_targets.hpp"
#include "perftrack/bench/environment.hpp"
#include "perftrack/bench/instructions.hpp"
#include "perftrack/bench/results.hpp"
#include "perftrack/bench/runner.hpp"
#include "perftrack/bench/shards.hpp"
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

int default_processes(int repetitions) { return std::clamp(repetitions, 1, 10); }

namespace {

using namespace perftrack::bench;

std::string human_duration(double seconds) {
  const auto s = static_cast<long>(std::lround(seconds));
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

// A value with its unit scaled for reading: ns as ns/us/ms/s, bytes as B/KB/MB,
// rates with k/M.
std::string show(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "-";
  if (unit == "ns") {
    if (v < 1e3) return fmt::format("{:.0f} ns", v);
    if (v < 1e6) return fmt::format("{:.1f} us", v / 1e3);
    if (v < 1e9) return fmt::format("{:.2f} ms", v / 1e6);
    return fmt::format("{:.2f} s", v / 1e9);
  }
  if (unit == "B") {
    if (v < 1e4) return fmt::format("{:.0f} B", v);
    if (v < 1e7) return fmt::format("{:.1f} KB", v / 1e3);
    return fmt::format("{:.1f} MB", v / 1e6);
  }
  if (v >= 1e6) return fmt::format("{:.2f} M{}", v / 1e6, unit);
  if (v >= 1e4) return fmt::format("{:.1f} k{}", v / 1e3, unit);
  return fmt::format("{:.0f} {}", v, unit);
}

// Progress on stderr: a bar on a terminal, plain lines otherwise.
class progress {
public:
  progress(std::ostream& err, std::size_t total, bool quiet)
      : err_(err),
        total_(total),
        quiet_(quiet),
        tty_(::isatty(STDERR_FILENO) != 0),
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
      err_ << fmt::format("\r\033[K[{}{}] {}/{} {}  ETA {}", std::string(filled, '='),
                          std::string(width - filled, ' '), index + 1, total_, name, eta)
           << std::flush;
    } else {
      err_ << fmt::format("perftrack bench: [{}/{}] {} (ETA {})\n", index + 1, total_, name, eta);
    }
  }
  void end() {
    if (!quiet_ && tty_) err_ << "\r\033[K" << std::flush;
  }

private:
  std::ostream& err_;
  std::size_t total_;
  bool quiet_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

// A PostgreSQL server for the database benchmarks: the URL given, or one that
// scripts/pg_server.sh starts (and stop() stops) when the source tree is here.
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
    const std::string cmd = fmt::format("'{}' start '{}' >/dev/null 2>'{}.log'", script.string(),
                                        state_.string(), state_.string());
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
  }
  ~postgres_server() {
    if (!stop_cmd_.empty()) [[maybe_unused]]
      auto rc = std::system(stop_cmd_.c_str());
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
  std::string category;
  for (const auto& r : results) {
    if (r.category != category) {
      category = r.category;
      fmt::print(out,
                 "\n## {}\n\n| benchmark | median | cv | p95 | notes |\n|---|---:|---:|---:|---|\n",
                 category);
    }
    if (r.status != "ok") {
      fmt::print(out, "| {} | - | - | - | {}: {} |\n", r.name, r.status, r.reason);
      continue;
    }
    std::string notes;
    for (const auto& w : r.warnings) notes += (notes.empty() ? "" : "; ") + w.code;
    fmt::print(out, "| {} | {} | {:.1f}% | {} | {} |\n", r.name, show(r.stats.median, r.unit),
               r.stats.cv * 100, r.latency ? show(r.latency->p95, r.unit) : "-", notes);
  }
  // Side-by-side pairs (peers): <x>_perftrack_<t> next to <x>_caf_<t>.
  std::string ratios;
  for (const auto& ours : results) {
    const auto at = ours.name.find("_perftrack_");
    if (at == std::string::npos || ours.status != "ok") continue;
    const std::string partner = ours.name.substr(0, at) + "_caf_" + ours.name.substr(at + 11);
    for (const auto& theirs : results) {
      if (theirs.name != partner || theirs.status != "ok") continue;
      const double ratio = ours.direction == direction::higher_is_better
                               ? ours.stats.median / theirs.stats.median
                               : theirs.stats.median / ours.stats.median;
      ratios += fmt::format(
          "| {} | {} | {} | {:.2f}x |\n", ours.name.substr(0, at) + ours.name.substr(at + 10),
          show(ours.stats.median, ours.unit), show(theirs.stats.median, theirs.unit), ratio);
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

// The instruction counts of the selected benchmarks marked count_instructions
// that ran, from one more process under Callgrind; a problem is a run warning
// (the timings stand).
void add_counts(const options& o, const std::vector<const definition*>& selected,
                const std::string& postgres_url, std::vector<result>& results, run_info& info,
                std::ostream& err) {
  std::vector<std::string> names;
  for (const auto* d : selected) {
    const auto r = std::find_if(results.begin(), results.end(),
                                [&](const result& x) { return x.name == d->name; });
    if (d->count_instructions && r != results.end() && r->status == "ok") names.push_back(d->name);
  }
  if (names.empty()) return;
  const auto counted = run_counted(o, names, postgres_url, err);
  std::vector<std::string> problems = attach_counts(results, counted.results);
  problems.insert(problems.end(), counted.problems.begin(), counted.problems.end());
  for (const auto& p : problems) {
    info.warnings.push_back({"not_counted", "instruction counts missing: " + p});
    err << "perftrack bench: instruction counts missing: " << p << "\n";
  }
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
    return exit_usage;
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
  run_options ro;
  ro.repetitions = o.repetitions > 0 ? o.repetitions : (o.quick ? 5 : 10);
  if (o.quick) ro.micro_target = std::chrono::milliseconds(5);
  ro.keep_latencies = !o.shard_out.empty();
  const bool child = !o.shard_out.empty() || !o.count_out.empty();
  if (!o.count_out.empty()) {
    if (!under_callgrind()) return fail(err, "--count-out is for the Callgrind process of a run");
    ro.callgrind_out = std::filesystem::path(o.count_out).parent_path() / "callgrind.out";
  }
  const int processes =
      child ? 1 : (o.processes > 0 ? o.processes : default_processes(ro.repetitions));
  const environment env = capture_environment();
  run_info info{bench::version(), o.quick, ro.repetitions, 1, build_warnings()};

  std::vector<result> results;
  if (processes > 1) {
    const auto shares = repetitions_per_process(ro.repetitions, processes);
    info.processes = static_cast<int>(shares.size());
    auto spread = run_in_processes(o, shares, pg ? pg->url() : std::string(), err);
    if (!spread.ok) return fail(err, "no process of the run delivered results");
    results = std::move(spread.results);
    info.warnings.insert(info.warnings.end(), spread.warnings.begin(), spread.warnings.end());
  } else {
    const runner bench_runner(ro);
    progress bar(err, selected.size(), o.quiet);
    for (std::size_t i = 0; i < selected.size(); ++i) {
      bar.begin(i, selected[i]->name);
      results.push_back(bench_runner.run(*selected[i], config));
    }
    bar.end();
  }
  suite::drop_scratch_schemas();
  std::filesystem::remove_all(scratch, ec);
  // One process of a multi-process run: its results for the parent, whole or
  // not at all (written aside, then renamed).
  if (child) {
    const auto& path = o.shard_out.empty() ? o.count_out : o.shard_out;
    if (auto w = gate::write_file_atomically(path, encode_shard(results)); !w)
      return fail(err, w.error().message);
    return exit_ok;
  }
  if (!o.no_count) add_counts(o, selected, pg ? pg->url() : std::string(), results, info, err);

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
    if (r.status == "error") {
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
