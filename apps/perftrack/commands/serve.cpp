#include "commands/serve.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <atomic>
#include <charconv>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include "commands/common.hpp"
#include "perftrack/exporter/collectors.hpp"
#include "perftrack/exporter/server.hpp"
#include "perftrack/profile/capture.hpp"
#include "perftrack/profile/continuous.hpp"
#include "perftrack/slo/live.hpp"
#include "perftrack/store/markup.hpp"
#include "perftrack/tail/tailer.hpp"

namespace perftrack::cli::serve_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve metrics files (any tracker's) to Prometheus: /metrics, /health, /ready");
  cmd->add_option("--port", o.port, "TCP port (default 9090; 0 picks a free one)");
  cmd->add_option("--address", o.address, "Interface to listen on (default 127.0.0.1)");
  cmd->add_option("--file", o.files,
                  "A metrics file or a directory of *.jsonl files to follow; repeatable "
                  "(default: $PERFTRACK_DIR/$PERFTRACK_FILE, memory/perf-metrics.jsonl)");
  cmd->add_option("--state", o.state,
                  "Directory for the checkpoint of offsets and counters (written every second "
                  "and on exit), so a restart continues the counters; default: none");
  cmd->add_option("--max-series", o.max_series,
                  "Most operations per family; further ones share one overflow series")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cmd->add_option("--poll-interval", o.poll_interval,
                  "How often the files are checked for new lines, e.g. 100ms (default)");
  cmd->add_option("--duration", o.duration, "Stop after this long, e.g. 30s (default: on a signal)")
      ->check(duration_arg);
  cmd->add_option("--slo", o.slo,
                  "Evaluate these SLO baselines live and export perftrack_slo_* (a TOML file, or "
                  "'default' for the built-in slo/baselines.toml; docs/slo.md)");
  cmd->add_option("--alertmanager", o.alertmanager,
                  "With --slo: post holding tiers as alerts to this Alertmanager, e.g. "
                  "http://127.0.0.1:9093 (API v2)");
  cmd->add_option("--webhook", o.webhook,
                  "With --slo: post each tier that starts or stops holding to this URL as JSON "
                  "(docs/slo.md)");
  cmd->add_option("--slack-webhook", o.slack_webhook,
                  "With --slo: post each change to this Slack incoming webhook (Block Kit, at most "
                  "one message a second)");
  cmd->add_option(
      "--pagerduty-key", o.pagerduty_key,
      "With --slo: send each change to PagerDuty (Events API v2) with this routing key");
  cmd->add_option("--pagerduty-url", o.pagerduty_url,
                  "PagerDuty Events API v2 URL (default https://events.pagerduty.com/v2/enqueue)");
  cmd->add_option("--evaluation-interval", o.evaluation_interval,
                  "With --slo: how often the objectives are evaluated for alerts (default 15s)")
      ->check(duration_arg);
  cmd->add_option("--profile", o.profile,
                  "Profile continuously (19 Hz, every CPU or --profile-pid) into this folder's "
                  "windows/, and serve /profile: the heat map and flame graphs (docs/profile.md)");
  cmd->add_option("--profile-pid", o.profile_pid, "With --profile: only this process");
  cmd->add_option("--profile-window", o.profile_window,
                  "With --profile: one profile per window, whole seconds (default 10s)")
      ->check(duration_arg);
  cmd->add_option("--profile-keep", o.profile_keep, "With --profile: how much to keep (default 1h)")
      ->check(duration_arg);
  return cmd;
}

namespace {

/// "100ms", or any duration parse_duration_arg reads ("1s"); nullopt otherwise.
std::optional<std::chrono::milliseconds> poll_interval(std::string_view text) {
  if (text.ends_with("ms")) {
    text.remove_suffix(2);
    long long ms = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || text.empty()) {
      return std::nullopt;
    }
    return std::chrono::milliseconds(ms);
  }
  const auto ns = parse_duration_arg(text);
  if (!ns) return std::nullopt;
  return std::chrono::milliseconds(*ns / 1'000'000);
}

/// Evaluates the objectives every --evaluation-interval and posts what holds
/// to Alertmanager, on its own thread: a receiver that is down never holds up
/// a scrape.
void send_alerts(slo::live_evaluator& live, const tail::tailer& tailer, const options& o,
                 const std::atomic<bool>& stop, std::ostream& err) {
  std::mutex err_mutex;
  const auto report = [&](std::string_view what) {
    std::lock_guard lock(err_mutex);
    fmt::print(err, "perftrack serve: {}\n", what);
    err.flush();
  };
  const auto interval = std::chrono::nanoseconds(*parse_duration_arg(o.evaluation_interval));
  std::optional<slo::alertmanager_notifier> alertmanager;
  if (!o.alertmanager.empty()) alertmanager.emplace(o.alertmanager, report);
  // A tier must stop holding for two evaluations before its resolution goes out.
  std::vector<slo::change_notifier> direct;
  const auto add = [&](slo::receiver_kind kind, const std::string& url, const std::string& key) {
    if (!url.empty())
      direct.emplace_back(slo::receiver_options{kind, url, key}, 2 * interval, report);
  };
  add(slo::receiver_kind::webhook, o.webhook, {});
  add(slo::receiver_kind::slack, o.slack_webhook, {});
  add(slo::receiver_kind::pagerduty, o.pagerduty_key.empty() ? std::string() : o.pagerduty_url,
      o.pagerduty_key);
  auto next = std::chrono::steady_clock::now();
  while (!stop.load()) {
    if (std::chrono::steady_clock::now() >= next) {
      live.observe(now_ns(), tailer.counts());
      const auto firing = live.firing();
      if (alertmanager) alertmanager->update(now_ns(), firing);
      for (auto& n : direct) n.update(now_ns(), firing);
      next += interval;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// --profile: the ring's options, checked before anything starts.
expected<profile::continuous_options> profile_options(const options& o) {
  profile::continuous_options c;
  const auto window = parse_duration_arg(o.profile_window),
             keep = parse_duration_arg(o.profile_keep);
  if (!window || *window < 1'000'000'000)
    return failure{"--profile-window: give whole seconds, at least 1s"};
  if (!keep || *keep < *window) return failure{"--profile-keep: give at least the window"};
  if (auto why = profile::perf_unavailable()) return failure{"--profile: " + *why};
  c.window = std::chrono::milliseconds(*window / 1'000'000);
  c.keep = std::chrono::milliseconds(*keep / 1'000'000);
  if (o.profile_pid > 0) c.pid = o.profile_pid;
  c.dir = o.profile;
  return c;
}

// /profile: the ring's heat map, read at each request.
exporter::page profile_page(const std::filesystem::path& dir) {
  return {"/profile", "text/html; charset=utf-8", [dir] {
            auto t = profile::read_timeline(dir, 0, std::numeric_limits<std::int64_t>::max());
            if (!t)
              return "<!doctype html><p>" + store::escape_markup(t.error().message) + "</p>\n";
            return profile::scope_html(*t, "Continuous CPU profile: " + dir.string());
          }};
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  stop_signals signals;  // before any thread starts, so that all inherit the mask
  tail::tailer_options to;
  for (const auto& p : inputs_or_default(o.files)) to.paths.push_back(p);
  to.state_dir = o.state;
  to.max_series = o.max_series;
  to.on_error = [&err](std::string_view what) {
    fmt::print(err, "perftrack serve: {} (counting goes on; retried every second)\n", what);
    err.flush();
  };
  const auto interval = poll_interval(o.poll_interval);
  if (!interval) {
    return fail(err, fmt::format("--poll-interval '{}' is not a duration like 100ms or 1s",
                                 o.poll_interval));
  }
  to.poll_interval = std::max(std::chrono::milliseconds(1), *interval);
  auto t = tail::tailer::open(std::move(to));
  if (!t) return fail(err, t.error().message);
  tail::tailer& tailer = **t;

  const bool alerting = !o.alertmanager.empty() || !o.webhook.empty() || !o.slack_webhook.empty() ||
                        !o.pagerduty_key.empty();
  if (alerting && o.slo.empty()) {
    return fail(err,
                "--alertmanager, --webhook, --slack-webhook and --pagerduty-key need --slo: the "
                "alerts are the objectives' tiers");
  }
  std::unique_ptr<slo::live_evaluator> live;
  if (!o.slo.empty()) {
    auto set = o.slo == "default" ? slo::default_objectives() : slo::load_objectives(o.slo);
    if (!set) return fail(err, set.error().message);
    live = std::make_unique<slo::live_evaluator>(std::move(set).value());
    live->observe(now_ns(), tailer.counts());  // windows start now
  }

  exporter::server_options so;
  so.address = o.address;
  so.port = o.port;
  so.collectors = {[&tailer](auto& fams) { tailer.collect(fams); }, exporter::process_collector()};
  if (live) {
    // Evaluated at each scrape, over the counters as the scrape sees them.
    so.collectors.push_back([&tailer, &live](auto& fams) {
      live->observe(now_ns(), tailer.counts());
      live->collect(fams);
    });
  }
  so.ready = [&tailer] { return exporter::readiness{tailer.ready(), tailer.ready_json()}; };
  std::optional<profile::continuous_options> profiling;
  if (!o.profile.empty()) {
    auto c = profile_options(o);
    if (!c) return fail(err, c.error().message);
    profiling = std::move(*c);
    so.pages.push_back(profile_page(o.profile));
  }
  auto server = exporter::server::start(std::move(so));
  if (!server) return fail(err, server.error().message);

  std::atomic<bool> stop{false};
  std::thread follow([&] { tailer.run(stop); });
  std::thread profiler;
  if (profiling) {
    profiler = std::thread([&] {
      auto status = profile::run_continuous(*profiling, stop, err);
      if (!status) fmt::print(err, "perftrack serve: --profile: {}\n", status.error().message);
    });
  }
  std::thread alerts;
  if (live && alerting) {
    alerts = std::thread([&] { send_alerts(*live, tailer, o, stop, err); });
  }
  fmt::print(out, "perftrack serve: http://{}:{}/metrics, following {} path(s); stop with Ctrl-C\n",
             (*server)->address(), (*server)->port(), tailer.status().size());
  out.flush();
  signals.wait(o.duration);
  stop = true;
  follow.join();  // the last poll and checkpoint
  if (alerts.joinable()) alerts.join();
  if (profiler.joinable()) profiler.join();  // perf writes its last window
  const std::uint64_t scrapes = (*server)->scrapes();
  server->reset();
  fmt::print(out, "perftrack serve: stopped after {} scrapes\n", scrapes);
  return exit_ok;
}

}  // namespace perftrack::cli::serve_command
