// The history in an SQLite file (the default: history.db in the baseline
// directory).

#include <sqlite3.h>

#include <cmath>
#include <filesystem>

#include "history_backend.hpp"

namespace perftrack::gate {
namespace {

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

class sqlite_history final : public history::impl {
public:
  ~sqlite_history() override { sqlite3_close(db_); }

  static expected<std::unique_ptr<history::impl>> open(const std::string& file) {
    auto h = std::make_unique<sqlite_history>();
    h->file_ = file;
    std::error_code ec;
    const std::filesystem::path p(file);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    if (sqlite3_open_v2(file.c_str(), &h->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK)
      return h->error("cannot open the history");
    sqlite3_busy_timeout(h->db_, 10000);
    // A damaged or foreign file fails here, before anything is written to it.
    if (sqlite3_exec(h->db_, "PRAGMA journal_mode=WAL; SELECT count(*) FROM sqlite_master;",
                     nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_exec(h->db_, schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return failure{file + " is not a usable history database (" + sqlite3_errmsg(h->db_) +
                     "): move it aside and a new history starts; the baseline is not affected"};
    }
    return std::unique_ptr<history::impl>(std::move(h));
  }

  expected<std::int64_t> record(const run_header& run,
                                const std::vector<metric_summary>& metrics) override {
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
      return error("begin");
    const auto rollback = [&](failure f) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return f;
    };
    statement ins(db_,
                  "INSERT INTO runs(recorded_ns, time, git_sha, branch, comparability, source, "
                  "status) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!ins.ok()) return rollback(error("prepare"));
    ins.bind(1, run.recorded_ns)
        .bind(2, run.time)
        .bind(3, run.git_sha)
        .bind(4, run.branch)
        .bind(5, run.comparability)
        .bind(6, run.source)
        .bind(7, run.status);
    if (ins.step() != SQLITE_DONE) return rollback(error("record a run"));
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    statement m(
        db_,
        "INSERT OR REPLACE INTO metrics(run, benchmark, metric, unit, lower_is_better, "
        "n, median, mean, stddev, samples) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    for (const auto& x : metrics) {
      m.bind(1, id)
          .bind(2, x.benchmark)
          .bind(3, x.metric)
          .bind(4, x.unit)
          .bind(5, std::int64_t{x.lower_is_better})
          .bind(6, x.n)
          .bind(7, x.median)
          .bind(8, x.mean)
          .bind(9, x.stddev);
      if (!x.samples.empty()) m.bind(10, x.samples);
      if (m.step() != SQLITE_DONE) return rollback(error("record a metric"));
      m.reset();
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
      return rollback(error("commit"));
    return id;
  }

  expected<std::vector<history_run>> runs(std::size_t limit) override {
    statement s(db_,
                "SELECT r.id, r.time, r.git_sha, r.branch, r.comparability, r.source, r.status, "
                "(SELECT count(DISTINCT benchmark) FROM metrics WHERE run = r.id) "
                "FROM runs r ORDER BY r.id DESC LIMIT ?1");
    if (!s.ok()) return error("list runs");
    s.bind(1, static_cast<std::int64_t>(limit));
    std::vector<history_run> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
                     static_cast<std::size_t>(s.int64(7))});
    }
    if (rc != SQLITE_DONE) return error("list runs");
    return out;
  }

  expected<std::vector<trend_point>> latest(std::string_view benchmark, std::string_view metric,
                                            std::size_t limit) override {
    statement s(db_,
                "SELECT m.run, r.time, r.git_sha, m.median, m.n FROM metrics m "
                "JOIN runs r ON r.id = m.run WHERE m.benchmark = ?1 AND m.metric = ?2 "
                "AND m.median IS NOT NULL ORDER BY m.run DESC LIMIT ?3");
    if (!s.ok()) return error("read a trend");
    s.bind(1, benchmark).bind(2, metric).bind(3, static_cast<std::int64_t>(limit));
    std::vector<trend_point> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      out.push_back(
          {s.int64(0), s.text(1), s.text(2), s.real(3), static_cast<std::size_t>(s.int64(4))});
    if (rc != SQLITE_DONE) return error("read a trend");
    return out;
  }

  expected<std::vector<std::tuple<std::string, std::string, double>>> medians(
      std::string_view comparability) override {
    statement s(db_,
                "SELECT m.benchmark, m.metric, m.median FROM metrics m JOIN runs r ON r.id = "
                "m.run WHERE r.comparability = ?1 AND m.median IS NOT NULL "
                "ORDER BY m.benchmark, m.metric, m.run DESC");
    if (!s.ok()) return error("read the noise");
    s.bind(1, comparability);
    std::vector<std::tuple<std::string, std::string, double>> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.emplace_back(s.text(0), s.text(1), s.real(2));
    if (rc != SQLITE_DONE) return error("read the noise");
    return out;
  }

  expected<std::vector<std::pair<std::string, std::string>>> metric_names() override {
    statement s(db_, "SELECT DISTINCT benchmark, metric FROM metrics ORDER BY 1, 2");
    if (!s.ok()) return error("list metrics");
    std::vector<std::pair<std::string, std::string>> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.emplace_back(s.text(0), s.text(1));
    if (rc != SQLITE_DONE) return error("list metrics");
    return out;
  }

  expected<std::int64_t> drop_samples_before(std::int64_t cutoff) override {
    statement s(db_,
                "UPDATE metrics SET samples = NULL WHERE samples IS NOT NULL AND run IN "
                "(SELECT id FROM runs WHERE recorded_ns < ?1)");
    if (!s.ok()) return error("prune");
    s.bind(1, cutoff);
    if (s.step() != SQLITE_DONE) return error("prune");
    statement count(db_, "SELECT count(*) FROM runs WHERE recorded_ns < ?1");
    count.bind(1, cutoff);
    if (count.step() != SQLITE_ROW) return error("prune");
    return count.int64(0);
  }

private:
  failure error(const std::string& what) const {
    return failure{file_ + ": " + what + ": " + sqlite3_errmsg(db_)};
  }

  sqlite3* db_ = nullptr;
  std::string file_;
};

}  // namespace

expected<std::unique_ptr<history::impl>> open_sqlite_history(const std::string& file) {
  return sqlite_history::open(file);
}

}  // namespace perftrack::gate
