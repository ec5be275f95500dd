#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "perftrack/gate/compare.hpp"

/// `perftrack compare`: the regression gate (docs/compare.md).
namespace perftrack::cli::compare_command {

struct options {
  std::vector<std::string> results;   ///< one run, or several of one side (appended)
  std::vector<std::string> baseline;  ///< a results file, or several runs
  std::string baseline_dir;           ///< or a baseline directory
  std::string config;
  std::string fail_on = "critical";
  bool require_conclusive = false;
  std::string comment;
  std::string json;
  std::string junit;
  bool update_baseline = false;
  bool force_baseline = false;
  bool allow_cross_machine = false;
  bool full = false;
  std::string keep_samples = "90d";  ///< raw samples kept in the history this long
  std::string history;               ///< a history file or PostgreSQL URL (default: DIR/history.db)
  std::string confirm;               ///< a command rerunning {filter} into {out}
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

// Shared with `perftrack ab`.

/// The thresholds file, or the plan's defaults when `path` is empty.
expected<gate::gate_config> load_config(const std::string& path);
/// A verdict that fails at `fail_on` (critical, warning or never).
bool fails_at(gate::severity s, const std::string& fail_on);
/// The benchmarks with a row that fails at `fail_on`.
std::set<std::string> failing_benchmarks(const gate::comparison& c, const std::string& fail_on);
/// The rows of the `flagged` benchmarks replaced by the rerun's (`rerun`), each
/// noted "confirmed by a rerun" or "not confirmed by a rerun (first: ...)".
void adopt_rerun(gate::comparison& c, const gate::comparison& rerun,
                 const std::set<std::string>& flagged, const std::string& fail_on);

/// Writes the reports asked for (an empty path: not asked; "-": stdout);
/// `comment_extra` ends the comment (the CPU profiles' section).
expected<bool> write_reports(const gate::comparison& c, gate::severity fail_at,
                             const std::string& json, const std::string& comment,
                             const std::string& junit, const std::string& comment_extra = {});

}  // namespace perftrack::cli::compare_command
