#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/gate/history.hpp"

/// `perftrack dashboard`: one self-contained HTML file (uPlot and the data
/// embedded, no request of any kind) from the gate's run history
/// (docs/dashboard.md).
namespace perftrack::dashboard {

struct options {
  std::string history;                         ///< a history file or postgresql:// URL; empty: none
  std::vector<std::filesystem::path> files;    ///< recorded operations (JSONL files or directories)
  std::vector<std::filesystem::path> results;  ///< benchmark results files, each a run to compare
  /// Records and history runs outside are left out.
  std::optional<std::int64_t> since_ns, until_ns;
  std::size_t limit = 100'000;      ///< the latest runs read
  std::string commit_url_template;  ///< "{sha}" becomes the commit; empty: no links
  std::int64_t now_ns = 0;          ///< when the page is generated
};

/// One benchmark metric over the runs that have it, oldest first.
struct series {
  std::string benchmark, metric;
  std::vector<gate::trend_point> points;
};

/// The latency heat map's rows: 4 log-spaced buckets a decade from 1 us to
/// 100 s (in ms), the first and last open-ended.
const std::vector<double>& heat_bounds_ms();

/// One operation of the recorded files, over the time columns.
struct operation {
  std::string name;
  std::uint64_t count = 0, errors = 0;
  /// Per column (NaN where it has no event): nearest-rank percentiles, in ms.
  std::vector<double> p50, p95, p99;
  /// rows x columns, row-major: events per latency bucket and column.
  std::vector<std::uint32_t> heat;
  /// Every event's latency decimated to `event_columns` columns: the least
  /// and the greatest in each (NaN where none), so that no spike is hidden.
  std::vector<double> events_min, events_max;
};

/// Two operations whose p95 moves together over the time columns.
struct pair_correlation {
  std::string a, b;
  double rho = 0;     ///< Spearman's rank correlation of their p95 series
  std::size_t n = 0;  ///< columns where both have events
};

/// A resource the recorder sampled (perf-resources.ndjson), per time column:
/// "rss_bytes" (the processes' resident memory added up, each the mean of its
/// samples in the column) or "cpu_cores" (CPU seconds per second, added up).
/// NaN where no sample falls.
struct resource_series {
  std::string name;
  std::vector<double> values;
};

/// How an operation's p95 moves with a resource over the time columns.
struct resource_correlation {
  std::string operation, resource;
  double rho = 0;     ///< Spearman's rank correlation
  std::size_t n = 0;  ///< columns where both have a value
};

struct operations_view {
  std::int64_t start_ns = 0, width_ns = 0;  ///< the columns: start + i x width
  std::size_t columns = 0;
  std::int64_t event_width_ns = 0;  ///< the events chart's columns: start + i x width
  std::size_t event_columns = 0;
  std::uint64_t records = 0, malformed = 0;
  std::vector<operation> list;  ///< by name
  /// Pairs with at least 5 shared columns, strongest |rho| first (at most 50).
  std::vector<pair_correlation> correlations;
  std::vector<resource_series> resources;  ///< empty without resource samples
  std::uint64_t resource_samples = 0, resource_malformed = 0;
  /// Every operation against every resource, at least 5 shared columns,
  /// strongest |rho| first.
  std::vector<resource_correlation> resource_correlations;
};

/// A results file as a run the page can compare.
struct compared_run {
  std::string label;  ///< the file's name (its path when two share a name)
  std::string git_sha, time, machine;
  /// Benchmark -> the folder of its CPU profile (perftrack bench --profile).
  std::map<std::string, std::string> profiles;
};

/// The differential flame graphs of one benchmark between any two compared
/// runs that profiled it: one page beside the dashboard (perftrack dashboard
/// writes it, profile::runs_diff_html), told the pair in its URL fragment.
struct profile_diff {
  std::string benchmark;
  std::string href;  ///< relative to the page
};

/// One benchmark metric's raw samples in each compared run (empty where a
/// run lacks it or has only a summary).
struct compared_metric {
  std::string benchmark, metric, unit;
  bool lower_is_better = true;
  std::vector<std::vector<double>> samples;  ///< per run
};

/// head / base - 1 of one metric: the Hodges-Lehmann ratio and its 95%
/// interval (stats::hodges_lehmann_ratio), the medians beside it.
struct metric_change {
  std::size_t metric = 0;  ///< into comparison_view::metrics
  double change = 0, low = 0, high = 0;
  double base_median = 0, head_median = 0;
};

struct comparison_view {
  std::vector<compared_run> runs;
  std::vector<compared_metric> metrics;  ///< by benchmark, then metric
  /// The first run against the last (the page's default pair), metrics with
  /// samples on both sides, largest |change| first. The page computes any
  /// other pair itself, the same way.
  std::vector<metric_change> changes;
  std::vector<profile_diff> diffs;
};

/// Reads results files (any format perftrack compare reads) as runs to
/// compare; notes say what cannot be compared.
expected<comparison_view> collect_comparison(const std::vector<std::filesystem::path>& results,
                                             std::vector<std::string>& notes);

struct page_data {
  std::string source;                         ///< the history read
  std::vector<gate::history_run> runs;        ///< oldest first
  std::vector<series> trends;                 ///< by benchmark, then metric
  std::vector<gate::change_point> changes;    ///< the history's steps, largest first
  std::vector<std::string> notes;             ///< what the page cannot show, and why
  std::optional<operations_view> operations;  ///< from --file
  std::optional<comparison_view> comparison;  ///< from --results
};

/// Reads recorded operations into `columns` time columns (at most), those in
/// [since, until] when given, and the recorder's resource samples: the
/// perf-resources.ndjson beside each file (in each directory) when present.
expected<operations_view> collect_operations(const std::vector<std::filesystem::path>& files,
                                             std::size_t columns,
                                             std::optional<std::int64_t> since_ns = {},
                                             std::optional<std::int64_t> until_ns = {});

/// Adds the resource samples of `files` (lines of perf-resources.ndjson; a
/// missing file adds nothing) to `v`'s columns and correlates them with its
/// operations. Malformed lines are counted, not fatal.
void add_resources(operations_view& v, const std::vector<std::filesystem::path>& files);

/// Reads the history and the recorded files. An empty history is not an
/// error: the page says so.
expected<page_data> collect(const options& o);

/// The page: HTML, its style and script, uPlot and the data as JSON (every
/// `<` written as \u003c, so no text closes the script), behind a Content
/// Security Policy that allows no request. Names and commits are escaped
/// wherever they appear, with JavaScript off too (the <noscript> summary).
std::string render_html(const page_data& data, const options& o);

/// The same numbers as Markdown for a PR or a wiki: the steps and operations
/// as tables, and a static SVG chart per step and per operation, whose file
/// names (relative to the Markdown file) and contents are returned beside it.
struct markdown_output {
  std::string markdown;
  std::vector<std::pair<std::string, std::string>> svgs;  ///< (file name, SVG)
};
markdown_output render_markdown(const page_data& data, const std::string& chart_dir);

/// One operation's latency heat map as a static SVG, drawn as the page draws
/// it: time on x (`v`'s columns), the log-spaced latency rows on y (at least
/// two decades), colour the count on a log scale, with a legend, and the
/// latency histogram beside it.
std::string heat_map_svg(const operations_view& v, const operation& op);

/// The trends whose points are in the page's first data block (the first
/// the page shows); the others' follow the page's script, so that the first
/// charts are drawn while the browser still reads the rest.
inline constexpr std::size_t early_trends = 24;

/// The data the page embeds, as JSON text: `data` before the page's script,
/// `late` after it: the points of the trends past the first `early_trends`
/// the page shows, in blocks of arrays (each trend's "late" its index in
/// the blocks' arrays joined).
struct page_json {
  std::string data;
  std::vector<std::string> late;
};
page_json data_json(const page_data& data, const options& o);

}  // namespace perftrack::dashboard
