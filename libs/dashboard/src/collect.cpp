// The dashboard's data from the gate's history.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "perftrack/dashboard/dashboard.hpp"

namespace perftrack::dashboard {

expected<page_data> collect(const options& o) {
  auto h = gate::history::open(o.history);
  if (!h) return h.error();
  page_data d;
  d.source = o.history;
  auto runs = (*h)->runs(o.limit);
  if (!runs) return runs.error();
  d.runs.assign(runs->rbegin(), runs->rend());
  if (d.runs.empty()) {
    d.notes.push_back("the history holds no run yet: record runs with perftrack compare --history");
    return d;
  }
  auto metrics = (*h)->metrics();
  if (!metrics) return metrics.error();
  std::sort(metrics->begin(), metrics->end());
  for (const auto& [benchmark, metric] : *metrics) {
    auto points = (*h)->trend(benchmark, metric, o.limit);
    if (!points) return points.error();
    if (!points->empty()) d.trends.push_back({benchmark, metric, std::move(points).value()});
  }
  auto changes = (*h)->changes();
  if (!changes) return changes.error();
  d.changes = std::move(changes).value();
  std::sort(d.changes.begin(), d.changes.end(),
            [](const auto& a, const auto& b) { return std::fabs(a.change) > std::fabs(b.change); });
  if (d.runs.size() < 7)
    d.notes.push_back(fmt::format("{} runs: a step needs at least 3 runs on each side to be found",
                                  d.runs.size()));
  return d;
}

}  // namespace perftrack::dashboard
