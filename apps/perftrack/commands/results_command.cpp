#include "commands/results_command.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string_view>

namespace perftrack::cli {
namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
    text.replace(at, from.size(), to);
  return text;
}

std::string shell_quote(const std::string& s) { return "'" + replace_all(s, "'", "'\\''") + "'"; }

}  // namespace

expected<gate::result_set> run_results_command(const std::string& command,
                                               const std::string& filter,
                                               const std::filesystem::path& out_file,
                                               const std::string& who, std::ostream& err) {
  std::error_code ec;
  std::filesystem::remove(out_file, ec);
  const std::string cmd = replace_all(replace_all(command, "{out}", shell_quote(out_file.string())),
                                      "{filter}", shell_quote(filter));
  fmt::print(err, "{}: {}\n", who, cmd);
  err.flush();
  const int status = std::system(cmd.c_str());
  if (status == -1 || !WIFEXITED(status))
    return failure{"`" + cmd + "` did not finish (killed by a signal?)"};
  if (!std::filesystem::exists(out_file))
    return failure{"`" + cmd + "` exited with " + std::to_string(WEXITSTATUS(status)) +
                   " and wrote no results to " + out_file.string() +
                   ": put {out} where the command takes its results path"};
  return gate::load_results(out_file);
}

std::string name_regex(const std::set<std::string>& names) {
  std::string re = "^(";
  bool first = true;
  for (const auto& n : names) {
    if (!first) re += '|';
    first = false;
    for (const char c : n) {
      if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) re += '\\';
      re += c;
    }
  }
  return re + ")$";
}

}  // namespace perftrack::cli
