#include "commands/swarm.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "commands/common.hpp"
#include "perftrack/coord/swarm.hpp"
#include "perftrack/exporter/collectors.hpp"
#include "perftrack/exporter/server.hpp"

namespace perftrack::cli::swarm_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "swarm", "Run a multi-agent workload on the coordination service, recording every operation");
  cmd->add_option("--agents", o.agents, "Agents in all processes")->check(CLI::Range(1, 1024));
  cmd->add_option("--duration", o.duration, "How long, e.g. 10s, 2m")->check(duration_arg);
  cmd->add_option("--processes", o.processes, "Processes sharing the agents and the store")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--store", o.store,
                  "sqlite:PATH (default sqlite:memory/coord.db) or postgresql://user@host:port/db");
  cmd->add_option("--workers", o.workers, "Actor workers per process (default: one per core)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--seed", o.seed, "Seed of the workload's random choices");
  cmd->add_option("--first-agent", o.first_agent,
                  "Name the agents agent-N, agent-N+1, ... (default 0); programs sharing a store "
                  "need ids of their own: an id belongs to the program that registered it")
      ->check(CLI::Range(0, 1'000'000));
  cmd->add_option("--metrics-port", o.metrics_port,
                  "Serve live metrics for Prometheus on 127.0.0.1:PORT while the swarm runs "
                  "(/metrics, /health, /ready; with --processes N, process i uses PORT+i)");
  return cmd;
}

namespace {

using exposition::metric_type;

/// The swarm's live counters as families (docs/serve.md).
exporter::collector swarm_collector(const coord::swarm_live& live) {
  return [&live](std::vector<exposition::family>& out) {
    const auto value = [](const auto& a) {
      return static_cast<double>(a.load(std::memory_order_relaxed));
    };
    out.push_back(exposition::single("system_active_agents", "Agents registered and running.",
                                     metric_type::gauge, value(live.agents_active)));
    out.push_back(exposition::single("agent_tasks_completed_total", "Tasks finished as done.",
                                     metric_type::counter, value(live.tasks_completed)));
    out.push_back(exposition::single("agent_tasks_failed_total", "Tasks finished as failed.",
                                     metric_type::counter, value(live.tasks_failed)));
    out.push_back(
        exposition::single("agent_mailbox_messages",
                           "Messages waiting in the agents' mailboxes (sampled every 50 ms).",
                           metric_type::gauge, value(live.mailbox_messages)));
    out.push_back(
        exposition::single("agent_mailbox_max_messages",
                           "Messages waiting in the deepest agent mailbox (sampled every 50 ms).",
                           metric_type::gauge, value(live.mailbox_deepest)));
    out.push_back(exposition::single(
        "agent_mailbox_oldest_message_age_seconds",
        "How long the oldest message in any agent mailbox has waited (sampled every 50 ms).",
        metric_type::gauge, value(live.mailbox_oldest_wait_ns) / 1e9, "seconds"));
    out.push_back(exposition::single("agent_elections_won_total",
                                     "Leader elections this process's agents won.",
                                     metric_type::counter, value(live.elections_won)));
  };
}

/// Starts the exporter of a swarm process, or returns null when --metrics-port is off.
expected<std::unique_ptr<exporter::server>> serve_metrics(std::uint16_t port, tracker& t,
                                                          const coord::swarm_live& live) {
  if (port == 0) return std::unique_ptr<exporter::server>{};
  return exporter::server::start(
      {.port = port,
       .port_flag = "--metrics-port",
       .collectors = {exporter::tracker_collector(t), exporter::process_collector(),
                      swarm_collector(live)}});
}

// Runs this process's share and prints its line; returns an exit code.
int run_share(const options& o, int process, int first, int count, std::ostream& out,
              std::ostream& err) {
  tracker t(tracker_options::from_environment());
  coord::swarm_options so;
  so.agents = count;
  so.first_agent = first;
  so.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::nanoseconds(*parse_duration_arg(o.duration)));
  so.store_url = o.store;
  so.seed = o.seed;
  so.workers = o.workers;
  coord::swarm_live live;
  so.live = &live;
  const auto port = static_cast<std::uint16_t>(o.metrics_port == 0 ? 0 : o.metrics_port + process);
  auto metrics = serve_metrics(port, t, live);
  if (!metrics) return fail(err, metrics.error().message);
  const auto r = coord::run_swarm(so, t);
  t.flush();
  if (!r) return fail(err, r.error().message);
  const auto c = t.counters();
  fmt::print(out,
             "swarm pid {}: {} agents, {} operations ({} failed), {} tasks completed, "
             "{} elections won; {} records written to {}, {} dropped\n",
             ::getpid(), count, r->operations, r->failures, r->tasks_completed, r->elections_won,
             c.written, t.options().file_path().string(), c.dropped());
  out.flush();
  return exit_ok;
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  if (o.processes > o.agents) return fail(err, "--processes must not exceed --agents");
  if (o.store.starts_with("sqlite:")) {
    const std::filesystem::path db(o.store.substr(7));
    std::error_code ec;
    if (db.has_parent_path()) std::filesystem::create_directories(db.parent_path(), ec);
  }
  if (o.processes == 1) return run_share(o, 0, o.first_agent, o.agents, out, err);

  out.flush();
  std::vector<pid_t> kids;
  int first = o.first_agent;
  for (int p = 0; p < o.processes; ++p) {
    const int count = o.agents / o.processes + (p < o.agents % o.processes ? 1 : 0);
    const pid_t pid = ::fork();
    if (pid < 0) return fail(err, "cannot start another process (fork failed)");
    if (pid == 0) {
      const int code = run_share(o, p, first, count, out, err);
      out.flush();
      err.flush();
      ::_exit(code);
    }
    kids.push_back(pid);
    first += count;
  }
  int status_all = exit_ok;
  for (const pid_t pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) status_all = exit_error;
  }
  if (status_all != exit_ok) return fail(err, "a swarm process failed (see above)");
  return exit_ok;
}

}  // namespace perftrack::cli::swarm_command
