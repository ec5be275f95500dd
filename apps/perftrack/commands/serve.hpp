#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack serve`: a Prometheus exporter for metrics files written by any
/// tracker (docs/serve.md), until SIGINT or SIGTERM (or --duration).
namespace perftrack::cli::serve_command {

struct options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 9090;
  std::vector<std::string> files;
  std::string state;
  std::size_t max_series = 2000;
  std::string poll_interval = "100ms";
  std::string duration;       ///< empty: until a signal
  std::string slo;            ///< baselines to evaluate live; "default": the built-in ones
  std::string alertmanager;   ///< post the holding tiers there (with --slo)
  std::string webhook;        ///< post changes of the tiers there (with --slo)
  std::string slack_webhook;  ///< a Slack incoming webhook for the changes (with --slo)
  std::string pagerduty_url = "https://events.pagerduty.com/v2/enqueue";
  std::string pagerduty_key;                ///< with --slo: send changes to PagerDuty Events API v2
  std::string evaluation_interval = "15s";  ///< how often --slo is evaluated for alerts
  std::string profile;                      ///< continuous profiling's ring folder; empty: none
  int profile_pid = 0;                      ///< 0: every CPU
  std::string profile_window = "10s", profile_keep = "1h";
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::serve_command
