#include "baseline_format.hpp"

namespace perftrack::gate {

using json = nlohmann::json;

json baseline_json(const result_set& r) {
  json doc;
  doc[baseline_marker] = 1;
  doc["source_format"] = r.format;
  doc["comparability"] = r.comparability;
  doc["git_sha"] = r.git_sha;
  doc["branch"] = r.branch;
  doc["time"] = r.time;
  json benchmarks = json::array();
  for (const auto& b : r.benchmarks) {
    json jb{{"name", b.name}, {"category", b.category}, {"status", std::string(name(b.status))}};
    if (!b.reason.empty()) jb["reason"] = b.reason;
    if (!b.peer.empty()) jb["peer"] = b.peer;
    if (b.runs > 0) {
      jb["runs"] = b.runs;
      jb["failed_runs"] = b.failed_runs;
    }
    json metrics = json::array();
    for (const auto& m : b.metrics) {
      json jm{{"name", m.name},
              {"unit", m.unit},
              {"lower_is_better", m.lower_is_better},
              {"kind", m.kind == metric_kind::count ? "count" : "measurement"},
              {"samples", m.samples}};
      if (m.summary_only) {
        jm["summary"] = {{"median", m.summary_median},
                         {"mean", m.summary_mean},
                         {"stddev", m.summary_stddev},
                         {"n", m.summary_n}};
      }
      metrics.push_back(std::move(jm));
    }
    jb["metrics"] = std::move(metrics);
    benchmarks.push_back(std::move(jb));
  }
  doc["benchmarks"] = std::move(benchmarks);
  return doc;
}

expected<result_set> read_baseline(const json& doc, const std::string& source) {
  result_set out;
  out.format = "baseline";
  out.source = source;
  try {
    if (doc.contains("comparability"))
      out.comparability = doc["comparability"].get<std::map<std::string, std::string>>();
    out.git_sha = doc.value("git_sha", "");
    out.branch = doc.value("branch", "");
    out.time = doc.value("time", "");
    for (const auto& jb : doc["benchmarks"]) {
      benchmark_result b;
      b.name = jb.at("name").get<std::string>();
      b.category = jb.value("category", "");
      b.status = parse_run_status(jb.value("status", "ok"));
      b.reason = jb.value("reason", "");
      b.peer = jb.value("peer", "");
      b.runs = jb.value("runs", std::size_t{0});
      b.failed_runs = jb.value("failed_runs", std::size_t{0});
      for (const auto& jm : jb.at("metrics")) {
        metric m;
        m.name = jm.at("name").get<std::string>();
        m.unit = jm.value("unit", "");
        m.lower_is_better = jm.value("lower_is_better", true);
        m.kind = jm.value("kind", "measurement") == "count" ? metric_kind::count
                                                            : metric_kind::measurement;
        for (const auto& v : jm.at("samples")) {
          if (v.is_number()) m.samples.push_back(v.get<double>());
        }
        if (const auto s = jm.find("summary"); s != jm.end()) {
          m.summary_only = true;
          m.summary_median = s->value("median", 0.0);
          m.summary_mean = s->value("mean", 0.0);
          m.summary_stddev = s->value("stddev", 0.0);
          m.summary_n = s->value("n", std::size_t{0});
        }
        b.metrics.push_back(std::move(m));
      }
      out.benchmarks.push_back(std::move(b));
    }
  } catch (const json::exception& e) {
    return failure{source + ": a damaged baseline file (" + std::string(e.what()) +
                   "): restore it from version control, or delete it and run with "
                   "--update-baseline to start a new one"};
  }
  return out;
}

}  // namespace perftrack::gate
