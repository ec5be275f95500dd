// Compare two runs: results files read by the gate's readers.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/gate/results.hpp"
#include "perftrack/stats/percentile.hpp"
#include "perftrack/stats/shift.hpp"

namespace perftrack::dashboard {
namespace {

/// Each file's name, or its whole path when two files share a name.
std::vector<std::string> labels(const std::vector<std::filesystem::path>& files) {
  std::map<std::string, int> uses;
  for (const auto& f : files) ++uses[f.filename().string()];
  std::vector<std::string> out;
  for (const auto& f : files)
    out.push_back(uses[f.filename().string()] > 1 ? f.string() : f.filename().string());
  return out;
}

double median_of(std::vector<double> v) { return v.empty() ? std::nan("") : stats::median(v); }

std::vector<metric_change> first_against_last(const comparison_view& v) {
  std::vector<metric_change> out;
  if (v.runs.size() < 2) return out;
  for (std::size_t i = 0; i < v.metrics.size(); ++i) {
    const auto& base = v.metrics[i].samples.front();
    const auto& head = v.metrics[i].samples.back();
    const auto r = stats::hodges_lehmann_ratio(base, head);
    if (std::isnan(r.estimate)) continue;
    out.push_back({.metric = i,
                   .change = r.estimate - 1,
                   .low = r.low - 1,
                   .high = r.high - 1,
                   .base_median = median_of(base),
                   .head_median = median_of(head)});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::fabs(a.change) > std::fabs(b.change);
  });
  return out;
}

}  // namespace

expected<comparison_view> collect_comparison(const std::vector<std::filesystem::path>& results,
                                             std::vector<std::string>& notes) {
  comparison_view v;
  const auto names = labels(results);
  std::map<std::pair<std::string, std::string>, compared_metric> metrics;
  std::size_t summaries = 0;
  for (std::size_t r = 0; r < results.size(); ++r) {
    auto run = gate::load_results(results[r]);
    if (!run) return run.error();
    v.runs.push_back({names[r], run->git_sha, run->time, run->comparability_key(), {}});
    for (const auto& b : run->benchmarks) {
      if (!b.profile.empty()) {  // a relative folder is the results file's
        std::filesystem::path dir = b.profile;
        if (dir.is_relative()) dir = std::filesystem::absolute(results[r]).parent_path() / dir;
        v.runs.back().profiles[b.name] = dir.lexically_normal().string();
      }
      for (const auto& m : b.metrics) {
        auto& cm = metrics[{b.name, m.name}];
        if (cm.samples.empty()) {
          cm = {b.name, m.name, m.unit, m.lower_is_better, {}};
          cm.samples.resize(results.size());
        }
        summaries += m.samples.empty() ? 1 : 0;
        cm.samples[r] = m.samples;
      }
    }
  }
  std::size_t partial = 0;
  for (auto& [key, m] : metrics) {
    partial +=
        std::any_of(m.samples.begin(), m.samples.end(), [](const auto& s) { return s.empty(); });
    v.metrics.push_back(std::move(m));
  }
  if (v.runs.size() == 1)
    notes.push_back(
        "one results file: comparing needs two (--results A --results B); its distributions are "
        "shown");
  if (partial > 0)
    notes.push_back(
        fmt::format("{} benchmark metrics are missing from some runs (or have only a summary): "
                    "they cannot be compared there",
                    partial));
  if (summaries > 0)
    notes.push_back(
        fmt::format("{} metrics come without raw samples (a summary only): no distribution to draw",
                    summaries));
  v.changes = first_against_last(v);
  return v;
}

}  // namespace perftrack::dashboard
