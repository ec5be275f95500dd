// The dashboard's data from the gate's history.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "perftrack/dashboard/dashboard.hpp"

namespace perftrack::dashboard {

namespace {

constexpr std::size_t operation_columns = 120;

expected<bool> collect_history(const options& o, page_data& d) {
  auto h = gate::history::open(o.history);
  if (!h) return h.error();
  auto runs = (*h)->runs(o.limit);
  if (!runs) return runs.error();
  d.runs.assign(runs->rbegin(), runs->rend());
  if (d.runs.empty()) {
    d.notes.push_back("the history holds no run yet: record runs with perftrack compare --history");
    return true;
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
  return true;
}

}  // namespace

expected<page_data> collect(const options& o) {
  page_data d;
  d.source = o.history;
  if (!o.history.empty()) {
    if (auto h = collect_history(o, d); !h) return h.error();
  }
  if (!o.files.empty()) {
    auto ops = collect_operations(o.files, operation_columns, o.since_ns, o.until_ns);
    if (!ops) return ops.error();
    if (ops->records == 0)
      d.notes.push_back(
          "the recorded files hold no operation in the time asked for: nothing to show under "
          "Operations");
    if (ops->resource_malformed > 0)
      d.notes.push_back(
          fmt::format("{} resource samples skipped: not lines of perf-resources.ndjson",
                      ops->resource_malformed));
    if (ops->malformed > 0)
      d.notes.push_back(
          fmt::format("{} malformed lines skipped (perftrack report names them)", ops->malformed));
    d.operations = std::move(ops).value();
  }
  if (!o.results.empty()) {
    auto c = collect_comparison(o.results, d.notes);
    if (!c) return c.error();
    d.comparison = std::move(c).value();
  }
  return d;
}

}  // namespace perftrack::dashboard
