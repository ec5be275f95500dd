// The history in an SQLite file (the default: history.db in the baseline
// directory).

#include <fmt/format.h>

#include <filesystem>

#include "history_backend.hpp"
#include "perftrack/sqlite/sqlite.hpp"

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

class sqlite_history final : public history::impl {
public:
  static expected<std::unique_ptr<history::impl>> open(const std::string& file) {
    std::error_code ec;
    const std::filesystem::path p(file);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    sqlite3* handle = nullptr;
    const int rc =
        sqlite3_open_v2(file.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    auto h = std::make_unique<sqlite_history>(file, handle);
    if (rc != SQLITE_OK) return h->error("cannot open the history");
    sqlite3_busy_timeout(handle, 10000);
    // A damaged or foreign file fails here, before anything is written to it.
    if (!h->db_.exec("PRAGMA journal_mode=WAL; SELECT count(*) FROM sqlite_master;") ||
        !h->db_.exec(schema)) {
      return failure{fmt::format(
          "{} is not a usable history database ({}): move it aside and a new history starts; "
          "the baseline is not affected",
          file, h->db_.message())};
    }
    return std::unique_ptr<history::impl>(std::move(h));
  }

  sqlite_history(std::string file, sqlite3* handle) : db_(handle), file_(std::move(file)) {}

  expected<std::int64_t> record(const run_header& run,
                                const std::vector<metric_summary>& metrics) override {
    sqlite::transaction tx(db_);
    if (!tx.begin()) return error("begin");
    auto& ins = db_.stmt(
        "INSERT INTO runs(recorded_ns, time, git_sha, branch, comparability, source, "
        "status) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!ins.ok()) return error("prepare");
    const sqlite::reset_guard ins_reset(ins);
    ins.bind(1, run.recorded_ns)
        .bind(2, run.time)
        .bind(3, run.git_sha)
        .bind(4, run.branch)
        .bind(5, run.comparability)
        .bind(6, run.source)
        .bind(7, run.status);
    if (ins.step() != SQLITE_DONE) return error("record a run");
    const std::int64_t id = db_.last_insert_rowid();
    auto& m = db_.stmt(
        "INSERT OR REPLACE INTO metrics(run, benchmark, metric, unit, lower_is_better, "
        "n, median, mean, stddev, samples) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!m.ok()) return error("prepare");
    for (const auto& x : metrics) {
      const sqlite::reset_guard m_reset(m);
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
      if (m.step() != SQLITE_DONE) return error("record a metric");
    }
    if (!tx.commit()) return error("commit");
    return id;
  }

  expected<std::vector<history_run>> runs(std::size_t limit) override {
    auto& s = db_.stmt(
        "SELECT r.id, r.time, r.git_sha, r.branch, r.comparability, r.source, r.status, "
        "(SELECT count(DISTINCT benchmark) FROM metrics WHERE run = r.id) "
        "FROM runs r ORDER BY r.id DESC LIMIT ?1");
    if (!s.ok()) return error("list runs");
    const sqlite::reset_guard reset(s);
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

  expected<std::vector<std::pair<trend_point, std::string>>> latest(std::string_view benchmark,
                                                                    std::string_view metric,
                                                                    std::size_t limit) override {
    auto& s = db_.stmt(
        "SELECT m.run, r.time, r.git_sha, m.median, m.n, m.samples FROM metrics m "
        "JOIN runs r ON r.id = m.run WHERE m.benchmark = ?1 AND m.metric = ?2 "
        "AND m.median IS NOT NULL ORDER BY m.run DESC LIMIT ?3");
    if (!s.ok()) return error("read a trend");
    const sqlite::reset_guard reset(s);
    s.bind(1, benchmark).bind(2, metric).bind(3, static_cast<std::int64_t>(limit));
    std::vector<std::pair<trend_point, std::string>> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      out.emplace_back(trend_point{s.int64(0), s.text(1), s.text(2), s.real(3),
                                   static_cast<std::size_t>(s.int64(4))},
                       s.text(5));
    }
    if (rc != SQLITE_DONE) return error("read a trend");
    return out;
  }

  expected<std::vector<std::tuple<std::string, std::string, double>>> medians(
      std::string_view comparability) override {
    auto& s = db_.stmt(
        "SELECT m.benchmark, m.metric, m.median FROM metrics m JOIN runs r ON r.id = "
        "m.run WHERE r.comparability = ?1 AND m.median IS NOT NULL "
        "ORDER BY m.benchmark, m.metric, m.run DESC");
    if (!s.ok()) return error("read the noise");
    const sqlite::reset_guard reset(s);
    s.bind(1, comparability);
    std::vector<std::tuple<std::string, std::string, double>> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.emplace_back(s.text(0), s.text(1), s.real(2));
    if (rc != SQLITE_DONE) return error("read the noise");
    return out;
  }

  expected<std::vector<std::pair<std::string, std::string>>> metric_names() override {
    auto& s = db_.stmt("SELECT DISTINCT benchmark, metric FROM metrics ORDER BY 1, 2");
    if (!s.ok()) return error("list metrics");
    const sqlite::reset_guard reset(s);
    std::vector<std::pair<std::string, std::string>> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.emplace_back(s.text(0), s.text(1));
    if (rc != SQLITE_DONE) return error("list metrics");
    return out;
  }

  expected<std::int64_t> drop_samples_before(std::int64_t cutoff) override {
    auto& s = db_.stmt(
        "UPDATE metrics SET samples = NULL WHERE samples IS NOT NULL AND run IN "
        "(SELECT id FROM runs WHERE recorded_ns < ?1)");
    if (!s.ok()) return error("prune");
    const sqlite::reset_guard reset(s);
    s.bind(1, cutoff);
    if (s.step() != SQLITE_DONE) return error("prune");
    auto& count = db_.stmt("SELECT count(*) FROM runs WHERE recorded_ns < ?1");
    if (!count.ok()) return error("prune");
    const sqlite::reset_guard count_reset(count);
    count.bind(1, cutoff);
    if (count.step() != SQLITE_ROW) return error("prune");
    return count.int64(0);
  }

private:
  failure error(std::string_view what) const {
    return failure{fmt::format("{}: {}: {}", file_, what, db_.message())};
  }

  sqlite::connection db_;
  std::string file_;
};

}  // namespace

expected<std::unique_ptr<history::impl>> open_sqlite_history(const std::string& file) {
  return sqlite_history::open(file);
}

}  // namespace perftrack::gate
