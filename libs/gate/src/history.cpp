// The run history: what is recorded per run, and what is computed from it
// (A/A noise, change points). Storage is a backend: an SQLite file
// (history_sqlite.cpp) or a PostgreSQL server (history_postgres.cpp).

#include "perftrack/gate/history.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <numeric>
#include <tuple>

#include "history_backend.hpp"
#include "perftrack/gate/statistics.hpp"
#include "perftrack/stats/percentile.hpp"

namespace perftrack::gate {
namespace {

/// The numbers of a stored samples array as record() writes it ("[1.5,2.0]");
/// read without a JSON parser, which took half of a 100,000-point dashboard.
std::vector<double> stored_samples(std::string_view text) {
  std::vector<double> out;
  if (text.empty() || text.front() != '[') return out;
  const char* p = text.data() + 1;
  const char* const end = text.data() + text.size();
  while (p < end) {
    while (p < end && (*p == ',' || *p == ' ' || *p == ']')) ++p;
    double v = 0;
    const auto r = std::from_chars(p, end, v);
    if (r.ec != std::errc{}) break;
    out.push_back(v);
    p = r.ptr;
  }
  return out;
}

std::string iso_time(std::int64_t ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

history::history(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
history::~history() = default;

expected<std::unique_ptr<history>> history::open(const std::string& location) {
  const bool server = location.starts_with("postgresql://") || location.starts_with("postgres://");
  auto backend = server ? open_postgres_history(location) : open_sqlite_history(location);
  if (!backend) return backend.error();
  return std::unique_ptr<history>(new history(std::move(*backend)));
}

expected<std::int64_t> history::record(const result_set& run, std::string_view status,
                                       std::int64_t now_ns) {
  run_header h{now_ns,
               run.time.empty() ? iso_time(now_ns) : run.time,
               run.git_sha,
               run.branch,
               run.comparability_key(),
               run.source,
               std::string(status)};
  std::vector<metric_summary> rows;
  for (const auto& b : run.benchmarks) {
    if (b.status != run_status::ok) continue;
    for (const auto& x : b.metrics) {
      if (x.samples.empty() && !x.summary_only) continue;
      metric_summary m{b.name, x.name, x.unit, x.lower_is_better};
      if (x.summary_only) {
        m.n = static_cast<std::int64_t>(x.summary_n);
        m.median = x.summary_median;
        m.mean = x.summary_mean;
        m.stddev = x.summary_stddev;
      } else {
        m.n = static_cast<std::int64_t>(x.samples.size());
        m.median = x.kind == metric_kind::measurement ? harrell_davis_median(x.samples)
                                                      : median(x.samples);
        m.mean = std::accumulate(x.samples.begin(), x.samples.end(), 0.0) /
                 static_cast<double>(x.samples.size());
        m.stddev = coefficient_of_variation(x.samples) * std::fabs(m.mean);
        m.samples = nlohmann::json(x.samples).dump();
      }
      rows.push_back(std::move(m));
    }
  }
  return impl_->record(h, rows);
}

expected<std::vector<history_run>> history::runs(std::size_t limit) { return impl_->runs(limit); }

expected<std::vector<std::pair<std::string, std::string>>> history::metrics() {
  return impl_->metric_names();
}

expected<std::vector<trend_point>> history::trend(std::string_view benchmark,
                                                  std::string_view metric, std::size_t limit) {
  auto stored = impl_->latest(benchmark, metric, limit);
  if (!stored) return stored.error();
  std::vector<trend_point> points;
  points.reserve(stored->size());
  for (auto it = stored->rbegin(); it != stored->rend(); ++it) {  // oldest first
    trend_point& p = points.emplace_back(std::move(it->first));
    std::vector<double> sorted = stored_samples(it->second);
    if (sorted.empty()) continue;
    std::sort(sorted.begin(), sorted.end());
    std::tie(p.low, p.high) = stats::median_interval(sorted);
  }
  return points;
}

expected<std::map<std::string, double>> history::noise(std::string_view comparability,
                                                       std::size_t window) {
  auto rows = impl_->medians(comparability);
  if (!rows) return rows.error();
  std::map<std::string, std::vector<double>> series;  // newest first
  for (const auto& [benchmark, metric, m] : *rows) {
    auto& v = series[benchmark + "\t" + metric];
    if (v.size() < window) v.push_back(m);
  }
  std::map<std::string, double> out;
  for (const auto& [key, medians] : series) {
    if (medians.size() < 5) continue;
    std::vector<double> steps;
    for (std::size_t i = 1; i < medians.size(); ++i) {
      if (medians[i] != 0) steps.push_back(std::fabs(medians[i - 1] / medians[i] - 1));
    }
    // The mean, not the median: the occasional jump between runs (a neighbour's
    // load, another page-cache state) is exactly the noise a comparison must
    // not mistake for a change; a real step in the window counts once.
    if (!steps.empty())
      out[key] =
          std::accumulate(steps.begin(), steps.end(), 0.0) / static_cast<double>(steps.size());
  }
  return out;
}

expected<std::vector<change_point>> history::changes(double min_step, std::size_t min_runs) {
  auto all = impl_->metric_names();
  if (!all) return all.error();
  std::vector<change_point> out;
  for (const auto& [benchmark, metric] : *all) {
    auto t = trend(benchmark, metric, 100000);
    if (!t) return t.error();
    const auto& points = *t;
    std::vector<double> medians;
    for (const auto& p : points) medians.push_back(p.median);
    // Binary segmentation on log medians: the split with the largest
    // size-weighted difference of means (the CUSUM statistic), kept when the
    // step is large enough and the sides differ by a rank test.
    std::vector<double> logs;
    for (const double m : medians) logs.push_back(m > 0 ? std::log(m) : 0);
    std::vector<std::pair<std::size_t, std::size_t>> todo{{0, medians.size()}};
    std::vector<change_point> found;
    while (!todo.empty()) {
      const auto [lo, hi] = todo.back();
      todo.pop_back();
      if (hi - lo < 2 * min_runs) continue;
      double best_score = 0;
      std::size_t at = 0;
      const double total = std::accumulate(logs.begin() + static_cast<std::ptrdiff_t>(lo),
                                           logs.begin() + static_cast<std::ptrdiff_t>(hi), 0.0);
      double left = 0;
      for (std::size_t k = lo; k + 1 < hi; ++k) {
        left += logs[k];
        const std::size_t n1 = k + 1 - lo, n2 = hi - k - 1;
        if (n1 < min_runs || n2 < min_runs) continue;
        const double diff =
            left / static_cast<double>(n1) - (total - left) / static_cast<double>(n2);
        const double score =
            std::sqrt(static_cast<double>(n1 * n2) / static_cast<double>(hi - lo)) *
            std::fabs(diff);
        if (score > best_score) {
          best_score = score;
          at = k + 1;
        }
      }
      double best = 0;
      if (at != 0) {
        const std::span<const double> before(medians.data() + lo, at - lo);
        const std::span<const double> after(medians.data() + at, hi - at);
        best = std::fabs(median(after) / median(before) - 1);
      }
      if (at == 0 || best < min_step) continue;
      const std::span<const double> before(medians.data() + lo, at - lo);
      const std::span<const double> after(medians.data() + at, hi - at);
      if (mann_whitney_u(before, after).p_value > 0.01) continue;
      found.push_back(
          {benchmark, metric, points[at - 1], points[at], median(after) / median(before) - 1});
      todo.emplace_back(lo, at);
      todo.emplace_back(at, hi);
    }
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.after.run < b.after.run; });
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

expected<std::int64_t> history::prune(std::int64_t now_ns, std::chrono::seconds keep_samples) {
  return impl_->drop_samples_before(
      now_ns - std::chrono::duration_cast<std::chrono::nanoseconds>(keep_samples).count());
}

}  // namespace perftrack::gate
