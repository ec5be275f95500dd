#include "commands/ab.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "commands/common.hpp"
#include "commands/compare.hpp"
#include "commands/results_command.hpp"
#include "perftrack/gate/baseline.hpp"
#include "perftrack/gate/compare.hpp"
#include "perftrack/gate/render.hpp"

namespace perftrack::cli::ab_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "ab", "Run two builds' benchmarks interleaved (ABBA) and compare them paired");
  cmd->add_option("--base", o.base,
                  "Command of the base build; {out}: the results file it must write, {filter}: "
                  "a regex of benchmark names to run")
      ->required();
  cmd->add_option("--head", o.head, "Command of the head build, with the same placeholders")
      ->required();
  cmd->add_option("--rounds", o.rounds, "Runs of each side, in ABBA order (default 6)")
      ->check(CLI::Range(2, 1000));
  cmd->add_flag("--confirm", o.confirm,
                "Rerun only the flagged benchmarks before a failing verdict is final");
  cmd->add_option("--config", o.config, "Thresholds file (TOML, docs/compare.md)");
  cmd->add_option("--fail-on", o.fail_on,
                  "Exit 1 at this severity: critical (default), warning, never")
      ->check(CLI::IsMember({"critical", "warning", "never"}));
  cmd->add_option("--comment", o.comment, "Write a Markdown pull-request comment to this path");
  cmd->add_option("--json", o.json, "Write the JSON report to this path");
  cmd->add_option("--junit", o.junit, "Write JUnit XML to this path");
  cmd->add_flag("--full", o.full, "Print every benchmark, not only the changed ones");
  cmd->add_option("--work-dir", o.work_dir, "Keep each run's results here (default: temporary)");
  return cmd;
}

namespace {

/// Trims each metric of both sides to the same number of samples, so that they
/// pair up by index (round by round, sample by sample).
void align(gate::result_set& a, gate::result_set& b) {
  std::map<std::pair<std::string, std::string>, gate::metric*> in_b;
  for (auto& x : b.benchmarks)
    for (auto& m : x.metrics) in_b[{x.name, m.name}] = &m;
  for (auto& x : a.benchmarks) {
    for (auto& m : x.metrics) {
      const auto it = in_b.find({x.name, m.name});
      if (it == in_b.end()) continue;
      const auto n = std::min(m.samples.size(), it->second->samples.size());
      m.samples.resize(n);
      it->second->samples.resize(n);
    }
  }
}

struct ab_result {
  gate::result_set base, head;
};

expected<ab_result> run_rounds(const options& o, const std::string& filter,
                               const std::filesystem::path& dir, const std::string& tag,
                               std::ostream& err) {
  ab_result r;
  // ABBA ABBA ...: each side runs first as often as second, so drift over the
  // job (warming caches, a neighbour's load) falls on both equally.
  for (int i = 0; i < o.rounds; ++i) {
    const bool base_first = i % 2 == 0;
    for (int k = 0; k < 2; ++k) {
      const bool base_now = (k == 0) == base_first;
      const auto file = dir / fmt::format("{}{}-{}.json", tag, base_now ? "base" : "head", i + 1);
      auto one = run_results_command(base_now ? o.base : o.head, filter, file, "perftrack ab", err);
      if (!one) return one.error();
      gate::append_run(base_now ? r.base : r.head, *one);
    }
  }
  align(r.base, r.head);
  return r;
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  gate::compare_options copts;
  copts.paired = true;
  auto cfg = compare_command::load_config(o.config);
  if (!cfg) {
    fail(err, cfg.error().message);
    return exit_error;
  }
  copts.config = std::move(*cfg);
  std::filesystem::path dir = o.work_dir;
  bool temporary = false;
  if (dir.empty()) {
    char tmpl[] = "/tmp/perftrack-ab.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      fail(err, "cannot make a temporary directory in /tmp");
      return exit_error;
    }
    dir = tmpl;
    temporary = true;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  struct cleanup {
    std::filesystem::path dir;
    bool on;
    ~cleanup() {
      std::error_code ignored;
      if (on) std::filesystem::remove_all(dir, ignored);
    }
  } clean{dir, temporary};

  auto first = run_rounds(o, ".", dir, "", err);
  if (!first) {
    fail(err, first.error().message);
    return exit_error;
  }
  first->base.source = "base (" + o.base + ")";
  first->head.source = "head (" + o.head + ")";
  auto c = gate::compare(first->base, first->head, copts);

  const auto fail_at = o.fail_on == "warning" ? gate::severity::warning : gate::severity::critical;
  const auto flagged = compare_command::failing_benchmarks(c, o.fail_on);
  if (o.confirm && !flagged.empty()) {
    fmt::print(err, "perftrack ab: confirming {} flagged benchmark{} with {} more rounds\n",
               flagged.size(), flagged.size() == 1 ? "" : "s", o.rounds);
    auto again = run_rounds(o, name_regex(flagged), dir, "confirm-", err);
    if (!again) {
      fail(err, again.error().message);
      return exit_error;
    }
    // The confirmation's fresh data decide the flagged benchmarks.
    compare_command::adopt_rerun(c, gate::compare(again->base, again->head, copts), flagged,
                                 o.fail_on);
  }

  gate::render_console(c, out, o.full);
  if (auto w = compare_command::write_reports(c, fail_at, o.json, o.comment, o.junit); !w) {
    fail(err, w.error().message);
    return exit_error;
  }
  return compare_command::failing_benchmarks(c, o.fail_on).empty() ? exit_ok : exit_failure;
}

}  // namespace perftrack::cli::ab_command
