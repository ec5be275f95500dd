#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack report monthly|weekly|trends`: statistics of a period.
namespace perftrack::cli::report_command {

struct options {
  std::string period;  ///< monthly, weekly, trends
  std::vector<std::string> files;
  std::int64_t days = 90;
  std::string since;
  std::string until;
  std::string now;
  std::string format = "markdown";
  std::string percentile = "nearest-rank";
  std::size_t top = 10;
  double p95_over_avg = 2.0;
  double avg_increase = 0.20;
  double error_rate = 0.01;
  std::uint64_t min_count = 1;
  unsigned threads = 0;
  std::vector<std::string> mail_to;  ///< also send the report to these addresses
  std::string smtp;                  ///< smtp://host:port
  std::string mail_from = "perftrack@localhost";
};

/// Declares the subcommand and its flags on `app`, bound to `o`.
CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::report_command
