// The run history in SQLite: runs, and per run every metric's summary and
// (for a while) its raw samples.

#include "perftrack/gate/history.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <numeric>

#include "perftrack/gate/statistics.hpp"

namespace perftrack::gate {
namespace {

using json = nlohmann::json;

constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY,
  recorded_ns INTEGER NOT NULL,
  time TEXT NOT NULL,
  git_sha TEXT, branch TEXT, comparability TEXT, source TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS metrics(
  run INTEGER NOT NULL REFERENCES runs(id),
  benchmark TEXT NOT NULL, metric TEXT NOT NULL, unit TEXT,
  lower_is_better INTEGER, n INTEGER, median REAL, mean REAL, stddev REAL,
  samples TEXT,
  PRIMARY KEY(run, benchmark, metric));
CREATE INDEX IF NOT EXISTS metrics_by_name ON metrics(benchmark, metric, run);
)";

std::string iso_time(std::int64_t ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// A prepared statement, finalized on scope exit.
class statement {
public:
  statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~statement() { sqlite3_finalize(s_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  bool ok() const noexcept { return s_ != nullptr; }
  statement& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  statement& bind(int i, double v) {
    if (std::isfinite(v))
      sqlite3_bind_double(s_, i, v);
    else
      sqlite3_bind_null(s_, i);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::int64_t int64(int c) const { return sqlite3_column_int64(s_, c); }
  double real(int c) const { return sqlite3_column_double(s_, c); }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(s_, c);
    return p ? reinterpret_cast<const char*>(p) : "";
  }

private:
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace

struct history::impl {
  sqlite3* db = nullptr;
  std::string file;
  ~impl() { sqlite3_close(db); }

  failure error(const std::string& what) const {
    return failure{file + ": " + what + ": " + sqlite3_errmsg(db)};
  }
  expected<bool> exec(const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return error(sql);
    return true;
  }
};

history::history(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
history::~history() = default;

expected<std::unique_ptr<history>> history::open(const std::filesystem::path& file) {
  auto p = std::make_unique<impl>();
  p->file = file.string();
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (sqlite3_open_v2(p->file.c_str(), &p->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK)
    return p->error("cannot open the history");
  sqlite3_busy_timeout(p->db, 10000);
  // A damaged or foreign file fails here, before anything is written to it.
  if (sqlite3_exec(p->db, "PRAGMA journal_mode=WAL; SELECT count(*) FROM sqlite_master;", nullptr,
                   nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(p->db, schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return failure{p->file + " is not a usable history database (" + sqlite3_errmsg(p->db) +
                   "): move it aside and a new history starts; the baseline is not affected"};
  }
  return std::unique_ptr<history>(new history(std::move(p)));
}

expected<std::int64_t> history::record(const result_set& run, std::string_view status,
                                       std::int64_t now_ns) {
  if (auto b = impl_->exec("BEGIN IMMEDIATE"); !b) return b.error();
  const auto rollback = [&](failure f) {
    sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    return f;
  };
  statement ins(impl_->db,
                "INSERT INTO runs(recorded_ns, time, git_sha, branch, comparability, source, "
                "status) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!ins.ok()) return rollback(impl_->error("prepare"));
  ins.bind(1, now_ns)
      .bind(2, run.time.empty() ? iso_time(now_ns) : run.time)
      .bind(3, run.git_sha)
      .bind(4, run.branch)
      .bind(5, run.comparability_key())
      .bind(6, run.source)
      .bind(7, status);
  if (ins.step() != SQLITE_DONE) return rollback(impl_->error("record a run"));
  const std::int64_t id = sqlite3_last_insert_rowid(impl_->db);
  statement m(impl_->db,
              "INSERT OR REPLACE INTO metrics(run, benchmark, metric, unit, lower_is_better, n, "
              "median, mean, stddev, samples) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  for (const auto& b : run.benchmarks) {
    if (b.status != "ok") continue;
    for (const auto& x : b.metrics) {
      if (x.samples.empty() && !x.summary_only) continue;
      double med, mean, sd;
      std::size_t n;
      if (x.summary_only) {
        med = x.summary_median;
        mean = x.summary_mean;
        sd = x.summary_stddev;
        n = x.summary_n;
      } else {
        n = x.samples.size();
        med = x.kind == metric_kind::measurement ? harrell_davis_median(x.samples)
                                                 : median(x.samples);
        mean = std::accumulate(x.samples.begin(), x.samples.end(), 0.0) / static_cast<double>(n);
        sd = coefficient_of_variation(x.samples) * std::fabs(mean);
      }
      m.bind(1, id)
          .bind(2, b.name)
          .bind(3, x.name)
          .bind(4, x.unit)
          .bind(5, std::int64_t{x.lower_is_better})
          .bind(6, static_cast<std::int64_t>(n))
          .bind(7, med)
          .bind(8, mean)
          .bind(9, sd);
      if (!x.samples.empty()) m.bind(10, json(x.samples).dump());
      if (m.step() != SQLITE_DONE) return rollback(impl_->error("record a metric"));
      m.reset();
    }
  }
  if (auto c = impl_->exec("COMMIT"); !c) return rollback(c.error());
  return id;
}

expected<std::vector<history_run>> history::runs(std::size_t limit) {
  statement s(impl_->db,
              "SELECT r.id, r.time, r.git_sha, r.branch, r.comparability, r.source, r.status, "
              "(SELECT count(DISTINCT benchmark) FROM metrics WHERE run = r.id) "
              "FROM runs r ORDER BY r.id DESC LIMIT ?1");
  if (!s.ok()) return impl_->error("list runs");
  s.bind(1, static_cast<std::int64_t>(limit));
  std::vector<history_run> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
                   static_cast<std::size_t>(s.int64(7))});
  }
  if (rc != SQLITE_DONE) return impl_->error("list runs");
  return out;
}

expected<std::vector<trend_point>> history::trend(std::string_view benchmark,
                                                  std::string_view metric, std::size_t limit) {
  statement s(impl_->db,
              "SELECT m.run, r.time, r.git_sha, m.median, m.n FROM metrics m "
              "JOIN runs r ON r.id = m.run WHERE m.benchmark = ?1 AND m.metric = ?2 "
              "AND m.median IS NOT NULL ORDER BY m.run DESC LIMIT ?3");
  if (!s.ok()) return impl_->error("read a trend");
  s.bind(1, benchmark).bind(2, metric).bind(3, static_cast<std::int64_t>(limit));
  std::vector<trend_point> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back(
        {s.int64(0), s.text(1), s.text(2), s.real(3), static_cast<std::size_t>(s.int64(4))});
  if (rc != SQLITE_DONE) return impl_->error("read a trend");
  std::reverse(out.begin(), out.end());
  return out;
}

expected<std::map<std::string, double>> history::noise(std::string_view comparability,
                                                       std::size_t window) {
  statement s(impl_->db,
              "SELECT m.benchmark, m.metric, m.median FROM metrics m JOIN runs r ON r.id = m.run "
              "WHERE r.comparability = ?1 AND m.median IS NOT NULL "
              "ORDER BY m.benchmark, m.metric, m.run DESC");
  if (!s.ok()) return impl_->error("read the noise");
  s.bind(1, comparability);
  std::map<std::string, std::vector<double>> series;  // newest first
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto& v = series[s.text(0) + "\t" + s.text(1)];
    if (v.size() < window) v.push_back(s.real(2));
  }
  if (rc != SQLITE_DONE) return impl_->error("read the noise");
  std::map<std::string, double> out;
  for (const auto& [key, medians] : series) {
    if (medians.size() < 5) continue;
    std::vector<double> steps;
    for (std::size_t i = 1; i < medians.size(); ++i) {
      if (medians[i] != 0) steps.push_back(std::fabs(medians[i - 1] / medians[i] - 1));
    }
    if (!steps.empty()) out[key] = median(steps);
  }
  return out;
}

expected<std::vector<change_point>> history::changes(double min_step, std::size_t min_runs) {
  statement names(impl_->db, "SELECT DISTINCT benchmark, metric FROM metrics ORDER BY 1, 2");
  if (!names.ok()) return impl_->error("find changes");
  std::vector<std::pair<std::string, std::string>> all;
  while (names.step() == SQLITE_ROW) all.emplace_back(names.text(0), names.text(1));
  std::vector<change_point> out;
  for (const auto& [benchmark, metric] : all) {
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
  const std::int64_t cutoff =
      now_ns - std::chrono::duration_cast<std::chrono::nanoseconds>(keep_samples).count();
  statement s(impl_->db,
              "UPDATE metrics SET samples = NULL WHERE samples IS NOT NULL AND run IN "
              "(SELECT id FROM runs WHERE recorded_ns < ?1)");
  if (!s.ok()) return impl_->error("prune");
  s.bind(1, cutoff);
  if (s.step() != SQLITE_DONE) return impl_->error("prune");
  statement count(impl_->db, "SELECT count(*) FROM runs WHERE recorded_ns < ?1");
  count.bind(1, cutoff);
  count.step();
  return count.int64(0);
}

}  // namespace perftrack::gate
