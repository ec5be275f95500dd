#include "commands/profile.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>
#include <tuple>

#include "commands/common.hpp"
#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/profile/capture.hpp"
#include "perftrack/profile/continuous.hpp"
#include "perftrack/profile/profile.hpp"
#include "perftrack/profile/spans.hpp"

namespace perftrack::cli::profile_command {

commands add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "profile", "CPU profiles: folded stacks, flame graphs, pprof, speedscope (docs/profile.md)");
  cmd->require_subcommand(1);
  commands c;
  // cpu and offcpu take the same options.
  const auto sampled = [&](const char* name, const char* what) {
    CLI::App* sub = cmd->add_subcommand(name, what);
    sub->add_option("--hz", o.hz, "Samples a second per CPU (default 99; 19 with --continuous)")
        ->check(CLI::Range(1u, 10000u));
    sub->add_option("--out", o.out, "The folder for the outputs (default perftrack-profile)");
    sub->add_option("--pid", o.pid, "Attach to this process instead of running a command");
    sub->add_option("--duration", o.duration,
                    "With --pid: seconds to sample (default 10); with --continuous: stop after "
                    "this many seconds")
        ->check(CLI::Range(0.01, 86400.0));
    sub->add_option("--call-graph", o.call_graph,
                    "fp, dwarf, or auto: frame pointers, DWARF when most stacks are truncated")
        ->check(CLI::IsMember({"auto", "fp", "dwarf"}));
    sub->add_option("--title", o.title, "The flame graph's title (default: the command)");
    sub->add_option("command", o.command, "The command to profile, after --");
    return sub;
  };
  c.cpu = sampled(
      "cpu", "Sample on-CPU stacks with Linux perf (cpu-clock): -- COMMAND ARGS... or --pid PID");
  c.cpu->add_flag("--region-only", o.region_only,
                  "Start with sampling off: the command switches it on and off around what it "
                  "measures (perftrack::profile::perf_region; docs/profile.md)");
  c.cpu->add_flag("--continuous", o.continuous,
                  "Keep a ring of per-window profiles in --out/windows/ (every CPU when neither "
                  "a command nor --pid is given) until the end or a signal; then scope.html");
  c.cpu->add_option("--window", o.window,
                    "With --continuous: one profile per window (default 10s)");
  c.cpu->add_option("--keep", o.keep, "With --continuous: how much to keep (default 1h)");
  c.offcpu =
      sampled("offcpu", "Time blocked by stack (sched_switch): -- COMMAND ARGS... or --pid PID");
  c.heap = cmd->add_subcommand(
      "heap", "Allocations, peak and leaks by stack with heaptrack: -- COMMAND ARGS...");
  c.heap->add_option("--out", o.out, "The folder for the outputs (default perftrack-profile)");
  c.heap->add_option("--title", o.title, "The flame graphs' title (default: the command)");
  c.heap->add_option("command", o.command, "The command to profile, after --")->required();
  c.render = cmd->add_subcommand(
      "render", "Write the outputs of a folded-stacks file (perftrack's, flamegraph.pl's)");
  c.render->add_option("folded", o.folded, "The folded stacks")->required();
  c.render->add_option("--out", o.out, "The folder for the outputs (default perftrack-profile)");
  c.render->add_option("--title", o.title, "The flame graph's title (default: the file)");
  c.diff = cmd->add_subcommand(
      "diff", "A differential flame graph of two profiles: frames coloured by their change");
  c.diff->add_option("base", o.base, "The base: a folded file or a profile folder")->required();
  c.diff->add_option("head", o.head, "The head: a folded file or a profile folder")->required();
  c.diff->add_option("--out", o.out, "The folder for the outputs (default perftrack-profile)");
  c.diff->add_option("--title", o.title, "The title (default: base vs head)");
  // latency and spans read recorded operations the same way.
  const auto recorded = [&](const char* name, const char* what) {
    CLI::App* sub = cmd->add_subcommand(name, what);
    sub->add_option("--file", o.files, "Recorded operations: a JSONL file or a directory")
        ->required();
    sub->add_option("--operation", o.operation, "Only this operation (default: every one)");
    sub->add_option("--out", o.out, "The folder for the outputs (default perftrack-profile)");
    return sub;
  };
  c.latency =
      recorded("latency", "Latency heat maps and histograms of recorded operations (HTML and SVG)");
  c.scope = cmd->add_subcommand(
      "scope",
      "A continuous profile's heat map (scope.html); with --from/--to, that range's outputs");
  c.scope->add_option("dir", o.dir, "The folder of perftrack profile cpu --continuous")->required();
  c.scope->add_option("--from", o.from, "From this time (ISO 8601; default: the first sample)");
  c.scope->add_option("--to", o.to, "To this time (ISO 8601; default: the last sample)");
  c.scope->add_option("--out", o.out, "The folder for the outputs (default: dir)");
  c.scope->add_option("--title", o.title, "The title (default: the folder)");
  c.spans = recorded(
      "spans", "Recorded operations on a timeline: speedscope's evented profile, per session");
  c.spans->add_option("--most", o.most, "At most this many spans, the earliest (default 200000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}));
  return c;
}

namespace {

int write_all(const perftrack::profile::profile& p, const options& o, const std::string& title,
              std::ostream& out, std::ostream& err) {
  auto written = perftrack::profile::write_outputs(p, o.out, title);
  if (!written) return fail(err, written.error().message);
  out << fmt::format("wrote {} {} ({} unwinding, {:.1f}% truncated) to {}/: ", p.samples(),
                     p.sample_type, p.unwinding.empty() ? "unknown" : p.unwinding,
                     p.samples() == 0 ? 0.0
                                      : 100.0 * static_cast<double>(p.truncated) /
                                            static_cast<double>(p.samples()),
                     o.out);
  for (std::size_t i = 0; i < written->size(); ++i)
    out << (i == 0 ? "" : ", ") << (*written)[i].filename().string();
  out << '\n';
  return exit_ok;
}

std::atomic<bool> stop_requested{false};
extern "C" void stop_continuous(int) { stop_requested = true; }

/// scope.html of `t` into `dir`, and with a range the usual outputs.
int write_scope(const perftrack::profile::timeline& t, const std::string& dir,
                const std::string& title, bool range, std::ostream& out, std::ostream& err) {
  if (t.samples.empty())
    return fail(err, "no sample in that time: see scope.html for when there are");
  std::vector<std::pair<std::string, std::string>> files = {
      {"scope.html", perftrack::profile::scope_html(t, title)}};
  if (auto w = perftrack::profile::write_files(dir, files); !w) return fail(err, w.error().message);
  out << fmt::format("wrote {}/scope.html: {} samples\n", dir, t.samples.size());
  if (!range) return exit_ok;
  options sub;
  sub.out = dir;
  return write_all(perftrack::profile::timeline_profile(t), sub, title, out, err);
}

/// cpu --continuous: windows until the end, a signal or --duration; then scope.html.
int run_continuous(const options& o, std::ostream& out, std::ostream& err) {
  if (o.pid > 0 && !o.command.empty())
    return fail(err, "give a command after --, or --pid, not both");
  const auto window = parse_duration_arg(o.window), keep = parse_duration_arg(o.keep);
  if (!window || *window < 1'000'000'000)
    return fail(err,
                fmt::format("--window {}: give whole seconds, at least 1s (e.g. 10s)", o.window));
  if (!keep || *keep < *window)
    return fail(err,
                fmt::format("--keep {}: give a duration at least the window (e.g. 1h)", o.keep));
  perftrack::profile::continuous_options c;
  c.hz = o.hz > 0 ? o.hz : 19;
  c.window = std::chrono::milliseconds(*window / 1'000'000);
  c.keep = std::chrono::milliseconds(*keep / 1'000'000);
  c.command = o.command;
  if (o.pid > 0) c.pid = o.pid;
  c.dir = o.out;
  std::signal(SIGINT, stop_continuous);
  std::signal(SIGTERM, stop_continuous);
  std::jthread timer;
  if (o.duration > 0) {
    timer = std::jthread([d = o.duration](std::stop_token token) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(d);
      while (!token.stop_requested() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      stop_requested = true;
    });
  }
  auto status = perftrack::profile::run_continuous(c, stop_requested, err);
  if (timer.joinable()) timer.request_stop();
  if (!status) return fail(err, status.error().message);
  out << fmt::format("{} windows, {} samples, {} older windows removed\n", status->windows,
                     status->samples, status->pruned);
  auto t = perftrack::profile::read_timeline(o.out, 0, std::numeric_limits<std::int64_t>::max());
  if (!t) return fail(err, t.error().message);
  std::string title = o.title;
  if (title.empty()) {
    title = o.pid > 0 ? fmt::format("pid {}", o.pid) : o.command.empty() ? "every CPU" : "";
    for (const auto& a : o.command) title += (title.empty() ? "" : " ") + a;
  }
  return write_scope(*t, o.out, "Continuous CPU: " + title, false, out, err);
}

/// scope DIR [--from --to]: the heat map, and a range's outputs.
int run_scope(const options& o, std::ostream& out, std::ostream& err) {
  std::int64_t from = 0, to = std::numeric_limits<std::int64_t>::max();
  for (const auto& [text, into, name] :
       {std::tuple{o.from, &from, "--from"}, std::tuple{o.to, &to, "--to"}}) {
    if (text.empty()) continue;
    const auto ns = parse_time_arg(text);
    if (!ns)
      return fail(
          err, fmt::format("{} {}: give an ISO 8601 time, e.g. 2026-11-27T14:05:00Z", name, text));
    *into = *ns / 1'000'000;
  }
  auto t = perftrack::profile::read_timeline(o.dir, from, to);
  if (!t) return fail(err, t.error().message);
  const std::string dir = o.out == "perftrack-profile" ? o.dir : o.out;
  const std::string title = o.title.empty() ? "Continuous CPU: " + o.dir : o.title;
  return write_scope(*t, dir, title, !o.from.empty() || !o.to.empty(), out, err);
}

int run_sampled(const options& o, bool on_cpu, std::ostream& out, std::ostream& err) {
  if (on_cpu && o.continuous) return run_continuous(o, out, err);
  if ((o.pid > 0) == !o.command.empty())
    return fail(err, "give either a command after -- or --pid PID");
  if (auto why = perftrack::profile::perf_unavailable()) return fail(err, *why);
  perftrack::profile::cpu_options c;
  c.hz = o.hz > 0 ? o.hz : 99;
  c.mode = o.call_graph == "fp"      ? perftrack::profile::unwinding::frame_pointers
           : o.call_graph == "dwarf" ? perftrack::profile::unwinding::dwarf
                                     : perftrack::profile::unwinding::automatic;
  c.command = o.command;
  c.controlled = o.region_only;
  if (o.pid > 0) c.pid = o.pid;
  c.duration_s = o.duration > 0 ? o.duration : 10;
  c.work_dir = o.out;
  auto p =
      on_cpu ? perftrack::profile::capture_cpu(c, err) : perftrack::profile::capture_offcpu(c, err);
  if (!p) return fail(err, p.error().message);
  if (p->samples() == 0)
    return fail(err,
                "perf recorded no sample: the command ended too soon, or slept; raise --hz "
                "or profile longer");
  std::string title = o.title;
  if (title.empty()) {
    if (o.pid > 0) title = fmt::format("pid {}", o.pid);
    for (const auto& a : o.command) title += (title.empty() ? "" : " ") + a;
  }
  return write_all(*p, o, (on_cpu ? "CPU: " : "Off-CPU: ") + title, out, err);
}

/// One folder per cost (allocations/, peak/, leaked/), each with every output.
int run_heap(const options& o, std::ostream& out, std::ostream& err) {
  auto h = perftrack::profile::capture_heap(o.command, o.out, err);
  if (!h) return fail(err, h.error().message);
  std::string title = o.title;
  for (const auto& a : o.command) {
    if (o.title.empty()) title += (title.empty() ? "" : " ") + a;
  }
  const std::pair<const char*, const perftrack::profile::profile*> costs[] = {
      {"allocations", &h->allocations}, {"peak", &h->peak}, {"leaked", &h->leaked}};
  for (const auto& [cost, p] : costs) {
    options sub = o;
    sub.out = (std::filesystem::path(o.out) / cost).string();
    if (const int rc = write_all(*p, sub, fmt::format("Heap, {}: {}", cost, title), out, err);
        rc != exit_ok)
      return rc;
  }
  return exit_ok;
}

/// diff.html (the head's frames), diff-base.html (the base's) and diff.md.
int run_diff(const options& o, std::ostream& out, std::ostream& err) {
  auto base = perftrack::profile::read_profile(o.base);
  if (!base) return fail(err, base.error().message);
  auto head = perftrack::profile::read_profile(o.head);
  if (!head) return fail(err, head.error().message);
  const std::string title = o.title.empty() ? fmt::format("{} vs {}", o.base, o.head) : o.title;
  auto written = perftrack::profile::write_files(
      o.out, {{"diff.html", perftrack::profile::diff_flamegraph_html(*base, *head, true, title)},
              {"diff-base.html", perftrack::profile::diff_flamegraph_html(
                                     *base, *head, false, title + " (base's frames)")},
              {"diff.md", perftrack::profile::diff_markdown(*base, *head, title)}});
  if (!written) return fail(err, written.error().message);
  out << fmt::format("wrote {}/diff.html, diff-base.html and diff.md ({} base, {} head {})\n",
                     o.out, base->samples(), head->samples(), head->sample_type);
  return exit_ok;
}

/// latency.html (the dashboard's page with its Operations section alone)
/// and latency-<k>.svg per operation.
int run_latency(const options& o, std::ostream& out, std::ostream& err) {
  std::vector<std::filesystem::path> files(o.files.begin(), o.files.end());
  auto v = dashboard::collect_operations(files, 120);
  if (!v) return fail(err, v.error().message);
  if (!o.operation.empty()) {
    std::erase_if(v->list, [&](const auto& op) { return op.name != o.operation; });
    v->correlations.clear();
    v->resource_correlations.clear();
    if (v->list.empty())
      return fail(err, fmt::format("no operation named {} in the files: leave out --operation "
                                   "to see them all",
                                   o.operation));
  }
  if (v->list.empty()) return fail(err, "the files hold no recorded operation");
  dashboard::page_data page;
  page.operations = std::move(*v);
  dashboard::options page_options;
  page_options.files = files;
  page_options.now_ns = now_ns();
  std::vector<std::pair<std::string, std::string>> outputs = {
      {"latency.html", dashboard::render_html(page, page_options)}};
  for (std::size_t k = 0; k < page.operations->list.size(); ++k)
    outputs.emplace_back(fmt::format("latency-{}.svg", k + 1),
                         dashboard::heat_map_svg(*page.operations, page.operations->list[k]));
  if (auto written = perftrack::profile::write_files(o.out, outputs); !written)
    return fail(err, written.error().message);
  out << fmt::format("wrote {}/latency.html and {} heat maps (latency-1.svg ...) of {} events\n",
                     o.out, page.operations->list.size(), page.operations->records);
  return exit_ok;
}

/// spans.speedscope.json: the recorded operations as evented profiles.
int run_spans(const options& o, std::ostream& out, std::ostream& err) {
  std::vector<std::filesystem::path> files(o.files.begin(), o.files.end());
  auto set = perftrack::profile::read_spans(files, o.operation, o.most);
  if (!set) return fail(err, set.error().message);
  if (set->spans.empty())
    return fail(err, o.operation.empty()
                         ? std::string("the files hold no recorded operation")
                         : fmt::format("no operation named {} in the files", o.operation));
  if (set->malformed > 0)
    err << fmt::format("warning: {} malformed lines skipped (perftrack report names them)\n",
                       set->malformed);
  if (set->left_out > 0)
    err << fmt::format("warning: the latest {} spans left out; raise --most to keep them\n",
                       set->left_out);
  const std::string name = o.operation.empty() ? "recorded operations" : o.operation;
  auto written = perftrack::profile::write_files(
      o.out,
      {{"spans.speedscope.json", perftrack::profile::spans_speedscope_json(set->spans, name)}});
  if (!written) return fail(err, written.error().message);
  out << fmt::format("wrote {}/spans.speedscope.json: {} spans (open it in speedscope)\n", o.out,
                     set->spans.size());
  return exit_ok;
}

int run_render(const options& o, std::ostream& out, std::ostream& err) {
  auto p = perftrack::profile::read_profile(o.folded);
  if (!p) return fail(err, p.error().message);
  return write_all(*p, o, o.title.empty() ? o.folded : o.title, out, err);
}

}  // namespace

int run(const commands& c, const options& o, std::ostream& out, std::ostream& err) {
  if (c.cpu->parsed()) return run_sampled(o, true, out, err);
  if (c.offcpu->parsed()) return run_sampled(o, false, out, err);
  if (c.heap->parsed()) return run_heap(o, out, err);
  if (c.diff->parsed()) return run_diff(o, out, err);
  if (c.latency->parsed()) return run_latency(o, out, err);
  if (c.spans->parsed()) return run_spans(o, out, err);
  if (c.scope->parsed()) return run_scope(o, out, err);
  return run_render(o, out, err);
}

}  // namespace perftrack::cli::profile_command
