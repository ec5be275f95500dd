#include "commands/slo.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <fstream>
#include <sstream>

#include "commands/common.hpp"
#include "perftrack/gate/baseline.hpp"
#include "perftrack/slo/backtest.hpp"
#include "perftrack/slo/openslo.hpp"
#include "perftrack/slo/rules.hpp"
#include "perftrack/slo/validate.hpp"

namespace perftrack::cli::slo_command {
namespace {

expected<slo::objective_set> baselines(const options& o) {
  return o.slo.empty() ? slo::default_objectives() : slo::load_objectives(o.slo);
}

int check(const options& o, std::ostream& out, std::ostream& err) {
  auto set = baselines(o);
  if (!set) return fail(err, set.error().message);
  slo::check_options c;
  for (const auto& f : inputs_or_default(o.files)) c.files.push_back(f);
  if (!o.since.empty()) c.since_ns = parse_time_arg(o.since);
  if (!o.until.empty()) c.until_ns = parse_time_arg(o.until);
  if (!o.now.empty()) c.now_ns = parse_time_arg(o.now);
  auto report = slo::run_check(*set, c);
  if (!report) return fail(err, report.error().message);
  if (report->malformed != 0) {
    fmt::print(err, "warning: skipped {} malformed lines (perftrack report names them)\n",
               report->malformed);
  }
  out << (o.format == "json" ? slo::render_json(*report) : slo::render_markdown(*report));
  return report->failing() ? exit_failure : exit_ok;
}

int validate(const options& o, std::ostream& out, std::ostream& err) {
  auto set = baselines(o);
  if (!set) return fail(err, set.error().message);
  auto results = gate::load_results(o.results);
  if (!results) return fail(err, results.error().message);
  const slo::validation v = slo::validate(*set, *results);
  out << (o.format == "json" ? slo::render_json(v) : slo::render_markdown(v));
  return v.failing() ? exit_failure : exit_ok;
}

int write_file(const std::filesystem::path& path, const std::string& text, std::ostream& err) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f)
    return fail(err,
                fmt::format("cannot write {} (is --out a writable directory?)", path.string()));
  return exit_ok;
}

/// Standard output, or --out written whole (aside, then renamed).
int emit(const options& o, const std::string& text, std::ostream& out, std::ostream& err) {
  if (o.out_file.empty()) {
    out << text;
    return exit_ok;
  }
  if (auto w = gate::write_file_atomically(o.out_file, text); !w)
    return fail(err, w.error().message);
  fmt::print(err, "wrote {}\n", o.out_file);
  return exit_ok;
}

int export_openslo(const options& o, std::ostream& out, std::ostream& err) {
  auto set = baselines(o);
  if (!set) return fail(err, set.error().message);
  return emit(o, slo::export_openslo(*set), out, err);
}

int import_openslo(const options& o, std::ostream& out, std::ostream& err) {
  std::ifstream in(o.openslo_in, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return fail(err, fmt::format("cannot read {}", o.openslo_in));
  auto imported = slo::import_openslo(text.str(), o.openslo_in);
  if (!imported) return fail(err, imported.error().message);
  for (const auto& note : imported->notes) fmt::print(err, "note: {}\n", note);
  fmt::print(err, "imported {} objectives; use them with --slo FILE\n", imported->objectives);
  return emit(o, imported->toml, out, err);
}

int rules(const options& o, std::ostream& out, std::ostream& err) {
  auto set = baselines(o);
  if (!set) return fail(err, set.error().message);
  slo::receivers to;
  if (!o.slack_url.empty()) to.slack_url = o.slack_url;
  if (!o.slack_channel.empty()) to.slack_channel = o.slack_channel;
  if (!o.pagerduty_url.empty()) to.pagerduty_url = o.pagerduty_url;
  if (!o.pagerduty_key.empty()) to.pagerduty_key = o.pagerduty_key;
  const slo::rule_files files = slo::generate_rules(*set, to);
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) return fail(err, fmt::format("cannot create {}: {}", o.out_dir, ec.message()));
  const std::filesystem::path dir(o.out_dir);
  const std::pair<const char*, const std::string*> outputs[] = {
      {"rules.yml", &files.rules},
      {"rules_test.yml", &files.rules_test},
      {"alertmanager.yml", &files.alertmanager}};
  for (const auto& [name, text] : outputs) {
    if (const int rc = write_file(dir / name, *text, err); rc != exit_ok) return rc;
    fmt::print(out, "wrote {}\n", (dir / name).string());
  }
  fmt::print(out,
             "check them: promtool check rules {0}/rules.yml; promtool test rules "
             "{0}/rules_test.yml; amtool check-config {0}/alertmanager.yml\n",
             o.out_dir);
  return exit_ok;
}

}  // namespace

commands add(CLI::App& app, options& o) {
  CLI::App* slo = app.add_subcommand(
      "slo", "Service-level objectives: backtest, benchmark validation, Prometheus rules, OpenSLO");
  slo->require_subcommand(1);
  const auto baselines_option = [&o](CLI::App* cmd) {
    cmd->add_option("--slo", o.slo,
                    "Baselines file (TOML, docs/slo.md); default: the built-in slo/baselines.toml")
        ->check(CLI::ExistingFile);
  };
  commands c;
  c.check = slo->add_subcommand(
      "check",
      "Backtest: compliance, error budget, burn rates and when each tier would have fired");
  baselines_option(c.check);
  c.check->add_option("--file", o.files, "Metrics file or directory of *.jsonl (repeatable)");
  c.check->add_option("--since", o.since, "Ignore records before this time")->check(time_arg);
  c.check->add_option("--until", o.until, "Ignore records after this time")->check(time_arg);
  c.check
      ->add_option("--now", o.now,
                   "Evaluate as of this time (default: --until, else the last record)")
      ->check(time_arg);
  c.check->add_option("--format", o.format, "markdown or json")
      ->check(CLI::IsMember({"markdown", "json"}));
  c.validate = slo->add_subcommand(
      "validate",
      "Judge benchmark results (perftrack bench, Google Benchmark, pytest-benchmark) against "
      "the baselines that name benchmarks");
  baselines_option(c.validate);
  c.validate->add_option("--results", o.results, "Results file")
      ->required()
      ->check(CLI::ExistingFile);
  c.validate->add_option("--format", o.format, "markdown or json")
      ->check(CLI::IsMember({"markdown", "json"}));
  c.export_ = slo->add_subcommand("export", "Write the baselines as OpenSLO v1 YAML");
  baselines_option(c.export_);
  c.export_->add_option("--out", o.out_file, "File to write (default: standard output)");
  c.import = slo->add_subcommand(
      "import", "Read OpenSLO v1 YAML (SLO, SLI, DataSource documents) as a baselines file");
  c.import->add_option("file", o.openslo_in, "OpenSLO YAML file")
      ->required()
      ->check(CLI::ExistingFile);
  c.import->add_option("--out", o.out_file, "Baselines file to write (default: standard output)");
  c.rules = slo->add_subcommand(
      "rules",
      "Write rules.yml, rules_test.yml and alertmanager.yml for Prometheus and Alertmanager");
  baselines_option(c.rules);
  c.rules->add_option("--out", o.out_dir, "Directory to write the three files into")->required();
  c.rules->add_option("--slack-url", o.slack_url,
                      "Slack incoming-webhook URL for error and warning");
  c.rules->add_option("--slack-channel", o.slack_channel,
                      "Slack channel (default #perftrack-alerts)");
  c.rules->add_option("--pagerduty-url", o.pagerduty_url,
                      "PagerDuty Events API v2 URL for critical");
  c.rules->add_option("--pagerduty-key", o.pagerduty_key, "PagerDuty routing key");
  return c;
}

int run(const commands& c, const options& o, std::ostream& out, std::ostream& err) {
  if (c.check->parsed()) return check(o, out, err);
  if (c.rules->parsed()) return rules(o, out, err);
  if (c.validate->parsed()) return validate(o, out, err);
  if (c.export_->parsed()) return export_openslo(o, out, err);
  if (c.import->parsed()) return import_openslo(o, out, err);
  return exit_error;
}

}  // namespace perftrack::cli::slo_command
