#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack slo check|validate|rules`: the SLO baselines backtested over
/// recorded operations, judged on benchmark results, and turned into Prometheus
/// rules, their tests and Alertmanager routing (docs/slo.md).
namespace perftrack::cli::slo_command {

struct options {
  std::string slo;  ///< baselines file; empty: the built-in slo/baselines.toml
  // check
  std::vector<std::string> files;
  std::string since, until, now;
  std::string format = "markdown";
  // validate
  std::string results;
  // rules
  std::string out_dir;
  std::string slack_url, slack_channel, pagerduty_url, pagerduty_key;
};

struct commands {
  CLI::App* check = nullptr;
  CLI::App* rules = nullptr;
  CLI::App* validate = nullptr;
};

commands add(CLI::App& app, options& o);
int run(const commands& c, const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::slo_command
