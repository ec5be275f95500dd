#include "commands/common.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <pthread.h>

#include <charconv>
#include <chrono>
#include <csignal>
#include <ctime>

#include "perftrack/recorder/tracker.hpp"
#include "perftrack/store/timestamp.hpp"

namespace perftrack::cli {

std::optional<std::int64_t> parse_time_arg(std::string_view text) {
  if (auto t = store::parse_timestamp(text)) return t;
  if (text.size() == 10) {
    const std::string midnight = std::string(text) + "T00:00:00Z";
    return store::parse_timestamp(midnight);
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_duration_arg(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() - 1 || n < 0) return std::nullopt;
  constexpr std::int64_t second = 1'000'000'000;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = second; break;
    case 'm': unit = 60 * second; break;
    case 'h': unit = 3600 * second; break;
    case 'd': unit = 86400 * second; break;
    case 'w': unit = 7 * 86400 * second; break;
    default: return std::nullopt;
  }
  if (n > INT64_MAX / unit) return std::nullopt;
  return n * unit;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::filesystem::path> inputs_or_default(const std::vector<std::string>& files) {
  if (files.empty()) return {tracker_options::from_environment().file_path()};
  return {files.begin(), files.end()};
}

void print_malformed(const report::read_warnings& warnings, std::ostream& err) {
  if (warnings.malformed == 0) return;
  fmt::print(err, "warning: skipped {} malformed line{}", warnings.malformed,
             warnings.malformed == 1 ? "" : "s");
  const char* sep = " (";
  for (const auto& m : warnings.first_malformed) {
    fmt::print(err, "{}{}:{}: {}", sep, m.file.string(), m.line, reader::describe(m.error));
    sep = "; ";
  }
  fmt::print(err, "{}\n", warnings.first_malformed.empty() ? "" : ")");
}

int fail(std::ostream& err, std::string_view message) {
  fmt::print(err, "error: {}\n", message);
  return exit_error;
}

namespace {

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

stop_signals::stop_signals() {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void stop_signals::wait(std::string_view duration) {
  const sigset_t set = stop_set();
  if (duration.empty()) {
    int sig = 0;
    sigwait(&set, &sig);
    return;
  }
  const std::int64_t ns = parse_duration_arg(duration).value_or(0);
  const timespec limit{static_cast<time_t>(ns / 1'000'000'000),
                       static_cast<long>(ns % 1'000'000'000)};
  sigtimedwait(&set, nullptr, &limit);
}

void add_history_location(CLI::App* cmd, std::string& baseline_dir, std::string& history) {
  auto* dir =
      cmd->add_option("--baseline-dir", baseline_dir, "The baseline directory (its history.db)");
  auto* where =
      cmd->add_option("--history", history, "A history file or postgresql://... URL instead");
  dir->excludes(where);
  where->excludes(dir);
}

const CLI::Validator time_arg(
    [](std::string& value) -> std::string {
      if (parse_time_arg(value)) return {};
      return "'" + value +
             "' is not a time: use ISO-8601 like 2026-01-06T13:28:00Z or a date like 2026-01-06";
    },
    "TIME");

const CLI::Validator duration_arg(
    [](std::string& value) -> std::string {
      if (parse_duration_arg(value)) return {};
      return "'" + value + "' is not a duration: use 90d, 2w, 12h, 30m or 45s";
    },
    "DURATION");

}  // namespace perftrack::cli
