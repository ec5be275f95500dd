// The profile as speedscope JSON, flame graphs (HTML and SVG) and a Markdown
// summary.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "page.hpp"
#include "perftrack/profile/profile.hpp"
#include "perftrack/store/markup.hpp"
#include "tree.hpp"

namespace perftrack::profile {
namespace {

using store::escape_markdown_cell;
using store::escape_markup;

#include "assets.inc"

using json = nlohmann::json;

/// JSON text safe inside a <script> element (store::escape_script_json).
std::string script_safe(const json& j) {
  return store::escape_script_json(j.dump(-1, ' ', false, json::error_handler_t::replace));
}

/// Per frame name: samples with it on the stack (once per stack) and at the
/// leaf.
struct frame_totals {
  std::uint64_t total = 0, self = 0;
};

std::vector<std::pair<std::string, frame_totals>> totals_by_name(const profile& p) {
  std::unordered_map<std::string, frame_totals> by;
  for (const auto& s : p.stacks) {
    std::unordered_set<std::string_view> seen;
    for (const auto& f : s.frames) {
      if (seen.insert(f).second) by[f].total += s.samples;
    }
    if (!s.frames.empty()) by[s.frames.back()].self += s.samples;
  }
  return {by.begin(), by.end()};
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? "0%"
                    : fmt::format("{:.1f}%",
                                  100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

/// Calls f(path) for each node of `t` in preorder, the path being its
/// frames from the root joined by ';' ("" for the root).
template <class F>
void for_each_path(const flame_tree& t, F f) {
  std::vector<std::string> paths;  // by depth
  for (const auto& n : t.nodes) {
    paths.resize(n.depth + 1);
    paths[n.depth] = n.depth == 0   ? std::string()
                     : n.depth == 1 ? t.names[n.name]
                                    : paths[n.depth - 1] + ';' + t.names[n.name];
    f(paths[n.depth]);
  }
}

/// Each stack prefix's share of all samples.
std::unordered_map<std::string, double> path_shares(const profile& p) {
  const flame_tree t = build_tree(p);
  const double all = static_cast<double>(std::max<std::uint64_t>(1, t.nodes[0].total));
  std::unordered_map<std::string, double> out;
  std::size_t i = 0;
  for_each_path(t, [&](const std::string& path) {
    out[path] = static_cast<double>(t.nodes[i++].total) / all;
  });
  return out;
}

}  // namespace

std::string page_head(std::string_view title) {
  std::string out = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'\">\n";
  out += fmt::format("<title>{}</title>\n<style>\n", escape_markup(title));
  out += flamegraph_css;
  out += "</style>\n</head>\n<body>\n";
  return out;
}

std::string page_tail(std::string_view data_id, std::string_view data, std::string_view script) {
  std::string out = "<main id=\"flame-mount\"></main>\n";
  out += fmt::format("<script type=\"application/json\" id=\"{}\">", data_id);
  out += data;
  out += "</script>\n<script>\n";
  out += flamegraph_js;
  if (!script.empty()) {
    out += "\n</script>\n<script>\n";
    out += script;
  }
  out += "\n</script>\n</body>\n</html>\n";
  return out;
}

namespace {

/// The flame graph page of `t` (from `p`); `delta`, when given, colours each
/// frame by its change of share (a differential flame graph).
std::string flame_page(const flame_tree& t, const profile& p, std::string_view title,
                       const std::vector<double>* delta) {
  // Columns of the preorder: name index, depth, total, self.
  json name = json::array(), depth = json::array(), total = json::array(), self = json::array();
  for (const auto& n : t.nodes) {
    name.push_back(n.name);
    depth.push_back(n.depth);
    total.push_back(n.total);
    self.push_back(n.self);
  }
  json data = {{"title", title},
               {"event", p.event},
               {"unwinding", p.unwinding},
               {"samples", p.samples()},
               {"sample_type", p.sample_type},
               {"truncated", p.truncated},
               {"names", t.names},
               {"name", name},
               {"depth", depth},
               {"total", total},
               {"self", self}};
  if (delta != nullptr) data["delta"] = *delta;
  std::string out = page_head(title);
  out += fmt::format(
      "<header><h1>{}</h1><p>{} {} of {}, {} unwinding, {} of stacks truncated</p>"
      "<noscript>The flame graph needs JavaScript; profile.folded holds the same "
      "stacks.</noscript></header>\n",
      escape_markup(title), p.samples(), escape_markup(p.sample_type), escape_markup(p.event),
      p.unwinding.empty() ? "unknown" : escape_markup(p.unwinding),
      percent(p.truncated, p.samples()));
  return out + page_tail("flame-data", script_safe(data), {});
}

}  // namespace

std::string speedscope_json(const profile& p, std::string_view name) {
  std::map<std::string, std::size_t> index;
  json frames = json::array();
  json samples = json::array();
  json weights = json::array();
  for (const auto& s : p.stacks) {
    json stack = json::array();
    for (const auto& f : s.frames) {
      const auto [it, fresh] = index.try_emplace(f, frames.size());
      if (fresh) frames.push_back({{"name", f}});
      stack.push_back(it->second);
    }
    samples.push_back(std::move(stack));
    weights.push_back(s.samples);
  }
  json doc = {{"$schema", "https://www.speedscope.app/file-format-schema.json"},
              {"exporter", "perftrack"},
              {"name", name},
              {"activeProfileIndex", 0},
              {"shared", {{"frames", frames}}},
              {"profiles",
               {{{"type", "sampled"},
                 {"name", fmt::format("{} ({} {})", name, p.samples(), p.sample_type)},
                 {"unit", "none"},
                 {"startValue", 0},
                 {"endValue", p.samples()},
                 {"samples", samples},
                 {"weights", weights}}}}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string flamegraph_html(const profile& p, std::string_view title) {
  return flame_page(build_tree(p), p, title, nullptr);
}

std::string diff_flamegraph_html(const profile& before, const profile& after, bool on_after,
                                 std::string_view title) {
  const profile& shape = on_after ? after : before;
  const flame_tree t = build_tree(shape);
  const auto shares_after = path_shares(after);
  const auto shares_before = path_shares(before);
  std::vector<double> delta;
  delta.reserve(t.nodes.size());
  for_each_path(t, [&](const std::string& path) {
    const auto share = [&](const auto& m) {
      const auto it = m.find(path);
      return it == m.end() ? 0.0 : it->second;
    };
    delta.push_back(share(shares_after) - share(shares_before));
  });
  return flame_page(t, shape, title, &delta);
}

std::string runs_diff_html(const std::vector<run_profile>& runs, std::string_view title) {
  std::map<std::string, std::uint32_t> ids;
  json names = json::array(), list = json::array();
  for (const auto& r : runs) {
    json stacks = json::array(), counts = json::array();
    for (const auto& s : r.p.stacks) {
      json stack = json::array();
      for (const auto& f : s.frames) {
        const auto [it, fresh] = ids.try_emplace(f, static_cast<std::uint32_t>(names.size()));
        if (fresh) names.push_back(f);
        stack.push_back(it->second);
      }
      stacks.push_back(std::move(stack));
      counts.push_back(s.samples);
    }
    list.push_back({{"label", r.label},
                    {"run", r.run},
                    {"samples", r.p.samples()},
                    {"stacks", std::move(stacks)},
                    {"counts", std::move(counts)}});
  }
  const json data = {{"title", title}, {"names", names}, {"runs", list}};
  std::string out = page_head(title);
  out += fmt::format(
      "<header><h1>{}</h1><p>Each frame is coloured by how its share of the samples changed "
      "from the base to the head: red grew, blue shrank. <label>base <select "
      "id=\"base\"></select></label> <label>head <select id=\"head\"></select></label> "
      "<label>frames of <select id=\"side\"><option value=\"head\">the head</option><option "
      "value=\"base\">the base</option></select></label></p><noscript>The flame graph needs "
      "JavaScript; each run's profile folder holds its folded stacks.</noscript></header>\n",
      escape_markup(title));
  return out + page_tail("diff-data", script_safe(data), diff_js);
}

std::string flamegraph_svg(const profile& p, std::string_view title) {
  const flame_tree t = build_tree(p);
  constexpr double width = 1200, row = 16, top = 40;
  const double root = static_cast<double>(std::max<std::uint64_t>(1, t.nodes[0].total));
  const double height = top + row * (t.max_depth + 1) + 10;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" font-family=\"monospace\" font-size=\"11\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"#fdfdf8\"/>\n"
      "<text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
      width, height, width, height, width / 2, escape_markup(title));
  // x of each node: its parent's x plus the totals of its older siblings.
  std::vector<double> next_x(t.max_depth + 2, 0);
  for (const auto& n : t.nodes) {
    const double x = next_x[n.depth];
    next_x[n.depth] += static_cast<double>(n.total);
    next_x[n.depth + 1] = x;  // its children start where it does
    const double w = static_cast<double>(n.total) / root * width;
    if (w < width / 1000) continue;
    const double y = height - 10 - row * (n.depth + 1);
    const auto& name = t.names[n.name];
    // Warm colours, varied by the name so that neighbours differ.
    const std::size_t h = std::hash<std::string>{}(name);
    out += fmt::format(
        "<g><title>{} ({} samples, {})</title><rect x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" "
        "height=\"{}\" fill=\"rgb({},{},{})\" rx=\"2\"/>",
        escape_markup(name), n.total, percent(n.total, t.nodes[0].total), x / root * width, y, w,
        row - 1, 205 + h % 50, 80 + (h >> 8) % 130, 40 + (h >> 16) % 40);
    const auto chars = static_cast<std::size_t>(w / 7);
    if (chars >= 3) {
      const std::string label = name.size() <= chars ? name : name.substr(0, chars - 2) + "..";
      out += fmt::format("<text x=\"{:.2f}\" y=\"{:.1f}\">{}</text>", x / root * width + 3,
                         y + row - 4, escape_markup(label));
    }
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

std::string summary_markdown(const profile& p, std::string_view title) {
  auto frames = totals_by_name(p);
  const std::uint64_t all = p.samples();
  std::string out = fmt::format("# {}\n\n", escape_markdown_cell(title));
  out += fmt::format("- {} {} of {} ({})\n", all, escape_markdown_cell(p.sample_type),
                     escape_markdown_cell(p.event),
                     p.period > 0 ? fmt::format("a sample every {} {}", p.period, p.unit)
                                  : std::string("period unknown"));
  out += fmt::format(
      "- unwinding: {}; {} of the stacks ({} samples) stop short of an entry point\n",
      p.unwinding.empty() ? "unknown" : p.unwinding, percent(p.truncated, all), p.truncated);
  const auto table = [&](const char* heading, auto key) {
    std::sort(frames.begin(), frames.end(), [&](const auto& a, const auto& b) {
      return key(a.second) != key(b.second) ? key(a.second) > key(b.second) : a.first < b.first;
    });
    out += fmt::format("\n## {}\n\n| frame | self | total |\n|---|---:|---:|\n", heading);
    for (std::size_t i = 0; i < frames.size() && i < 15; ++i) {
      const auto& [name, f] = frames[i];
      out += fmt::format("| {} | {} | {} |\n", escape_markdown_cell(name), percent(f.self, all),
                         percent(f.total, all));
    }
  };
  table("Top frames by self time", [](const frame_totals& f) { return f.self; });
  table("Top frames by total time", [](const frame_totals& f) { return f.total; });
  return out;
}

std::vector<frame_change> frame_changes(const profile& before, const profile& after) {
  std::map<std::string, frame_change> by_name;
  const auto add = [&](const profile& p, double sign) {
    const double all = static_cast<double>(std::max<std::uint64_t>(1, p.samples()));
    for (const auto& [name, f] : totals_by_name(p)) {
      frame_change& c = by_name[name];
      c.name = name;
      c.self += sign * static_cast<double>(f.self) / all;
      c.total += sign * static_cast<double>(f.total) / all;
    }
  };
  add(after, 1);
  add(before, -1);
  std::vector<frame_change> changes;
  for (auto& [name, c] : by_name) changes.push_back(std::move(c));
  std::sort(changes.begin(), changes.end(), [](const frame_change& a, const frame_change& b) {
    return a.self != b.self ? a.self > b.self : a.name < b.name;
  });
  return changes;
}

std::string diff_markdown(const profile& before, const profile& after, std::string_view title) {
  const auto changes = frame_changes(before, after);
  const auto points = [](double v) { return fmt::format("{:+.1f} pp", 100 * v); };
  std::string out = fmt::format(
      "# {}\n\n- before: {} {}; after: {} {} (shares compared, so lengths may differ)\n",
      escape_markdown_cell(title), before.samples(), escape_markdown_cell(before.sample_type),
      after.samples(), escape_markdown_cell(after.sample_type));
  const auto table = [&](const char* heading, auto first, auto last) {
    out += fmt::format(
        "\n## {}\n\n| frame | self share change | total share change |\n|---|---:|---:|\n",
        heading);
    for (auto it = first; it != last; ++it)
      out += fmt::format("| {} | {} | {} |\n", escape_markdown_cell(it->name), points(it->self),
                         points(it->total));
  };
  const std::size_t n = std::min<std::size_t>(10, changes.size());
  table("Grew most (self)", changes.begin(), changes.begin() + static_cast<std::ptrdiff_t>(n));
  table("Shrank most (self)", changes.rbegin(), changes.rbegin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

}  // namespace perftrack::profile
