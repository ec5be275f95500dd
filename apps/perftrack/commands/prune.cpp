#include "commands/prune.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "commands/common.hpp"
#include "perftrack/reader/scanner.hpp"
#include "perftrack/store/prune.hpp"

namespace perftrack::cli::prune_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "prune", "Remove records older than a given age (safe while trackers append)");
  cmd->add_option("--older-than", o.older_than, "Age like 90d, 2w, 12h")
      ->required()
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return parse_duration_arg(v)
                       ? ""
                       : "'" + v + "' is not an age: use 90d, 2w, 12h, 30m or 45s";
          },
          "AGE"));
  cmd->add_option("--file", o.files, "Metrics file or directory of *.jsonl (repeatable)");
  cmd->add_option("--now", o.now, "Fix the clock")->check(time_arg);
  return cmd;
}

int run(const options& o, std::ostream& out, std::ostream& err) {
  const std::int64_t now = o.now.empty() ? now_ns() : *parse_time_arg(o.now);
  const std::int64_t cutoff = now - *parse_duration_arg(o.older_than);
  const auto inputs = inputs_or_default(o.files);
  std::error_code ec;
  std::filesystem::path failed;
  const auto files = reader::expand_inputs(inputs, ec, failed);
  if (ec) {
    return fail(err, "cannot read " + failed.string() + ": " + ec.message() +
                         " (pass an existing file or directory with --file)");
  }
  int status = exit_ok;
  for (const auto& file : files) {
    const auto r = store::prune(file, cutoff, ec);
    if (ec) {
      status = fail(err, "cannot prune " + file.string() + ": " + ec.message() +
                             " (the file is left as it was)");
      continue;
    }
    fmt::print(out, "{}: removed {} records, kept {} ({} -> {} bytes)\n", file.string(), r.removed,
               r.kept, r.bytes_before, r.bytes_after);
  }
  return status;
}

}  // namespace perftrack::cli::prune_command
