#include "commands/dashboard.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <filesystem>

#include "commands/common.hpp"
#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/gate/baseline.hpp"
#include "perftrack/profile/profile.hpp"

namespace perftrack::cli::dashboard_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "dashboard", "Write the run history as one HTML file that works offline (docs/dashboard.md)");
  add_history_location(cmd, o.baseline_dir, o.history);
  cmd->add_option("--file", o.files,
                  "Recorded operations: a JSONL file or a directory of them (repeatable)");
  cmd->add_option("--results", o.results,
                  "A benchmark results file to compare (repeatable; perftrack, Google Benchmark or "
                  "pytest-benchmark JSON)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o.out, "The HTML file to write (default perftrack-dashboard.html)");
  cmd->add_option("--since", o.since, "Leave out runs and recorded operations before this time")
      ->check(time_arg);
  cmd->add_option("--until", o.until, "Leave out runs and recorded operations after this time")
      ->check(time_arg);
  cmd->add_option("--markdown", o.markdown,
                  "Also write the numbers as Markdown, its SVG charts in FILE's stem + -charts/");
  cmd->add_option("--commit-url-template", o.commit_url_template,
                  "Link commits: {sha} becomes the commit (https://host/repo/commit/{sha})");
  cmd->add_option("--limit", o.limit, "The latest runs to show (default all)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  return cmd;
}

namespace {

/// FILE.md, and its charts in FILE-charts/ beside it (each written whole).
int write_markdown(const std::string& file, const dashboard::page_data& data, std::ostream& out,
                   std::ostream& err) {
  const std::filesystem::path md(file);
  const std::string dir_name = md.stem().string() + "-charts";
  const auto rendered = dashboard::render_markdown(data, dir_name);
  const auto dir = md.parent_path() / dir_name;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(err, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  for (const auto& [name, svg] : rendered.svgs) {
    if (auto w = gate::write_file_atomically(dir / name, svg, gate::durability::regenerable); !w)
      return fail(err, w.error().message);
  }
  if (auto w = gate::write_file_atomically(md, rendered.markdown, gate::durability::regenerable);
      !w)
    return fail(err, w.error().message);
  fmt::print(out, "wrote {} and {} charts in {}\n", file, rendered.svgs.size(), dir.string());
  return exit_ok;
}

/// For each benchmark profiled in at least two compared runs, one page of
/// differential flame graphs between any two of them, beside the page in
/// <page>-profiles/, linked from the compare table. A profile that cannot be
/// read is a note, and its run is left out of the page.
void add_profile_diffs(dashboard::comparison_view& c, const std::filesystem::path& page,
                       std::vector<std::string>& notes) {
  std::map<std::string, std::vector<std::size_t>> runs_of;  // benchmark -> runs profiling it
  for (std::size_t r = 0; r < c.runs.size(); ++r)
    for (const auto& [benchmark, dir] : c.runs[r].profiles) runs_of[benchmark].push_back(r);
  const std::string folder = page.stem().string() + "-profiles";
  for (const auto& [benchmark, runs] : runs_of) {
    if (runs.size() < 2) continue;
    std::vector<profile::run_profile> profiles;
    for (const auto r : runs) {
      auto p = profile::read_profile(c.runs[r].profiles.at(benchmark));
      if (!p) {
        notes.push_back(fmt::format("{} of {} left out of its differential flame graphs: {}",
                                    benchmark, c.runs[r].label, p.error().message));
        continue;
      }
      profiles.push_back({c.runs[r].label, r, std::move(*p)});
    }
    if (profiles.size() < 2) continue;
    const std::string file = profile::file_name_of(benchmark) + ".diff.html";
    auto w = profile::write_files(page.parent_path() / folder,
                                  {{file, profile::runs_diff_html(profiles, benchmark)}});
    if (!w) {
      notes.push_back(w.error().message);
      continue;
    }
    c.diffs.push_back({benchmark, folder + "/" + file});
  }
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  if (o.baseline_dir.empty() && o.history.empty() && o.files.empty() && o.results.empty()) {
    return fail(err,
                "say what to show: --baseline-dir DIR or --history FILE|URL (the run history), "
                "--results FILE (runs to compare), --file JSONL (recorded operations), or several");
  }
  std::string location = o.history;
  if (location.empty() && !o.baseline_dir.empty())
    location = gate::baseline_dir(o.baseline_dir).history_file().string();
  std::error_code ec;
  if (!location.empty() && location.rfind("postgres", 0) != 0 &&
      !std::filesystem::exists(location, ec)) {
    return fail(err, location + ": no history there: perftrack compare --history " + location +
                         " (or --baseline-dir DIR) records each run");
  }
  dashboard::options d;
  d.history = location;
  d.files.assign(o.files.begin(), o.files.end());
  d.results.assign(o.results.begin(), o.results.end());
  if (!o.since.empty()) d.since_ns = parse_time_arg(o.since);
  if (!o.until.empty()) d.until_ns = parse_time_arg(o.until);
  d.limit = o.limit;
  d.commit_url_template = o.commit_url_template;
  d.now_ns = now_ns();
  auto data = dashboard::collect(d);
  if (!data) return fail(err, data.error().message);
  if (data->comparison)
    add_profile_diffs(*data->comparison, std::filesystem::absolute(o.out), data->notes);
  if (auto w = gate::write_file_atomically(o.out, dashboard::render_html(*data, d),
                                           gate::durability::regenerable);
      !w)
    return fail(err, w.error().message);
  if (!o.markdown.empty()) {
    if (const int rc = write_markdown(o.markdown, *data, out, err); rc != exit_ok) return rc;
  }
  fmt::print(out,
             "wrote {}: {} runs, {} benchmark metrics, {} steps, {} results files, {} operations\n",
             o.out, data->runs.size(), data->trends.size(), data->changes.size(),
             data->comparison ? data->comparison->runs.size() : 0,
             data->operations ? data->operations->list.size() : 0);
  for (const auto& n : data->notes) fmt::print(err, "note: {}\n", n);
  return exit_ok;
}

}  // namespace perftrack::cli::dashboard_command
