#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/base/run_status.hpp"

/// Benchmark results as the gate compares them, read from perftrack's results
/// JSON, Google Benchmark JSON or pytest-benchmark JSON (docs/compare.md).
namespace perftrack::gate {

enum class metric_kind {
  measurement,  ///< noisy samples: compared with a rank test and a bootstrap interval
  count,        ///< deterministic (bytes, messages): compared exactly, with a tolerance
};

/// Whether a metric is an instruction count under Callgrind (perftrack bench's
/// `counts`, perftrack count's Google Benchmark rows): compared as a count, and
/// the basis of its benchmark's verdict (docs/compare.md).
inline bool is_instruction_count(std::string_view metric_name) noexcept {
  return metric_name == "instructions" || metric_name == "estimated_cycles";
}

struct metric {
  std::string name;  ///< e.g. latency, throughput, real_time, cpu_time, a counter's name
  std::string unit;  ///< times are in ns whatever the input's unit
  bool lower_is_better = true;
  metric_kind kind = metric_kind::measurement;
  std::vector<double> samples;  ///< every raw sample (repetition)
  /// No raw samples, only a summary (Google Benchmark aggregates, pytest-benchmark
  /// without data): compared from these with a low-confidence mark.
  bool summary_only = false;
  double summary_median = 0;
  double summary_mean = 0;
  double summary_stddev = 0;
  std::size_t summary_n = 0;
  /// The distribution of single events when the input gives it, as (quantile,
  /// value) pairs in ascending order: perftrack's latency_ns percentiles,
  /// pytest-benchmark's min, quartiles and max of its rounds when it has no
  /// raw data (with data, `samples` are the rounds). Not compared by
  /// the gate; `perftrack slo validate` reads it.
  std::vector<std::pair<double, double>> quantiles;
};

struct benchmark_result {
  std::string name;
  std::string category;
  run_status status = run_status::ok;
  std::string reason;  ///< why, when not ok
  std::vector<metric> metrics;
  /// Repetitions run and how many failed (Google Benchmark rows with
  /// error_occurred): the error rate, compared with Fisher's exact test.
  std::size_t runs = 0;
  std::size_t failed_runs = 0;
  /// The most memory the benchmark's process held while it ran (perftrack's
  /// peak_rss_bytes), 0 when the input does not say. Not compared by the gate.
  double peak_rss_bytes = 0;
  /// perftrack's `profile`: the folder of the benchmark's CPU profile
  /// (perftrack bench --profile), empty when none. Not compared by the gate.
  std::string profile;
  /// Another project's code this benchmark measures (perftrack's `peer`, e.g.
  /// "CAF 0.17.6"), empty for the project's own: a reference beside them,
  /// not judged by the gate.
  std::string peer;
};

struct result_set {
  std::string format;  ///< perftrack, google-benchmark, pytest-benchmark, baseline
  std::string source;  ///< the file it came from
  /// What makes two runs comparable (CPU model, cores, compiler, build type,
  /// flags), as "field=value" pairs; empty when the input does not say.
  std::map<std::string, std::string> comparability;
  std::string git_sha, branch, time;
  std::vector<benchmark_result> benchmarks;

  /// One line: the comparability fields joined, e.g. "cpu=AMD EPYC; cores=2; ...".
  std::string comparability_key() const;
};

/// Reads a results file of any supported format (detected from its content).
/// Errors name the file and say what is wrong: unreadable, not JSON (with the
/// byte offset; a truncated file ends early), or not a known results schema.
expected<result_set> load_results(const std::filesystem::path& file);
/// The same from text; `source` names it in errors.
expected<result_set> parse_results(std::string_view text, const std::string& source);

/// Appends `run`'s samples to `into`, benchmark by benchmark and metric by
/// metric (another process's or round's run of the same benchmarks); repetition
/// counts add up, and a benchmark that failed in either run is failed. The
/// first run's header (source, machine, commit) is kept.
void append_run(result_set& into, const result_set& run);

/// Several runs of one side (e.g. the same Google Benchmark program run as
/// several processes), read and appended in order; errors name the file.
expected<result_set> load_runs(const std::vector<std::filesystem::path>& files);

/// Google Benchmark writes bare NaN, Infinity and -Infinity, which JSON does not
/// allow: returns `text` with each such token outside strings replaced by null.
std::string replace_non_finite_tokens(std::string_view text);

}  // namespace perftrack::gate
