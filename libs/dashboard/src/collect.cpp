// The dashboard's data from the gate's history.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/store/timestamp.hpp"

namespace perftrack::dashboard {

namespace {

constexpr std::size_t operation_columns = 120;

/// What a reader must know to read the history right: runs of several
/// machines, a long gap, metrics that are not in every run.
void history_notes(page_data& d) {
  std::set<std::string> machines;
  for (const auto& r : d.runs) {
    if (!r.comparability.empty()) machines.insert(r.comparability);
  }
  if (machines.size() > 1)
    d.notes.push_back(fmt::format(
        "the history holds runs of {} machines (comparability keys): a step where the machine "
        "changed may be the machine; hovering a run shows its machine",
        machines.size()));
  std::vector<std::int64_t> times;
  for (const auto& r : d.runs) {
    if (auto t = store::parse_timestamp(r.time)) times.push_back(*t);
  }
  std::vector<std::int64_t> gaps;
  for (std::size_t i = 1; i < times.size(); ++i) gaps.push_back(times[i] - times[i - 1]);
  if (gaps.size() >= 3 && times.size() == d.runs.size()) {
    auto sorted = gaps;
    std::sort(sorted.begin(), sorted.end());
    const auto widest = std::max_element(gaps.begin(), gaps.end());
    constexpr std::int64_t week_ns = 7 * 86'400'000'000'000;
    if (*widest > week_ns && *widest > 5 * sorted[sorted.size() / 2]) {
      const auto i = static_cast<std::size_t>(widest - gaps.begin());
      d.notes.push_back(fmt::format(
          "no run between {} and {} ({:.0f} days): by run number the charts close the gap; tick "
          "\"x by date\" to see it",
          d.runs[i].time, d.runs[i + 1].time, static_cast<double>(*widest) / 86'400e9));
    }
  }
  const auto partial = std::count_if(d.trends.begin(), d.trends.end(), [&](const series& s) {
    return s.points.size() < d.runs.size();
  });
  if (partial > 0)
    d.notes.push_back(fmt::format(
        "{} of {} benchmark metrics are not in every run (added, removed or failed): their charts "
        "have fewer points",
        partial, d.trends.size()));
}

/// --since/--until: the runs recorded in between (a run whose time cannot
/// be read is kept).
void keep_runs_between(page_data& d, std::optional<std::int64_t> since,
                       std::optional<std::int64_t> until) {
  if (!since && !until) return;
  std::erase_if(d.runs, [&](const gate::history_run& r) {
    const auto t = store::parse_timestamp(r.time);
    return t && ((since && *t < *since) || (until && *t > *until));
  });
}

/// Trend points and steps of the runs kept (the steps are found over the
/// whole history, then shown when they happened in the runs kept).
void keep_points_of_runs(page_data& d) {
  std::set<std::int64_t> kept;
  for (const auto& r : d.runs) kept.insert(r.id);
  for (auto& t : d.trends)
    std::erase_if(t.points, [&](const gate::trend_point& p) { return !kept.contains(p.run); });
  std::erase_if(d.trends, [](const series& t) { return t.points.empty(); });
  std::erase_if(d.changes,
                [&](const gate::change_point& c) { return !kept.contains(c.after.run); });
}

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
  keep_runs_between(d, o.since_ns, o.until_ns);
  if (d.runs.empty()) {
    d.notes.push_back("no run of the history was recorded between --since and --until");
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
  keep_points_of_runs(d);
  std::sort(d.changes.begin(), d.changes.end(),
            [](const auto& a, const auto& b) { return std::fabs(a.change) > std::fabs(b.change); });
  history_notes(d);
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
