#include "commands/history.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <filesystem>

#include "commands/common.hpp"
#include "perftrack/gate/baseline.hpp"
#include "perftrack/gate/history.hpp"
#include "perftrack/gate/render.hpp"

namespace perftrack::cli::history_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "history", "Runs recorded by perftrack compare: list, trend, changes, prune");
  cmd->add_option("action", o.action, "list, trend, changes or prune")
      ->required()
      ->check(CLI::IsMember({"list", "trend", "changes", "prune"}));
  add_history_location(cmd, o.baseline_dir, o.history);
  cmd->add_option("--benchmark", o.benchmark, "trend: the benchmark");
  cmd->add_option("--metric", o.metric, "trend: the metric (default: the benchmark's first)");
  cmd->add_option("--limit", o.limit, "list, trend: how many runs (default 20)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  cmd->add_option("--min-step", o.min_step, "changes: the smallest step (default 0.05 = 5%)")
      ->check(CLI::Range(0.001, 10.0));
  cmd->add_option("--keep-samples", o.keep_samples,
                  "prune: keep raw samples this long (default 90d); summaries stay")
      ->check(duration_arg);
  return cmd;
}

int run(const options& o, std::ostream& out, std::ostream& err) {
  if (o.baseline_dir.empty() && o.history.empty())
    return fail(err, "say where the history is: --baseline-dir DIR or --history FILE|URL");
  std::string location = o.history;
  if (location.empty()) {
    const gate::baseline_dir dir(o.baseline_dir);
    std::error_code ec;
    if (!std::filesystem::exists(dir.history_file(), ec))
      return fail(err, dir.history_file().string() +
                           ": no history yet: perftrack compare --baseline-dir " + o.baseline_dir +
                           " records each run");
    location = dir.history_file().string();
  }
  auto h = gate::history::open(location);
  if (!h) return fail(err, h.error().message);

  if (o.action == "list") {
    auto runs = (*h)->runs(o.limit);
    if (!runs) return fail(err, runs.error().message);
    fmt::print(out, "| run | time | git sha | branch | benchmarks | status |\n");
    fmt::print(out, "|---:|---|---|---|---:|---|\n");
    for (const auto& r : *runs)
      fmt::print(out, "| {} | {} | {} | {} | {} | {} |\n", r.id, r.time, r.git_sha.substr(0, 12),
                 r.branch, r.benchmarks, r.status);
    return exit_ok;
  }
  if (o.action == "trend") {
    if (o.benchmark.empty()) return fail(err, "trend needs --benchmark NAME");
    std::string metric = o.metric;
    if (metric.empty()) {
      for (const char* guess : {"latency", "throughput", "time", "memory", "real_time"}) {
        auto t = (*h)->trend(o.benchmark, guess, 1);
        if (t && !t->empty()) {
          metric = guess;
          break;
        }
      }
      if (metric.empty())
        return fail(err, "no runs of " + o.benchmark + ": check the name, or pass --metric");
    }
    auto t = (*h)->trend(o.benchmark, metric, o.limit);
    if (!t) return fail(err, t.error().message);
    if (t->empty()) return fail(err, "no runs of " + o.benchmark + " [" + metric + "]");
    fmt::print(out, "{} [{}], median per run, oldest first\n\n", o.benchmark, metric);
    fmt::print(out,
               "| run | time | git sha | median | n | vs first |\n|---:|---|---|---:|---:|---:|\n");
    for (const auto& p : *t)
      fmt::print(out, "| {} | {} | {} | {:.6g} | {} | {} |\n", p.run, p.time,
                 p.git_sha.substr(0, 12), p.median, p.n,
                 gate::format_change(p.median / t->front().median - 1));
    return exit_ok;
  }
  if (o.action == "changes") {
    auto c = (*h)->changes(o.min_step);
    if (!c) return fail(err, c.error().message);
    if (c->empty()) {
      fmt::print(out, "no step of {:.1f}% or more in any benchmark's history\n", o.min_step * 100);
      return exit_ok;
    }
    for (const auto& x : *c)
      fmt::print(out, "{} [{}]: {} between run {} ({} {}) and run {} ({} {})\n", x.benchmark,
                 x.metric, gate::format_change(x.change), x.before.run,
                 x.before.git_sha.substr(0, 12), x.before.time, x.after.run,
                 x.after.git_sha.substr(0, 12), x.after.time);
    return exit_ok;
  }
  // prune
  const auto keep = std::chrono::seconds(*parse_duration_arg(o.keep_samples) / 1'000'000'000);
  auto n = (*h)->prune(now_ns(), keep);
  if (!n) return fail(err, n.error().message);
  fmt::print(out, "{} runs older than {} keep their summaries only\n", *n, o.keep_samples);
  return exit_ok;
}

}  // namespace perftrack::cli::history_command
