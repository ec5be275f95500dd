#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack dashboard`: the run history as one offline HTML file
/// (docs/dashboard.md).
namespace perftrack::cli::dashboard_command {

struct options {
  std::string baseline_dir;
  std::string history;               ///< a history file or PostgreSQL URL instead of DIR/history.db
  std::vector<std::string> files;    ///< recorded operations (JSONL files or directories)
  std::vector<std::string> results;  ///< results files: runs to compare
  std::string out = "perftrack-dashboard.html";
  std::string since, until;  ///< recorded operations outside are left out
  std::string markdown;      ///< also write the numbers as Markdown here (charts beside it)
  std::string commit_url_template;
  std::size_t limit = 100000;
};

CLI::App* add(CLI::App& app, options& o);
int run(const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::dashboard_command
