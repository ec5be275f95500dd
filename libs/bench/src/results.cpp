#include "perftrack/bench/results.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace perftrack::bench {
namespace {

using json = nlohmann::ordered_json;

// Factor from `unit` to its base (ns for times, bytes for sizes); 0 if unknown.
double to_base(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "B" || unit == "bytes") return 1;
  if (unit == "KB") return 1e3;
  if (unit == "MB") return 1e6;
  if (unit == "GB") return 1e9;
  return 0;
}
bool is_time(std::string_view u) { return u == "ns" || u == "us" || u == "ms" || u == "s"; }

json finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json stats_json(const result& r) {
  const summary& s = r.stats;
  json j{{"n", s.n},
         {"min", finite(s.min)},
         {"max", finite(s.max)},
         {"mean", finite(s.mean)},
         {"median", finite(s.median)},
         {"stddev", finite(s.stddev)},
         {"cv", finite(s.cv)},
         {"q1", finite(s.q1)},
         {"q3", finite(s.q3)},
         {"iqr", finite(s.iqr)},
         {"outliers_mild", s.mild_outliers},
         {"outliers_severe", s.severe_outliers}};
  // Operations per second implied by the median sample.
  if (r.kind == kind::micro || r.kind == kind::latency) {
    j["ops_per_second"] = s.median > 0 ? finite(1e9 / s.median) : json(nullptr);
  } else if (r.kind == kind::throughput) {
    j["ops_per_second"] = finite(s.median);
  }
  if (r.latency) {
    j["latency_ns"] = {{"count", r.latency_count}, {"p50", r.latency->p50},
                       {"p90", r.latency->p90},    {"p95", r.latency->p95},
                       {"p99", r.latency->p99},    {"p99.9", r.latency->p999}};
  }
  return j;
}

json warnings_json(const std::vector<warning>& ws) {
  json a = json::array();
  for (const auto& w : ws) a.push_back({{"code", w.code}, {"message", w.message}});
  return a;
}

json environment_json(const environment& e) {
  return {{"cpu_model", e.cpu_model},
          {"logical_cpus", e.logical_cpus},
          {"physical_cores", e.physical_cores},
          {"governor", e.governor.empty() ? json(nullptr) : json(e.governor)},
          {"kernel", e.kernel},
          {"compiler", e.compiler},
          {"flags", e.flags},
          {"build_type", e.build_type},
          {"git_sha", e.git_sha.empty() ? json(nullptr) : json(e.git_sha)},
          {"git_dirty", e.git_dirty},
          {"host", e.host},
          {"time", e.time}};
}

}  // namespace

std::string show_value(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "-";
  if (unit == "ns") {
    if (v < 1e3) return fmt::format("{:.0f} ns", v);
    if (v < 1e6) return fmt::format("{:.1f} us", v / 1e3);
    if (v < 1e9) return fmt::format("{:.2f} ms", v / 1e6);
    return fmt::format("{:.2f} s", v / 1e9);
  }
  if (unit == "B") {
    if (v < 1e4) return fmt::format("{:.0f} B", v);
    if (v < 1e7) return fmt::format("{:.1f} KB", v / 1e3);
    return fmt::format("{:.1f} MB", v / 1e6);
  }
  if (v >= 1e6) return fmt::format("{:.2f} M{}", v / 1e6, unit);
  if (v >= 1e4) return fmt::format("{:.1f} k{}", v / 1e3, unit);
  return fmt::format("{:.0f} {}", v, unit);
}

std::string results_tables(const std::vector<result>& results) {
  std::string out;
  std::string category;
  for (const auto& r : results) {
    if (r.category != category || out.empty()) {
      category = r.category;
      out += fmt::format(
          "\n## {}\n\n| benchmark | median | cv | p95 | instructions | notes |\n"
          "|---|---:|---:|---:|---:|---|\n",
          category);
    }
    if (r.status != run_status::ok) {
      out += fmt::format("| {} | - | - | - | - | {}: {} |\n", r.name, name(r.status), r.reason);
      continue;
    }
    std::string notes;
    for (const auto& w : r.warnings) notes += (notes.empty() ? "" : "; ") + w.code;
    const std::string counted =
        r.counts.empty()
            ? "-"
            : fmt::format("{:.0f}/{}", summarize(r.counts.instructions).median, r.counts.unit);
    out += fmt::format("| {} | {} | {:.1f}% | {} | {} | {} |\n", r.name,
                       show_value(r.stats.median, r.unit), r.stats.cv * 100,
                       r.latency ? show_value(r.latency->p95, r.unit) : "-", counted, notes);
  }
  return out;
}

std::string ratio_table(const std::vector<result>& results, const side_by_side& pairs) {
  const std::string mark = "_" + pairs.ours + "_";
  std::string rows;
  for (const auto& ours : results) {
    const auto at = ours.name.find(mark);
    if (at == std::string::npos || ours.status != run_status::ok) continue;
    const std::string partner =
        ours.name.substr(0, at) + "_" + pairs.theirs + "_" + ours.name.substr(at + mark.size());
    for (const auto& theirs : results) {
      if (theirs.name != partner || theirs.status != run_status::ok) continue;
      const double ratio = ours.direction == direction::higher_is_better
                               ? ours.stats.median / theirs.stats.median
                               : theirs.stats.median / ours.stats.median;
      rows += fmt::format("| {} | {} | {} | {:.2f}x |\n",
                          ours.name.substr(0, at) + ours.name.substr(at + mark.size() - 1),
                          show_value(ours.stats.median, ours.unit),
                          show_value(theirs.stats.median, theirs.unit), ratio);
    }
  }
  if (rows.empty()) return rows;
  return fmt::format("\n## {}\n\n| workload | {} | {} | {} / {} |\n|---|---:|---:|---:|\n{}",
                     pairs.title, pairs.ours_label, pairs.theirs_label, pairs.ours_label,
                     pairs.theirs_label, rows);
}

std::string targets_table(const std::vector<target_check>& checks) {
  if (checks.empty()) return {};
  std::string out = "\n## targets\n\n| target | measured | result |\n|---|---:|---|\n";
  for (const auto& c : checks) {
    const std::string measured =
        c.status == "missing"
            ? "not measured"
            : fmt::format("{:.4g}{}", c.measured, c.target.unit.empty() ? "" : " " + c.target.unit);
    const char* verdict = c.status == "pass" ? "PASS" : c.status == "fail" ? "FAIL" : "MISSING";
    out += fmt::format("| {} | {} | {} |\n", c.target.description, measured, verdict);
  }
  return out;
}

std::string console_report(const environment& env, const run_info& info,
                           const std::vector<result>& results,
                           const std::vector<target_check>& checks,
                           const std::vector<side_by_side>& pairs, std::string_view after_targets) {
  std::string out =
      fmt::format("perftrack bench: {} benchmarks, {} repetitions{}{} on {} ({} cores), {} build\n",
                  results.size(), info.repetitions,
                  info.processes > 1 ? fmt::format(" in {} processes", info.processes) : "",
                  info.quick ? " (quick)" : "", env.cpu_model, env.physical_cores, env.build_type);
  out += results_tables(results);
  for (const auto& p : pairs) out += ratio_table(results, p);
  out += targets_table(checks);
  out += after_targets;
  for (const auto& w : info.warnings) out += fmt::format("\nwarning: {}\n", w.message);
  return out;
}

std::optional<double> statistic_of(const result& r, std::string_view statistic,
                                   std::string_view unit) {
  if (r.status != run_status::ok) return std::nullopt;
  double v;
  if (statistic == "median")
    v = r.stats.median;
  else if (statistic == "mean")
    v = r.stats.mean;
  else if (statistic == "min")
    v = r.stats.min;
  else if (statistic == "max")
    v = r.stats.max;
  else if (r.latency && statistic == "p50")
    v = r.latency->p50;
  else if (r.latency && statistic == "p90")
    v = r.latency->p90;
  else if (r.latency && statistic == "p95")
    v = r.latency->p95;
  else if (r.latency && statistic == "p99")
    v = r.latency->p99;
  else if (r.latency && statistic == "p99.9")
    v = r.latency->p999;
  else
    return std::nullopt;
  if (unit.empty() || unit == r.unit) return v;
  const double from = to_base(r.unit);
  const double to = to_base(unit);
  if (from == 0 || to == 0 || is_time(unit) != is_time(r.unit)) return std::nullopt;
  return v * from / to;
}

expected<std::vector<target>> parse_targets(std::string_view text, std::string_view source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return failure{std::string(source) + ":" + std::to_string(where.line) + ": " +
                   std::string(e.description())};
  }
  std::vector<target> out;
  const toml::array* list = doc["target"].as_array();
  if (list == nullptr) return failure{std::string(source) + ": no [[target]] tables"};
  int index = 0;
  for (const auto& node : *list) {
    ++index;
    const auto where = std::string(source) + ": target " + std::to_string(index);
    const toml::table* t = node.as_table();
    if (t == nullptr) return failure{where + " is not a table"};
    target x;
    if (auto b = (*t)["benchmark"].value<std::string>()) {
      x.benchmark = *b;
    } else {
      return failure{where + " has no benchmark name"};
    }
    x.statistic = (*t)["statistic"].value_or(std::string("median"));
    x.unit = (*t)["unit"].value_or(std::string());
    x.description = (*t)["description"].value_or(x.benchmark);
    if (auto v = (*t)["below"].value<double>()) x.below = *v;
    if (auto v = (*t)["above"].value<double>()) x.above = *v;
    if (!x.below && !x.above) return failure{where + " (" + x.benchmark + ") needs below or above"};
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<target_check> check_targets(const std::vector<target>& targets,
                                        const std::vector<result>& results) {
  std::vector<target_check> out;
  for (const auto& t : targets) {
    target_check c{t, "missing", 0};
    for (const auto& r : results) {
      if (r.name != t.benchmark) continue;
      if (auto v = statistic_of(r, t.statistic, t.unit)) {
        c.measured = *v;
        const bool ok = (!t.below || *v < *t.below) && (!t.above || *v > *t.above);
        c.status = ok ? "pass" : "fail";
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string results_json(const environment& env, const run_info& info,
                         const std::vector<result>& results,
                         const std::vector<target_check>& targets) {
  json doc;
  doc["schema_version"] = results_schema_version;
  doc["tool"] = {{"name", "perftrack"}, {"version", info.perftrack_version}};
  doc["environment"] = environment_json(env);
  doc["run"] = {{"quick", info.quick},
                {"repetitions", info.repetitions},
                {"processes", info.processes},
                {"warnings", warnings_json(info.warnings)}};
  json benchmarks = json::array();
  for (const auto& r : results) {
    json b{{"name", r.name},
           {"category", r.category},
           {"kind", std::string(name(r.kind))},
           {"unit", r.unit},
           {"direction", std::string(name(r.direction))},
           {"status", std::string(name(r.status))}};
    if (!r.reason.empty()) b["reason"] = r.reason;
    b["iterations"] = r.iterations;
    json samples = json::array();
    for (double v : r.samples) samples.push_back(finite(v));
    b["samples"] = std::move(samples);
    b["wall_ns"] = r.wall_ns;
    b["cpu_ns"] = r.cpu_ns;
    b["stats"] = r.status == run_status::ok ? stats_json(r) : json(nullptr);
    json counters = json::object();
    for (const auto& [k, v] : r.counters) counters[k] = finite(v);
    b["counters"] = std::move(counters);
    if (r.peak_rss_bytes > 0) b["peak_rss_bytes"] = r.peak_rss_bytes;
    if (!r.profile.empty()) b["profile"] = r.profile;
    if (!r.peer.empty()) b["peer"] = r.peer;
    if (!r.counts.empty()) {
      const auto per = [](const std::vector<double>& v) {
        json a = json::array();
        for (double x : v) a.push_back(finite(x));
        return a;
      };
      b["counts"] = {{"per", r.counts.unit},
                     {"instructions", per(r.counts.instructions)},
                     {"estimated_cycles", per(r.counts.estimated_cycles)}};
    }
    b["warnings"] = warnings_json(r.warnings);
    benchmarks.push_back(std::move(b));
  }
  doc["benchmarks"] = std::move(benchmarks);
  json checks = json::array();
  for (const auto& c : targets) {
    json t{{"benchmark", c.target.benchmark},
           {"statistic", c.target.statistic},
           {"unit", c.target.unit},
           {"description", c.target.description},
           {"status", c.status}};
    t["below"] = c.target.below ? json(*c.target.below) : json(nullptr);
    t["above"] = c.target.above ? json(*c.target.above) : json(nullptr);
    t["measured"] = c.status == "missing" ? json(nullptr) : finite(c.measured);
    checks.push_back(std::move(t));
  }
  doc["targets"] = std::move(checks);
  return doc.dump(2) + "\n";
}

namespace {

json google_context(const environment& env) {
  json context{{"date", env.time},
               {"host_name", env.host},
               {"executable", "perftrack bench"},
               {"perftrack_version", version()},
               {"num_cpus", env.logical_cpus},
               {"cpu_scaling_enabled", !env.governor.empty() && env.governor != "performance"},
               {"caches", json::array()},
               {"library_build_type", env.build_type == "Debug" ? "debug" : "release"}};
  // Measured, or left out: Google Benchmark's readers treat it as optional.
  if (env.mhz_per_cpu > 0) context["mhz_per_cpu"] = std::lround(env.mhz_per_cpu);
  return context;
}

/// One row of a benchmark in Google Benchmark's shape.
json google_row(const result& r, int family, const std::string& type, int index,
                std::pair<double, double> real_cpu_ns) {
  return json{{"name", r.name},
              {"family_index", family},
              {"per_family_instance_index", 0},
              {"run_name", r.name},
              {"run_type", type},
              {"repetitions", static_cast<int>(r.samples.size())},
              {"repetition_index", index},
              {"threads", 1},
              {"iterations", r.iterations},
              {"real_time", real_cpu_ns.first},
              {"cpu_time", real_cpu_ns.second},
              {"time_unit", "ns"}};
}

/// Sample i's real and CPU time in ns. Google Benchmark rows carry times; a
/// latency sample is the time per operation, so its CPU time is scaled by the
/// same factor from the sample's wall time; otherwise both are per call of the
/// body (throughput and memory samples go in counters beside them).
std::pair<double, double> sample_times(const result& r, std::size_t i) {
  const double iters = static_cast<double>(r.iterations);
  if (r.kind == kind::latency && r.wall_ns[i] > 0)
    return {r.samples[i], r.cpu_ns[i] * r.samples[i] / r.wall_ns[i]};
  const bool timed = r.kind == kind::micro || r.kind == kind::latency;
  const double real = timed ? r.samples[i] : r.wall_ns[i] / iters;
  return {real, r.cpu_ns[i] / iters};
}

void add_iteration_rows(const result& r, int family, json& rows) {
  for (std::size_t i = 0; i < r.samples.size(); ++i) {
    json j = google_row(r, family, "iteration", static_cast<int>(i), sample_times(r, i));
    if (r.kind == kind::throughput) j["items_per_second"] = r.samples[i];
    if (r.kind == kind::memory) j[r.unit] = r.samples[i];
    rows.push_back(std::move(j));
  }
}

/// mean, median, stddev and cv over the rows' real and CPU times (and items
/// per second for throughput), as Google Benchmark's aggregate rows.
void add_aggregate_rows(const result& r, int family, json& rows) {
  std::vector<double> real, cpu;
  for (std::size_t i = 0; i < r.samples.size(); ++i) {
    const auto [re, cp] = sample_times(r, i);
    real.push_back(re);
    cpu.push_back(cp);
  }
  const summary sr = summarize(real), sc = summarize(cpu), si = summarize(r.samples);
  const auto pick = [](const summary& s, std::string_view agg) {
    return agg == "mean" ? s.mean : agg == "median" ? s.median : agg == "stddev" ? s.stddev : s.cv;
  };
  for (const std::string_view agg : {"mean", "median", "stddev", "cv"}) {
    json j = google_row(r, family, "aggregate", 0, {pick(sr, agg), pick(sc, agg)});
    j.erase("repetition_index");
    j["name"] = fmt::format("{}_{}", r.name, agg);
    j["aggregate_name"] = agg;
    if (agg == "cv") j["aggregate_unit"] = "percentage";
    j["iterations"] = r.samples.size();
    if (r.kind == kind::throughput) j["items_per_second"] = pick(si, agg);
    rows.push_back(std::move(j));
  }
}

}  // namespace

std::string google_benchmark_json(const environment& env, const std::vector<result>& results) {
  json doc;
  doc["context"] = google_context(env);
  json rows = json::array();
  int family = 0;
  for (const auto& r : results) {
    if (r.status != run_status::ok) continue;
    add_iteration_rows(r, family, rows);
    add_aggregate_rows(r, family, rows);
    ++family;
  }
  doc["benchmarks"] = std::move(rows);
  return doc.dump(2) + "\n";
}

}  // namespace perftrack::bench
