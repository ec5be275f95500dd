// Reading results files: perftrack's own, Google Benchmark's and
// pytest-benchmark's JSON, and the gate's baseline files.

#include "perftrack/gate/results.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "baseline_format.hpp"

namespace perftrack::gate {
namespace {

using json = nlohmann::json;

double number_or(const json& j, const char* key, double fallback) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string string_or(const json& j, const char* key, std::string fallback = {}) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::string scalar_text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump();
}

/// The (quantile, value x scale) pairs of `j`'s fields named by `points`.
std::vector<std::pair<double, double>> quantiles_of(
    const json& j, std::initializer_list<std::pair<const char*, double>> points, double scale) {
  std::vector<std::pair<double, double>> out;
  for (const auto& [key, q] : points) {
    const double v = number_or(j, key, std::nan(""));
    if (std::isfinite(v)) out.emplace_back(q, v * scale);
  }
  return out;
}

failure schema_error(const std::string& source, const std::string& what) {
  return failure{source + ": " + what};
}

// ---- perftrack results (docs/results-format.md) ----------------------------------

std::string perftrack_metric_name(const std::string& kind) {
  if (kind == "micro") return "time";
  return kind;  // throughput, latency, memory
}

/// stats.latency_ns's percentiles, in ns.
std::vector<std::pair<double, double>> perftrack_latency_quantiles(const json& b) {
  const auto stats = b.find("stats");
  if (stats == b.end() || !stats->is_object()) return {};
  const auto l = stats->find("latency_ns");
  if (l == stats->end() || !l->is_object()) return {};
  return quantiles_of(
      *l, {{"p50", 0.5}, {"p90", 0.9}, {"p95", 0.95}, {"p99", 0.99}, {"p99.9", 0.999}}, 1);
}

expected<result_set> read_perftrack(const json& doc, const std::string& source) {
  result_set out;
  out.format = "perftrack";
  out.source = source;
  if (const auto env = doc.find("environment"); env != doc.end() && env->is_object()) {
    for (const char* key : {"cpu_model", "logical_cpus", "compiler", "build_type", "flags"}) {
      if (const auto it = env->find(key); it != env->end())
        out.comparability[key] = scalar_text(*it);
    }
    out.git_sha = string_or(*env, "git_sha");
    out.time = string_or(*env, "time");
  }
  // Quick runs use smaller workloads: their figures are not the full run's.
  if (const auto run = doc.find("run");
      run != doc.end() && run->is_object() && run->contains("quick"))
    out.comparability["quick"] = scalar_text((*run)["quick"]);
  for (const auto& b : doc["benchmarks"]) {
    if (!b.is_object() || !b.contains("name") || !b["name"].is_string())
      return schema_error(source, "a benchmark without a \"name\" string");
    benchmark_result r;
    r.name = b["name"].get<std::string>();
    r.category = string_or(b, "category");
    r.status = parse_run_status(string_or(b, "status", "ok"));
    r.reason = string_or(b, "reason");
    metric m;
    m.name = perftrack_metric_name(string_or(b, "kind", "value"));
    m.unit = string_or(b, "unit");
    m.lower_is_better = string_or(b, "direction", "lower_is_better") != "higher_is_better";
    if (const auto s = b.find("samples"); s != b.end()) {
      if (!s->is_array())
        return schema_error(source, "\"samples\" of " + r.name + " is not an array");
      for (const auto& v : *s) {
        if (v.is_number() && std::isfinite(v.get<double>())) m.samples.push_back(v.get<double>());
      }
    }
    m.quantiles = perftrack_latency_quantiles(b);
    r.peak_rss_bytes = number_or(b, "peak_rss_bytes", 0);
    r.profile = string_or(b, "profile");
    r.peer = string_or(b, "peer");
    if (r.status == run_status::ok || !m.samples.empty()) r.metrics.push_back(std::move(m));
    if (const auto c = b.find("counts"); c != b.end() && c->is_object()) {
      for (const char* name : {"instructions", "estimated_cycles"}) {
        const auto v = c->find(name);
        if (v == c->end() || !v->is_array()) continue;
        metric counted;
        counted.name = name;
        counted.kind = metric_kind::count;
        counted.unit = std::string(name) + "/" + string_or(*c, "per", "iteration");
        for (const auto& x : *v) {
          if (x.is_number()) counted.samples.push_back(x.get<double>());
        }
        r.metrics.push_back(std::move(counted));
      }
    }
    if (const auto c = b.find("counters"); c != b.end() && c->is_object()) {
      for (const auto& [name, value] : c->items()) {
        if (!value.is_number()) continue;
        metric counter;
        counter.name = name;
        counter.kind = metric_kind::count;
        counter.samples.push_back(value.get<double>());
        r.metrics.push_back(std::move(counter));
      }
    }
    out.benchmarks.push_back(std::move(r));
  }
  return out;
}

// ---- Google Benchmark ------------------------------------------------------------

double to_ns(const std::string& unit) {
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 1;  // ns, the default
}

const std::set<std::string>& google_fixed_fields() {
  static const std::set<std::string> fields{"name",
                                            "family_index",
                                            "per_family_instance_index",
                                            "run_name",
                                            "run_type",
                                            "repetitions",
                                            "repetition_index",
                                            "threads",
                                            "iterations",
                                            "real_time",
                                            "cpu_time",
                                            "time_unit",
                                            "aggregate_name",
                                            "aggregate_unit",
                                            "error_occurred",
                                            "error_message",
                                            "label",
                                            "big_o",
                                            "rms",
                                            "complexity",
                                            "skipped",
                                            "skip_message"};
  return fields;
}

/// Throughput-like counters are better higher; the rest (times, bytes, counts
/// of work) lower. A thresholds file can say otherwise per metric.
bool counter_lower_is_better(const std::string& name) {
  for (const char* higher : {"per_second", "_rate", "throughput", "ops", "/s"}) {
    if (name.find(higher) != std::string::npos) return false;
  }
  return true;
}

// A Google Benchmark run's rows: its repetitions and its aggregates by name.
struct google_rows {
  std::vector<const json*> iterations;
  std::map<std::string, const json*> aggregates;
};

// Rows grouped by run name, in order of first appearance.
expected<std::vector<std::pair<std::string, google_rows>>> group_google_rows(
    const json& doc, const std::string& source) {
  std::vector<std::pair<std::string, google_rows>> runs;
  std::map<std::string, std::size_t> index;
  for (const auto& row : doc["benchmarks"]) {
    if (!row.is_object() || !row.contains("name") || !row["name"].is_string())
      return schema_error(source, "a benchmark row without a \"name\" string");
    const std::string run = string_or(row, "run_name", row["name"].get<std::string>());
    const auto [it, added] = index.try_emplace(run, runs.size());
    if (added) runs.emplace_back(run, google_rows{});
    auto& g = runs[it->second].second;
    if (string_or(row, "run_type", "iteration") == "aggregate") {
      g.aggregates[string_or(row, "aggregate_name")] = &row;
    } else {
      g.iterations.push_back(&row);
    }
  }
  return runs;
}

// Every numeric field of a run's rows is a metric: times (in ns), rates,
// counters, and perftrack count's instruction counts.
class google_metrics {
public:
  template <class Take>
  void values_of(const json& row, Take&& take) {
    const double scale = to_ns(string_or(row, "time_unit", "ns"));
    for (const auto& [key, value] : row.items()) {
      const bool time = key == "real_time" || key == "cpu_time";
      if (!time && google_fixed_fields().count(key)) continue;
      if (!value.is_number() && !value.is_null()) continue;
      const double v =
          value.is_null() ? std::nan("") : value.template get<double>() * (time ? scale : 1);
      take(metric_for(key), v);
    }
  }
  /// The metrics in order of first appearance.
  std::vector<metric> take_all() {
    std::vector<metric> out;
    for (const auto& name : names_) out.push_back(std::move(metrics_[name]));
    return out;
  }
  std::map<std::string, metric>& by_name() { return metrics_; }

private:
  metric& metric_for(const std::string& name) {
    auto [it, added] = metrics_.try_emplace(name);
    if (!added) return it->second;
    names_.push_back(name);
    metric& m = it->second;
    m.name = name;
    if (name == "real_time" || name == "cpu_time") {
      m.unit = "ns";
    } else if (is_instruction_count(name)) {
      // perftrack count's Callgrind counts per iteration (docs/compare.md).
      m.kind = metric_kind::count;
      m.unit = name + "/iteration";
    } else {
      m.unit = name.find("per_second") != std::string::npos ? "/s" : "";
      m.lower_is_better = counter_lower_is_better(name);
    }
    return m;
  }
  std::vector<std::string> names_;
  std::map<std::string, metric> metrics_;
};

// --benchmark_report_aggregates_only: a summary per metric.
void read_google_summaries(const google_rows& g, google_metrics& metrics) {
  const auto read = [&](const char* aggregate, auto&& set) {
    const auto it = g.aggregates.find(aggregate);
    if (it != g.aggregates.end()) metrics.values_of(*it->second, set);
  };
  read("median", [](metric& m, double v) { m.summary_median = v; });
  read("mean", [](metric& m, double v) { m.summary_mean = v; });
  read("stddev", [](metric& m, double v) { m.summary_stddev = v; });
  const json* any = g.aggregates.begin()->second;
  for (auto& [name, m] : metrics.by_name()) {
    m.summary_only = true;
    m.summary_n = static_cast<std::size_t>(number_or(*any, "repetitions", 0));
    if (m.summary_median == 0) m.summary_median = m.summary_mean;
  }
}

benchmark_result google_benchmark(const std::string& run, const google_rows& g) {
  benchmark_result r;
  r.name = run;
  r.category = run.substr(0, run.find('/'));
  google_metrics metrics;
  for (const json* row : g.iterations) {
    ++r.runs;
    if (row->value("error_occurred", false)) {
      // A failed repetition's times mean nothing: counted, not sampled.
      ++r.failed_runs;
      r.reason = string_or(*row, "error_message", "the benchmark reported an error");
      continue;
    }
    metrics.values_of(*row, [](metric& m, double v) {
      if (std::isfinite(v)) m.samples.push_back(v);
    });
  }
  if (r.runs > 0 && r.failed_runs == r.runs) r.status = run_status::error;
  if (g.iterations.empty() && !g.aggregates.empty()) read_google_summaries(g, metrics);
  r.metrics = metrics.take_all();
  return r;
}

expected<result_set> read_google(const json& doc, const std::string& source) {
  result_set out;
  out.format = "google-benchmark";
  out.source = source;
  if (const auto ctx = doc.find("context"); ctx != doc.end() && ctx->is_object()) {
    if (ctx->contains("num_cpus")) out.comparability["num_cpus"] = scalar_text((*ctx)["num_cpus"]);
    if (ctx->contains("mhz_per_cpu"))
      out.comparability["mhz_per_cpu"] = scalar_text((*ctx)["mhz_per_cpu"]);
    out.comparability["library_build_type"] = string_or(*ctx, "library_build_type");
    out.time = string_or(*ctx, "date");
  }
  auto runs = group_google_rows(doc, source);
  if (!runs) return runs.error();
  for (const auto& [run, rows] : *runs) out.benchmarks.push_back(google_benchmark(run, rows));
  return out;
}

// ---- pytest-benchmark --------------------------------------------------------------

expected<result_set> read_pytest(const json& doc, const std::string& source) {
  result_set out;
  out.format = "pytest-benchmark";
  out.source = source;
  if (const auto mi = doc.find("machine_info"); mi != doc.end() && mi->is_object()) {
    if (const auto cpu = mi->find("cpu"); cpu != mi->end() && cpu->is_object()) {
      out.comparability["cpu"] = string_or(*cpu, "brand_raw", string_or(*cpu, "brand"));
      if (cpu->contains("count")) out.comparability["cores"] = scalar_text((*cpu)["count"]);
    }
    out.comparability["python"] =
        string_or(*mi, "python_implementation") + " " + string_or(*mi, "python_version");
    out.comparability["machine"] = string_or(*mi, "machine");
  }
  if (const auto ci = doc.find("commit_info"); ci != doc.end() && ci->is_object()) {
    out.git_sha = string_or(*ci, "id");
    out.branch = string_or(*ci, "branch");
  }
  out.time = string_or(doc, "datetime");
  for (const auto& b : doc["benchmarks"]) {
    if (!b.is_object() || !b.contains("stats") || !b["stats"].is_object())
      return schema_error(source, "a pytest-benchmark entry without \"stats\"");
    benchmark_result r;
    r.name = string_or(b, "fullname", string_or(b, "name"));
    r.category = string_or(b, "group");
    if (r.name.empty()) return schema_error(source, "a pytest-benchmark entry without a name");
    const auto& st = b["stats"];
    metric m;
    m.name = "time";
    m.unit = "ns";
    if (const auto data = st.find("data"); data != st.end() && data->is_array() && !data->empty()) {
      for (const auto& v : *data) {
        if (v.is_number()) m.samples.push_back(v.get<double>() * 1e9);
      }
    } else {
      m.summary_only = true;
      m.summary_median = number_or(st, "median", number_or(st, "mean", 0)) * 1e9;
      m.summary_mean = number_or(st, "mean", 0) * 1e9;
      m.summary_stddev = number_or(st, "stddev", 0) * 1e9;
      m.summary_n = static_cast<std::size_t>(number_or(st, "rounds", 0));
      m.quantiles = quantiles_of(
          st, {{"min", 0}, {"q1", 0.25}, {"median", 0.5}, {"q3", 0.75}, {"max", 1}}, 1e9);
    }
    r.metrics.push_back(std::move(m));
    out.benchmarks.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::string result_set::comparability_key() const {
  std::string key;
  for (const auto& [field, value] : comparability) {
    if (!key.empty()) key += "; ";
    key += field;
    key += '=';
    key += value;
  }
  return key;
}

std::string replace_non_finite_tokens(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      continue;
    }
    bool replaced = false;
    for (std::string_view token : {"-Infinity", "Infinity", "NaN", "-NaN"}) {
      if (text.substr(i, token.size()) == token) {
        out += "null";
        i += token.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

namespace {

/// The reader for `doc`'s format, detected from its content.
expected<result_set> read_any(const json& doc, const std::string& source) {
  if (!doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array())
    return failure{source +
                   ": not a results file: expected perftrack results, Google Benchmark or "
                   "pytest-benchmark JSON (an object with a \"benchmarks\" array)"};
  if (doc.contains(baseline_marker)) return read_baseline(doc, source);
  if (doc.contains("schema_version") && doc.contains("environment"))
    return read_perftrack(doc, source);
  if (doc.contains("machine_info") || doc.contains("commit_info")) return read_pytest(doc, source);
  if (doc.contains("context")) return read_google(doc, source);
  // No header: decide by the rows' shape.
  const auto& rows = doc["benchmarks"];
  if (!rows.empty() && rows[0].is_object() && rows[0].contains("stats"))
    return read_pytest(doc, source);
  if (!rows.empty() && rows[0].is_object() && rows[0].contains("real_time"))
    return read_google(doc, source);
  if (rows.empty()) return read_perftrack(doc, source);
  return failure{source +
                 ": unknown results schema: neither perftrack, Google Benchmark nor "
                 "pytest-benchmark"};
}

/// Benchmarks are paired by name: a name that appears twice has no single
/// counterpart, so it is an error rather than a guess.
expected<result_set> with_unique_names(expected<result_set> read) {
  if (!read) return read;
  std::set<std::string_view> names;
  for (const auto& b : read->benchmarks) {
    if (!names.insert(b.name).second)
      return failure{read->source + ": the benchmark \"" + b.name +
                     "\" appears twice; each benchmark needs one entry (results of two runs "
                     "merged into one file? compare them one by one, or pass both with "
                     "--results to pool them)"};
  }
  return read;
}

}  // namespace

expected<result_set> parse_results(std::string_view text, const std::string& source) {
  json doc = json::parse(replace_non_finite_tokens(text), nullptr, false);
  if (doc.is_discarded()) {
    // Find where it breaks, for the message.
    try {
      [[maybe_unused]] const auto unused = json::parse(replace_non_finite_tokens(text));
    } catch (const json::exception& e) {  // parse_error, or out_of_range (1e999)
      return failure{source + ": not valid JSON (" + std::string(e.what()) +
                     "); a file cut short by a killed run ends early: rerun the benchmarks"};
    }
    return failure{source + ": not valid JSON"};
  }
  try {
    return with_unique_names(read_any(doc, source));
  } catch (const json::exception& e) {  // a reader met a value of an unexpected type
    return failure{source + ": not a results file this reader understands (" +
                   std::string(e.what()) + ")"};
  }
}

expected<result_set> load_results(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
      return failure{file.string() +
                     ": no such file: pass a results file written by perftrack "
                     "bench --json, Google Benchmark or pytest-benchmark"};
    return failure{file.string() + ": cannot read it (permissions?)"};
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_results(buffer.str(), file.string());
}

void append_run(result_set& into, const result_set& run) {
  if (into.benchmarks.empty() && into.format.empty()) {
    into = run;
    return;
  }
  std::map<std::string, benchmark_result*> by_name;
  for (auto& b : into.benchmarks) by_name[b.name] = &b;
  for (const auto& b : run.benchmarks) {
    const auto it = by_name.find(b.name);
    if (it == by_name.end()) {
      into.benchmarks.push_back(b);
      continue;
    }
    auto& target = *it->second;
    if (b.status != run_status::ok) {
      target.status = b.status;
      target.reason = b.reason;
    }
    target.runs += b.runs;
    target.failed_runs += b.failed_runs;
    target.peak_rss_bytes = std::max(target.peak_rss_bytes, b.peak_rss_bytes);
    if (target.profile.empty()) target.profile = b.profile;
    if (target.peer.empty()) target.peer = b.peer;
    for (const auto& m : b.metrics) {
      const auto same = std::find_if(target.metrics.begin(), target.metrics.end(),
                                     [&](const metric& t) { return t.name == m.name; });
      if (same == target.metrics.end()) {
        target.metrics.push_back(m);
      } else {
        same->samples.insert(same->samples.end(), m.samples.begin(), m.samples.end());
      }
    }
  }
}

expected<result_set> load_runs(const std::vector<std::filesystem::path>& files) {
  result_set all;
  for (const auto& f : files) {
    auto one = load_results(f);
    if (!one) return one.error();
    append_run(all, *one);
  }
  if (files.size() > 1) all.source += " (+" + std::to_string(files.size() - 1) + " more runs)";
  return all;
}

}  // namespace perftrack::gate
