#include "commands/top.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>

#include "commands/common.hpp"
#include "perftrack/top/terminal.hpp"

namespace perftrack::cli::top_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "top", "A live view of operations: rate, errors, p50/p95/p99 and trends (docs/top.md)");
  auto* file = cmd->add_option("--file", o.files,
                               "A metrics file or a directory of them to follow (repeatable; "
                               "default memory/perf-metrics.jsonl)");
  cmd->add_option("--url", o.url, "Or scrape an exporter: http://HOST:PORT/metrics")
      ->excludes(file);
  cmd->add_option("--metric", o.metric, "--url: the duration histogram (seconds) to read");
  cmd->add_option("--errors-metric", o.errors_metric, "--url: the failures counter (empty: none)");
  cmd->add_option("--label", o.label, "--url: the label that names the operation");
  cmd->add_option("--interval", o.interval, "Seconds between readings (default 1)")
      ->check(CLI::Range(0.05, 3600.0));
  cmd->add_option("--window", o.window, "Seconds of events behind each percentile (default 10)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--sort", o.sort, "p99, rate, errors or name (keys p r e n on the screen)")
      ->check(CLI::IsMember({"p99", "rate", "errors", "name"}));
  cmd->add_option("--iterations", o.iterations, "Stop after this many readings (default: on q)");
  cmd->add_flag("--plain", o.plain,
                "Print lines at each reading, as when stdout is not a terminal");
  return cmd;
}

namespace {

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void request_stop(int) { stop_requested.store(true); }

top::sort_key sort_of(const std::string& s) {
  if (s == "rate") return top::sort_key::rate;
  if (s == "errors") return top::sort_key::errors;
  if (s == "name") return top::sort_key::name;
  return top::sort_key::p99;
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  std::unique_ptr<top::source> src;
  if (!o.url.empty()) {
    src = top::url_source(o.url,
                          {.histogram = o.metric, .errors = o.errors_metric, .label = o.label});
  } else {
    std::vector<std::filesystem::path> paths(o.files.begin(), o.files.end());
    if (paths.empty()) paths.emplace_back("memory/perf-metrics.jsonl");
    auto files = top::file_source(paths);
    if (!files) return fail(err, files.error().message);
    src = std::move(*files);
  }
  const top::loop_options loop{
      .interval = std::chrono::milliseconds(static_cast<long>(o.interval * 1000)),
      .sort = sort_of(o.sort),
      .iterations = o.iterations,
      .view = {.window = std::chrono::seconds(o.window)}};
  stop_requested.store(false);
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  if (o.plain || !::isatty(STDOUT_FILENO) || !::isatty(STDIN_FILENO)) {
    top::run_plain(*src, loop, stop_requested, out, err);
    return exit_ok;
  }
  if (auto r = top::run_screen(*src, loop, stop_requested); !r) return fail(err, r.error().message);
  return exit_ok;
}

}  // namespace perftrack::cli::top_command
