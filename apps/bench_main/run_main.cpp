#include <fmt/format.h>
#include <fmt/ostream.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "perftrack/bench/environment.hpp"
#include "perftrack/bench/harness.hpp"
#include "perftrack/bench/main.hpp"
#include "perftrack/bench/results.hpp"
#include "perftrack/gate/baseline.hpp"

namespace perftrack::bench {
namespace {

struct options {
  std::string filter;
  bool list = false;
  bool quick = false;
  int repetitions = 0;
  int processes = 0;
  bool no_count = false;
  std::string json;
  std::string format = "console";
  bool quiet = false;
  std::string results_dir;
  std::string shard_out, count_out;
};

void add_options(CLI::App& app, options& o) {
  app.add_option("--filter", o.filter, "Only benchmarks whose name matches this regex");
  app.add_flag("--list", o.list, "List the benchmarks and exit");
  app.add_flag("--quick", o.quick, "8 repetitions; bodies may do less work (state.config().quick)");
  app.add_option("--repetitions", o.repetitions, "Samples per benchmark (default 10, 8 quick)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--processes", o.processes,
                 "Spread the repetitions over this many processes (default: one per "
                 "repetition, at most 10; 1: all in this process)")
      ->check(CLI::Range(1, 1000));
  app.add_flag("--no-count", o.no_count, "Time only: no Callgrind run for instruction counts");
  app.add_option("--json", o.json, "Write the results JSON (perftrack's format) to this path");
  app.add_option("--format", o.format, "Standard output: console, json or google-benchmark")
      ->check(CLI::IsMember({"console", "json", "google-benchmark"}));
  app.add_flag("--quiet", o.quiet, "No progress on stderr");
  app.add_option("--results-dir", o.results_dir,
                 "Where the processes' folders go while the run lasts (default: a temporary one)");
  app.add_option("--shard-out", o.shard_out)->group("");  // internal: a process of a run
  app.add_option("--count-out", o.count_out)->group("");  // internal: the Callgrind process
}

// Exit codes as perftrack's (docs/cli.md): 1 a benchmark failed, 2 the run
// could not be done (bad arguments, an unwritable file).
int fail(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 2;
}

int run(const options& o, const std::string& program) {
  std::regex filter;
  try {
    filter = std::regex(o.filter.empty() ? ".*" : o.filter);
  } catch (const std::regex_error& e) {
    std::cerr << "error: --filter '" << o.filter << "' is not a valid regex: " << e.what() << "\n";
    return 2;
  }
  std::vector<const definition*> selected;
  for (const auto& d : registry::global().all()) {
    if (std::regex_search(d.name, filter)) selected.push_back(&d);
  }
  if (o.list) {
    for (const auto* d : selected)
      fmt::print("{}  [{}, {}]  {}\n", d->name, name(d->kind), d->unit, d->description);
    return 0;
  }
  if (selected.empty()) return fail("no benchmark matches: see --list");
  namespace fs = std::filesystem;
  const bool child = !o.shard_out.empty() || !o.count_out.empty();
  const fs::path work = !o.results_dir.empty() ? fs::path(o.results_dir)
                                               : fs::temp_directory_path() /
                                                     fmt::format("perftrack-bench-{}", ::getpid());
  std::error_code ec;
  fs::create_directories(work, ec);
  harness_options h;
  h.repetitions = o.repetitions > 0 ? o.repetitions : default_repetitions(o.quick);
  h.processes = o.processes > 0 ? o.processes : default_processes(h.repetitions);
  h.count = !o.no_count;
  h.quiet = o.quiet;
  h.run = default_run_options(o.quick);
  h.label = program;
  h.work_dir = work;
  h.command = {program};
  if (o.quick) h.command.push_back("--quick");
  h.shard_out = o.shard_out;
  h.count_out = o.count_out;
  const suite_config config{.quick = o.quick, .scratch = work};
  auto outcome = run_benchmarks(selected, config, h, std::cerr);
  if (!child && o.results_dir.empty()) fs::remove_all(work, ec);
  if (!outcome.error.empty()) return fail(outcome.error);
  if (child) {
    const auto& path = o.shard_out.empty() ? o.count_out : o.shard_out;
    if (auto w = gate::write_file_atomically(path, outcome.shard); !w)
      return fail(w.error().message);
    return 0;
  }
  const environment env = capture_environment();
  run_info info{version(), o.quick, h.repetitions, outcome.processes, build_warnings()};
  info.warnings.insert(info.warnings.end(), outcome.warnings.begin(), outcome.warnings.end());
  const std::string json = results_json(env, info, outcome.results, {});
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    f << json;
    if (!f) return fail("cannot write " + o.json);
  }
  if (o.format == "json") {
    std::cout << json;
  } else if (o.format == "google-benchmark") {
    std::cout << google_benchmark_json(env, outcome.results);
  } else {
    fmt::print("{}: {} benchmarks, {} repetitions in {} processes on {}\n", program,
               outcome.results.size(), h.repetitions, outcome.processes, env.cpu_model);
    std::cout << results_tables(outcome.results);
    for (const auto& w : info.warnings) fmt::print("\nwarning: {}\n", w.message);
  }
  int status = 0;
  for (const auto& r : outcome.results) {
    if (r.status == run_status::error) {
      std::cerr << program << ": " << r.name << " failed: " << r.reason << "\n";
      status = 1;
    }
  }
  return status;
}

}  // namespace

int run_main(int argc, char** argv) {
  const std::string program =
      argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "benchmarks";
  CLI::App app{"Benchmarks run by perftrack's harness (docs/bench.md)", program};
  options o;
  add_options(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return run(o, program);
}

}  // namespace perftrack::bench
