#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/report/builder.hpp"

/// Pieces every command shares: time arguments, default inputs, warnings.
namespace perftrack::cli {

/// Exit codes, the same in every command (docs/cli.md).
enum exit_code : int {
  exit_ok = 0,
  /// The command ran and its verdict is a failure: a regression at the
  /// --fail-on level, a benchmark that failed, a missed target.
  exit_failure = 1,
  /// The command could not do its job: bad arguments, an input that cannot be
  /// read, an output that cannot be written, a store or port it cannot use.
  exit_error = 2,
  /// compare --require-conclusive: a benchmark is inconclusive or missing.
  exit_inconclusive = 3,
};

/// Parses an ISO-8601 date-time with a zone, or a date "YYYY-MM-DD" meaning its
/// midnight UTC. nullopt if neither.
std::optional<std::int64_t> parse_time_arg(std::string_view text);

/// Parses a duration like "90d", "2w", "12h", "30m", "45s". nullopt if unreadable.
std::optional<std::int64_t> parse_duration_arg(std::string_view text);

/// The current time in ns since the epoch.
std::int64_t now_ns();

/// `files` when non-empty, else the default tracker's file (PERFTRACK_DIR /
/// PERFTRACK_FILE, default memory/perf-metrics.jsonl).
std::vector<std::filesystem::path> inputs_or_default(const std::vector<std::string>& files);

/// Prints "warning: skipped N malformed lines" naming the first few, to `err`.
void print_malformed(const report::read_warnings& warnings, std::ostream& err);

/// Prints "error: <message>" to `err`; returns exit_error.
int fail(std::ostream& err, std::string_view message);

/// SIGINT and SIGTERM, blocked from construction so that threads started
/// afterwards inherit the mask, and taken by wait(): the way a serving command
/// stops cleanly.
class stop_signals {
public:
  stop_signals();
  /// Until a signal arrives, or `duration` (as parse_duration_arg reads it)
  /// when given and non-empty.
  void wait(std::string_view duration = {});
};

/// `--baseline-dir DIR` (its history.db) or `--history FILE|URL`, each
/// excluding the other: where a command reads the gate's run history.
void add_history_location(CLI::App* cmd, std::string& baseline_dir, std::string& history);

/// A CLI11 validator for parse_time_arg.
extern const CLI::Validator time_arg;
/// A CLI11 validator for parse_duration_arg.
extern const CLI::Validator duration_arg;

}  // namespace perftrack::cli
