#include "commands/profile_comment.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <set>

#include "perftrack/profile/profile.hpp"
#include "perftrack/store/markup.hpp"

namespace perftrack::cli {
namespace {

std::map<std::string, std::string> profiles_of(const gate::result_set& run) {
  std::map<std::string, std::string> out;
  for (const auto& b : run.benchmarks) {
    if (!b.profile.empty()) out[b.name] = b.profile;
  }
  return out;
}

/// "frame +4.1 pp, ...": the frames whose self share grew most (at most
/// three, each by at least 0.5 pp), and the diff written beside the head's.
std::string grown_frames(const std::string& name, const std::string& base_dir,
                         const std::string& head_dir) {
  auto base = profile::read_profile(base_dir);
  auto head = profile::read_profile(head_dir);
  if (!base || !head)
    return "profiles unreadable: " + (base ? head.error().message : base.error().message);
  std::string out;
  int named = 0;
  for (const auto& f : profile::frame_changes(*base, *head)) {
    if (named == 3 || f.self < 0.005) break;
    out += fmt::format("{}{} {:+.1f} pp", named++ == 0 ? "" : ", ",
                       store::escape_markdown_cell(f.name), 100 * f.self);
  }
  const std::string title = name + ": baseline vs this run";
  auto written = profile::write_files(
      head_dir, {{"diff.html", profile::diff_flamegraph_html(*base, *head, true, title)},
                 {"diff.md", profile::diff_markdown(*base, *head, title)}});
  if (written) out += fmt::format(" ([diff]({}/diff.html))", head_dir);
  return out.empty() ? "no frame's share grew by 0.5 pp or more" : out;
}

}  // namespace

std::string profile_comment(const gate::comparison& c, const gate::result_set& baseline,
                            const gate::result_set& current) {
  const auto head = profiles_of(current);
  if (head.empty()) return {};
  const auto base = profiles_of(baseline);
  std::string out = fmt::format(
      "\n### CPU profiles\n\n{} benchmark{} of this run profiled (perftrack bench --profile): "
      "each folder holds profile.folded, flamegraph.html and profile.pb.gz.\n\n",
      head.size(), head.size() == 1 ? "" : "s");
  std::set<std::string> done;
  std::string rows;
  for (const auto& r : c.rows) {
    const bool flagged =
        r.verdict == gate::severity::critical || r.verdict == gate::severity::warning;
    const auto h = head.find(r.benchmark);
    if (!flagged || h == head.end() || !done.insert(r.benchmark).second) continue;
    const auto b = base.find(r.benchmark);
    rows += fmt::format("| {} | {} | [flame graph]({}/flamegraph.html) | {} |\n",
                        store::escape_markdown_cell(r.benchmark), gate::name(r.verdict), h->second,
                        b == base.end() ? std::string("no baseline profile")
                                        : grown_frames(r.benchmark, b->second, h->second));
  }
  if (!rows.empty())
    out +=
        "| flagged benchmark | verdict | this run | grew most (self share) |\n|---|---|---|---|\n" +
        rows;
  for (const auto& [name, dir] : head) {
    if (!done.contains(name))
      out += fmt::format("- {}: [flame graph]({}/flamegraph.html)\n",
                         store::escape_markdown_cell(name), dir);
  }
  return out;
}

}  // namespace perftrack::cli
