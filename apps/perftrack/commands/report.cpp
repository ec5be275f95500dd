#include "commands/report.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <sstream>

#include "commands/common.hpp"
#include "perftrack/report/builder.hpp"
#include "perftrack/report/mail.hpp"
#include "perftrack/report/renderer.hpp"

namespace perftrack::cli::report_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand("report", "Summarise recorded operations over a period");
  cmd->add_option("period", o.period, "monthly (30 days), weekly (7 days) or trends (--days)")
      ->required()
      ->check(CLI::IsMember({"monthly", "weekly", "trends"}));
  cmd->add_option("--file", o.files,
                  "Metrics file or directory of *.jsonl (repeatable; default: "
                  "$PERFTRACK_DIR/$PERFTRACK_FILE or memory/perf-metrics.jsonl)");
  cmd->add_option("--days", o.days, "Length of the trends window in days")
      ->check(CLI::Range(1, 36500));
  cmd->add_option("--since", o.since, "Start of the window (inclusive)")->check(time_arg);
  cmd->add_option("--until", o.until, "End of the window (exclusive; default: now)")
      ->check(time_arg);
  cmd->add_option("--now", o.now, "Fix the clock for a reproducible report")->check(time_arg);
  cmd->add_option("--format", o.format, "Output format")
      ->check(CLI::IsMember({"markdown", "json"}));
  cmd->add_option("--percentile", o.percentile,
                  "nearest-rank (ceil(q*N)-th value) or linear (numpy's default)")
      ->check(CLI::IsMember({"nearest-rank", "linear"}));
  cmd->add_option("--top", o.top, "Rows in the slowest and most frequent lists");
  cmd->add_option("--p95-ratio", o.p95_over_avg, "Degradation: p95 above this many averages")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--avg-increase", o.avg_increase,
                  "Degradation: average up by more than this fraction vs the previous period")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--error-rate", o.error_rate, "Degradation: error rate above this fraction")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-count", o.min_count,
                  "Degradation: judge only operations with at least this many records");
  cmd->add_option("--threads", o.threads, "Reader threads (0: one per core)");
  cmd->add_option("--mail-to", o.mail_to,
                  "Also e-mail the report (plain text and HTML) to this address; repeatable");
  cmd->add_option("--smtp", o.smtp, "The SMTP server for --mail-to, e.g. smtp://127.0.0.1:25");
  cmd->add_option("--mail-from", o.mail_from, "Sender of --mail-to (default perftrack@localhost)");
  return cmd;
}

namespace {

/// Sends the report as Markdown text and HTML; the report was printed already.
int mail(const options& o, const report::period_report& r, std::ostream& err) {
  if (o.smtp.empty()) return fail(err, "--mail-to needs --smtp smtp://HOST:PORT");
  std::ostringstream markdown;
  report::make_renderer("markdown")->render(r, markdown);
  const std::string subject = "perftrack " + o.period + " report";
  const report::mail_message m{o.mail_from, o.mail_to, subject, markdown.str(),
                               report::markdown_to_html(markdown.str(), subject)};
  auto sent = report::send_mail(o.smtp, m, now_ns());
  if (!sent) return fail(err, sent.error().message);
  fmt::print(err, "perftrack report: mailed to {}\n", fmt::join(o.mail_to, ", "));
  return exit_ok;
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  report::report_request req;
  req.kind = o.period == "monthly"  ? report::period_kind::monthly
             : o.period == "trends" ? report::period_kind::trends
                                    : report::period_kind::weekly;
  req.inputs = inputs_or_default(o.files);
  req.now_ns = o.now.empty() ? now_ns() : *parse_time_arg(o.now);
  req.days = o.days;
  if (!o.since.empty()) req.since_ns = parse_time_arg(o.since);
  if (!o.until.empty()) req.until_ns = parse_time_arg(o.until);
  req.method = o.percentile == "linear" ? stats::percentile_method::linear
                                        : stats::percentile_method::nearest_rank;
  req.top = o.top;
  req.thresholds = {o.p95_over_avg, o.avg_increase, o.error_rate, o.min_count};
  req.threads = o.threads;

  report::read_warnings warnings;
  const auto result = report::build_report(req, warnings);
  print_malformed(warnings, err);
  if (!result) return fail(err, result.error().message);
  report::make_renderer(o.format)->render(*result, out);
  out.flush();
  if (!out) return fail(err, "cannot write the report to standard output");
  if (!o.mail_to.empty()) return mail(o, *result, err);
  return exit_ok;
}

}  // namespace perftrack::cli::report_command
