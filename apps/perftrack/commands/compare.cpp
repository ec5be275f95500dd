#include "commands/compare.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "commands/common.hpp"
#include "commands/profile_comment.hpp"
#include "commands/results_command.hpp"
#include "perftrack/gate/baseline.hpp"
#include "perftrack/gate/compare.hpp"
#include "perftrack/gate/history.hpp"
#include "perftrack/gate/render.hpp"

namespace perftrack::cli::compare_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "compare", "Compare benchmark results against a baseline: the regression gate");
  cmd->add_option("--results", o.results,
                  "Results to judge: perftrack bench JSON, Google Benchmark or pytest-benchmark; "
                  "repeat it for several runs of one side (e.g. one per process): their samples "
                  "are pooled")
      ->required();
  auto* file = cmd->add_option("--baseline", o.baseline,
                               "A baseline results file (any format); repeatable as --results");
  auto* dir = cmd->add_option("--baseline-dir", o.baseline_dir,
                              "A baseline directory (baseline.json; created on a first run)");
  file->excludes(dir);
  dir->excludes(file);
  cmd->add_option("--config", o.config, "Thresholds file (TOML, docs/compare.md)");
  cmd->add_option("--fail-on", o.fail_on,
                  "Exit 1 at this severity: critical (default), warning, never")
      ->check(CLI::IsMember({"critical", "warning", "never"}));
  cmd->add_flag("--require-conclusive", o.require_conclusive,
                "Exit 3 when a benchmark is inconclusive or missing");
  cmd->add_option("--comment", o.comment, "Write a Markdown pull-request comment to this path");
  cmd->add_option("--json", o.json, "Write the JSON report to this path");
  cmd->add_option("--junit", o.junit, "Write JUnit XML to this path");
  cmd->add_flag("--update-baseline", o.update_baseline,
                "Make these results the baseline (--baseline-dir) unless a regression is critical");
  cmd->add_flag("--force-baseline", o.force_baseline,
                "With --update-baseline: update even after a critical regression");
  cmd->add_flag("--allow-cross-machine", o.allow_cross_machine,
                "Compare results from another machine or build (labelled as such)");
  cmd->add_flag("--full", o.full, "Print every benchmark, not only the changed ones");
  cmd->add_option("--history", o.history,
                  "Record runs here and read A/A noise from it: a file, or postgresql://... "
                  "shared by CI runners (default with --baseline-dir: DIR/history.db)");
  cmd->add_option("--keep-samples", o.keep_samples,
                  "History (--baseline-dir): keep raw samples this long, summaries for good "
                  "(default 90d)")
      ->check(duration_arg);
  cmd->add_option("--confirm", o.confirm,
                  "Rerun the benchmarks that fail at the --fail-on level with this command "
                  "({filter}: their names as a regex, {out}: the results path it must write); "
                  "their verdicts come from the rerun");
  return cmd;
}

namespace {

/// --confirm: reruns the benchmarks that fail, once, and judges them from the
/// rerun against the same baseline, so a regression must show twice to fail.
/// The peers' benchmarks run again beside them: the machine's drift during the
/// rerun is read from them (docs/compare.md, rule 12).
expected<bool> confirm(gate::comparison& c, const gate::result_set& baseline, const options& o,
                       const gate::compare_options& copts, std::ostream& err) {
  const auto flagged = failing_benchmarks(c, o.fail_on);
  if (flagged.empty()) return true;
  auto rerun = flagged;
  for (const auto& r : c.rows) {
    if (!r.peer.empty()) rerun.insert(r.benchmark);
  }
  fmt::print(err, "perftrack compare: confirming {} flagged benchmark{} with a rerun{}\n",
             flagged.size(), flagged.size() == 1 ? "" : "s",
             rerun.size() > flagged.size() ? ", beside the peers' for the machine's drift" : "");
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("perftrack-confirm-{}", ::getpid());
  std::filesystem::create_directories(dir);
  auto again = run_results_command(o.confirm, name_regex(rerun), dir / "confirm.json",
                                   "perftrack compare", err);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!again) return again.error();
  adopt_rerun(c, gate::compare(baseline, *again, copts), flagged, o.fail_on);
  return true;
}

}  // namespace

bool fails_at(gate::severity s, const std::string& fail_on) {
  return (fail_on != "never" && s == gate::severity::critical) ||
         (fail_on == "warning" && s == gate::severity::warning);
}

std::set<std::string> failing_benchmarks(const gate::comparison& c, const std::string& fail_on) {
  std::set<std::string> out;
  for (const auto& r : c.rows) {
    if (fails_at(r.verdict, fail_on)) out.insert(r.benchmark);
  }
  return out;
}

void adopt_rerun(gate::comparison& c, const gate::comparison& rerun,
                 const std::set<std::string>& flagged, const std::string& fail_on) {
  for (auto& r : c.rows) {
    if (!flagged.count(r.benchmark)) continue;
    const auto first = r;
    for (const auto& s : rerun.rows) {
      if (s.benchmark != r.benchmark || s.metric != r.metric) continue;
      r = s;
      const std::string how = fails_at(r.verdict, fail_on)
                                  ? "confirmed by a rerun"
                                  : fmt::format("not confirmed by a rerun (first: {}, {:+.1f}%)",
                                                gate::name(first.verdict), first.change * 100);
      r.note = r.note.empty() ? how : r.note + "; " + how;
    }
  }
}

expected<gate::gate_config> load_config(const std::string& path) {
  if (path.empty()) return gate::gate_config::plan_defaults();
  std::ifstream in(path);
  if (!in) return failure{path + ": cannot read the thresholds file"};
  std::stringstream text;
  text << in.rdbuf();
  return gate::gate_config::from_toml(text.str(), path);
}

expected<bool> write_reports(const gate::comparison& c, gate::severity fail_at,
                             const std::string& json, const std::string& comment,
                             const std::string& junit, const std::string& comment_extra) {
  const auto write = [](const std::string& path, auto&& render) -> expected<bool> {
    if (path.empty()) return true;
    const std::string text = render();
    if (path != "-") return gate::write_file_atomically(path, text);
    std::fputs(text.c_str(), stdout);
    return true;
  };
  if (auto w = write(json, [&] { return gate::render_json(c); }); !w) return w;
  if (auto w = write(comment, [&] { return gate::render_markdown(c) + comment_extra; }); !w)
    return w;
  return write(junit, [&] { return gate::render_junit(c, fail_at); });
}

namespace {

// Options that contradict each other; empty when there are none.
std::string argument_error(const options& o) {
  if (o.baseline.empty() && o.baseline_dir.empty())
    return "give the baseline: --baseline FILE or --baseline-dir DIR";
  if (o.update_baseline && o.baseline_dir.empty())
    return "--update-baseline needs --baseline-dir (a baseline directory)";
  if (o.force_baseline && !o.update_baseline)
    return "--force-baseline only makes sense with --update-baseline";
  return {};
}

// --baseline files, or the baseline directory's; an empty directory is a first
// run, where every benchmark is new (`first_run` says so).
expected<gate::result_set> load_baseline(const options& o, const gate::baseline_dir& dir,
                                         const gate::result_set& current, bool& first_run,
                                         std::ostream& err) {
  first_run = false;
  if (!o.baseline.empty()) return gate::load_runs({o.baseline.begin(), o.baseline.end()});
  if (dir.has_baseline()) return dir.load();
  first_run = true;
  gate::result_set baseline;
  baseline.source = dir.baseline_file().string();
  baseline.comparability = current.comparability;
  fmt::print(err, "note: no baseline in {} yet: every benchmark is new{}\n", o.baseline_dir,
             o.update_baseline ? "; these results become the baseline" : "");
  return baseline;
}

// The history (--history, or with --baseline-dir its history.db): A/A noise for
// the noise floors, and this run recorded after the comparison. A damaged
// history is a note, not a failure: the comparison goes on without it and the
// file is left alone.
std::unique_ptr<gate::history> open_history(const options& o, const gate::baseline_dir& dir,
                                            const gate::result_set& current,
                                            gate::compare_options& copts, std::ostream& err) {
  const std::string location =
      !o.history.empty() ? o.history
                         : (o.baseline_dir.empty() ? std::string() : dir.history_file().string());
  if (location.empty()) return nullptr;
  auto h = gate::history::open(location);
  if (!h) {
    fmt::print(err, "note: {}; comparing without history, this run is not recorded\n",
               h.error().message);
    return nullptr;
  }
  if (auto noise = (*h)->noise(current.comparability_key()); noise) copts.noise = std::move(*noise);
  return std::move(*h);
}

// Results of another machine or build: refused unless --allow-cross-machine.
std::string cross_machine_error(const options& o, const gate::result_set& baseline,
                                const gate::result_set& current) {
  const auto diff = gate::comparability_differences(baseline, current);
  if (diff.empty() || o.allow_cross_machine) return {};
  std::string fields;
  for (const auto& d : diff) fields += (fields.empty() ? "" : "; ") + d;
  return fmt::format(
      "the results come from another machine or build than the baseline ({}): compare on the "
      "same machine, or pass --allow-cross-machine to compare anyway (the report says so)",
      fields);
}

void record(gate::history& past, const gate::result_set& current, const gate::comparison& c,
            const options& o, std::ostream& err) {
  const auto now = now_ns();
  if (auto id = past.record(current, c.overall_status(), now); !id) {
    fmt::print(err, "note: this run was not recorded in the history: {}\n", id.error().message);
    return;
  }
  (void)past.prune(now, std::chrono::seconds(*parse_duration_arg(o.keep_samples) / 1'000'000'000));
}

// --update-baseline: the current results become the baseline unless a
// regression is critical (or --force-baseline).
int update_baseline(const options& o, const gate::baseline_dir& dir, const gate::comparison& c,
                    const gate::result_set& current, bool first_run, std::ostream& err) {
  const auto critical = c.count(gate::severity::critical);
  if (critical > 0 && !o.force_baseline) {
    fmt::print(err,
               "note: baseline not updated: {} critical regression{} (--force-baseline "
               "updates anyway)\n",
               critical, critical == 1 ? "" : "s");
    return exit_ok;
  }
  if (auto u = dir.update(current); !u) return fail(err, u.error().message);
  fmt::print(err, "note: baseline {}: {}\n", first_run ? "created" : "updated",
             dir.baseline_file().string());
  return exit_ok;
}

int exit_code(const gate::comparison& c, const options& o) {
  if (!failing_benchmarks(c, o.fail_on).empty()) return exit_failure;
  if (o.require_conclusive &&
      c.count(gate::severity::inconclusive) + c.count(gate::severity::missing) > 0)
    return exit_inconclusive;
  return exit_ok;
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  if (const auto e = argument_error(o); !e.empty()) return fail(err, e);
  auto current = gate::load_runs({o.results.begin(), o.results.end()});
  if (!current) return fail(err, current.error().message);
  gate::compare_options copts;
  auto cfg = load_config(o.config);
  if (!cfg) return fail(err, cfg.error().message);
  copts.config = std::move(*cfg);
  const gate::baseline_dir dir(o.baseline_dir);
  bool first_run = false;
  auto baseline = load_baseline(o, dir, *current, first_run, err);
  if (!baseline) return fail(err, baseline.error().message);
  const auto past = open_history(o, dir, *current, copts, err);
  if (const auto e = cross_machine_error(o, *baseline, *current); !e.empty()) return fail(err, e);

  auto c = gate::compare(*baseline, *current, copts);
  if (!o.confirm.empty()) {
    if (auto confirmed = confirm(c, *baseline, o, copts, err); !confirmed)
      return fail(err, "--confirm: " + confirmed.error().message);
  }
  gate::render_console(c, out, o.full);
  const auto fail_at = o.fail_on == "warning" ? gate::severity::warning : gate::severity::critical;
  const std::string profiles =
      o.comment.empty() ? std::string() : profile_comment(c, *baseline, *current);
  if (auto w = write_reports(c, fail_at, o.json, o.comment, o.junit, profiles); !w)
    return fail(err, w.error().message);
  if (past) record(*past, *current, c, o, err);
  if (o.update_baseline) {
    if (const int u = update_baseline(o, dir, c, *current, first_run, err); u != exit_ok) return u;
  }
  return exit_code(c, o);
}

}  // namespace perftrack::cli::compare_command
