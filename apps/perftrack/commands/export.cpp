#include "commands/export.hpp"

#include "commands/common.hpp"
#include "perftrack/report/exporter.hpp"

namespace perftrack::cli::export_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand("export", "Write the records of a window to stdout");
  cmd->add_option("--format", o.format, "csv (RFC 4180) or json (an array)")
      ->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--file", o.files, "Metrics file or directory of *.jsonl (repeatable)");
  cmd->add_option("--since", o.since, "Start of the window (inclusive; default: all)")
      ->check(time_arg);
  cmd->add_option("--until", o.until, "End of the window (exclusive; default: all)")
      ->check(time_arg);
  return cmd;
}

int run(const options& o, std::ostream& out, std::ostream& err) {
  report::export_request req;
  req.inputs = inputs_or_default(o.files);
  req.format = o.format == "json" ? report::export_format::json : report::export_format::csv;
  if (!o.since.empty()) req.since_ns = parse_time_arg(o.since);
  if (!o.until.empty()) req.until_ns = parse_time_arg(o.until);
  report::read_warnings warnings;
  const auto result = report::export_records(req, out, warnings);
  print_malformed(warnings, err);
  if (!result) return fail(err, result.error().message);
  out.flush();
  return out ? exit_ok : fail(err, "cannot write to standard output");
}

}  // namespace perftrack::cli::export_command
