// perftrack: record, report and gate the performance of multi-agent systems.

#include <CLI/CLI.hpp>
#include <iostream>

#include "commands/ab.hpp"
#include "commands/bench.hpp"
#include "commands/common.hpp"
#include "commands/compare.hpp"
#include "commands/count.hpp"
#include "commands/dashboard.hpp"
#include "commands/export.hpp"
#include "commands/gateway.hpp"
#include "commands/history.hpp"
#include "commands/profile.hpp"
#include "commands/prune.hpp"
#include "commands/report.hpp"
#include "commands/serve.hpp"
#include "commands/slo.hpp"
#include "commands/swarm.hpp"
#include "commands/top.hpp"
#include "perftrack/bench/environment.hpp"

int main(int argc, char** argv) {
  using namespace perftrack::cli;
  CLI::App app{"perftrack: performance tracking for multi-agent systems"};
  app.set_version_flag("--version", std::string("perftrack ") + perftrack::bench::version());
  app.require_subcommand(1);

  report_command::options report;
  export_command::options exports;
  prune_command::options prune;
  swarm_command::options swarm;
  bench_command::options bench;
  gateway_command::options gateway;
  compare_command::options compare;
  history_command::options history;
  dashboard_command::options dashboard;
  ab_command::options ab;
  count_command::options count;
  serve_command::options serve;
  slo_command::options slo;
  top_command::options top;
  profile_command::options profile;
  CLI::App* report_cmd = report_command::add(app, report);
  CLI::App* export_cmd = export_command::add(app, exports);
  CLI::App* prune_cmd = prune_command::add(app, prune);
  CLI::App* swarm_cmd = swarm_command::add(app, swarm);
  CLI::App* bench_cmd = bench_command::add(app, bench);
  CLI::App* gateway_cmd = gateway_command::add(app, gateway);
  CLI::App* compare_cmd = compare_command::add(app, compare);
  CLI::App* history_cmd = history_command::add(app, history);
  CLI::App* dashboard_cmd = dashboard_command::add(app, dashboard);
  CLI::App* ab_cmd = ab_command::add(app, ab);
  CLI::App* count_cmd = count_command::add(app, count);
  CLI::App* serve_cmd = serve_command::add(app, serve);
  CLI::App* top_cmd = top_command::add(app, top);
  const slo_command::commands slo_cmds = slo_command::add(app, slo);
  const profile_command::commands profile_cmds = profile_command::add(app, profile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_error;
  }
  if (report_cmd->parsed()) return report_command::run(report, std::cout, std::cerr);
  if (export_cmd->parsed()) return export_command::run(exports, std::cout, std::cerr);
  if (prune_cmd->parsed()) return prune_command::run(prune, std::cout, std::cerr);
  if (swarm_cmd->parsed()) return swarm_command::run(swarm, std::cout, std::cerr);
  if (bench_cmd->parsed()) return bench_command::run(bench, std::cout, std::cerr);
  if (gateway_cmd->parsed()) return gateway_command::run(gateway, std::cout, std::cerr);
  if (compare_cmd->parsed()) return compare_command::run(compare, std::cout, std::cerr);
  if (history_cmd->parsed()) return history_command::run(history, std::cout, std::cerr);
  if (dashboard_cmd->parsed()) return dashboard_command::run(dashboard, std::cout, std::cerr);
  if (count_cmd->parsed()) return count_command::run(count, std::cout, std::cerr);
  if (ab_cmd->parsed()) return ab_command::run(ab, std::cout, std::cerr);
  if (serve_cmd->parsed()) return serve_command::run(serve, std::cout, std::cerr);
  if (top_cmd->parsed()) return top_command::run(top, std::cout, std::cerr);
  if (slo_cmds.parsed()) return slo_command::run(slo_cmds, slo, std::cout, std::cerr);
  if (profile_cmds.parsed())
    return profile_command::run(profile_cmds, profile, std::cout, std::cerr);
  return exit_error;
}
