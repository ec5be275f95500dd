#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack slo check|validate|rules|import|export`: the SLO baselines backtested over
/// recorded operations, judged on benchmark results, and turned into Prometheus
/// rules, their tests and Alertmanager routing, and read from and written as
/// OpenSLO v1 (docs/slo.md).
namespace perftrack::cli::slo_command {

struct options {
  std::string slo;  ///< baselines file; empty: the built-in slo/baselines.toml
  // check
  std::vector<std::string> files;
  std::string since, until, now;
  std::string format = "markdown";
  // validate
  std::string results;
  // import, export
  std::string openslo_in;
  std::string out_file;  ///< empty: standard output
  // rules
  std::string out_dir;
  std::string slack_url, slack_channel, pagerduty_url, pagerduty_key;
};

struct commands {
  CLI::App* check = nullptr;
  CLI::App* rules = nullptr;
  CLI::App* validate = nullptr;
  CLI::App* import = nullptr;
  CLI::App* export_ = nullptr;
  bool parsed() const {
    return check->parsed() || rules->parsed() || validate->parsed() || import->parsed() ||
           export_->parsed();
  }
};

commands add(CLI::App& app, options& o);
int run(const commands& c, const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::slo_command
