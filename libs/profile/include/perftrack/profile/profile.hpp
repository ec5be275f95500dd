#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "perftrack/base/expected.hpp"

/// Sampled call stacks and the formats people's tools read (docs/profile.md):
/// folded stacks, pprof, speedscope, flame graphs as HTML and SVG.
namespace perftrack::profile {

/// One distinct call stack and how often it was sampled.
struct stack_count {
  std::vector<std::string> frames;  ///< the outermost (root) first
  std::uint64_t samples = 0;
  std::uint64_t weight = 0;  ///< the samples' periods added up, in profile::unit
  bool operator==(const stack_count&) const = default;
};

struct profile {
  /// What stack_count::samples counts: pprof's first sample type.
  std::string sample_type = "samples", sample_unit = "count";
  std::string event = "cpu-clock";   ///< what was sampled
  std::string unit = "nanoseconds";  ///< of stack_count::weight
  std::string unwinding;             ///< "fp" or "dwarf" (empty: unknown)
  std::uint64_t truncated = 0;       ///< samples whose stack stops short of an entry point
  std::int64_t start_ns = 0;         ///< Unix time of the first sample (0: unknown)
  std::int64_t duration_ns = 0;
  std::uint64_t period = 0;         ///< the nominal weight of one sample (0: unknown)
  std::vector<stack_count> stacks;  ///< each stack once, sorted frame by frame

  std::uint64_t samples() const noexcept;
  std::uint64_t weight() const noexcept;
};

/// Merges equal stacks and sorts them frame by frame; returns where each
/// stack went (the old index's new index).
std::vector<std::uint32_t> normalize(profile& p);

/// Whether a stack's root is where threads start (_start, clone, start_thread
/// and the like): otherwise the unwinder stopped short.
bool reaches_entry(const std::vector<std::string>& frames);

/// Reads `perf script` output (the default fields, or comm, tid, time,
/// period, event, ip, sym and dso): one stack per sample, innermost frame
/// first. Unknown symbols become "[dso]"; ';' in names becomes ':'.
expected<profile> parse_perf_script(std::istream& in);

/// One sample's time and stack: perf's timestamp (seconds; Unix time when
/// perf records with -k CLOCK_REALTIME) and its index in profile::stacks.
struct timed_sample {
  double time_s = 0;
  std::uint32_t stack = 0;
};

/// parse_perf_script, also giving each sample's time and stack, in file order.
expected<profile> parse_perf_script(std::istream& in, std::vector<timed_sample>& times);

/// Reads `perf script --show-switch-events` output of sched:sched_switch
/// samples: each time a thread is switched out, its stack waits until the
/// thread's next PERF_RECORD_SWITCH IN, and the time between is added to it
/// (stack_count::samples in microseconds, weight in nanoseconds). Truncated
/// counts microseconds too.
expected<profile> parse_offcpu_script(std::istream& in);

/// Folded stacks: "root;...;leaf count" per line, sorted.
void write_folded(const profile& p, std::ostream& out);
/// Reads folded stacks (as written by write_folded, flamegraph.pl's
/// stackcollapse scripts or inferno); a malformed line is an error naming it.
expected<profile> read_folded(std::istream& in);

/// Reads folded stacks from `path`: a folded file, or a profile folder
/// (its profile.folded). Errors name the file.
expected<profile> read_profile(const std::filesystem::path& path);

/// pprof: a gzip-compressed perftools.profiles.Profile with two sample types
/// (samples/count and the event's weight), one function and one location per
/// distinct frame name.
std::string pprof_gz(const profile& p);

/// speedscope's file format: one sampled profile, weighted by samples.
std::string speedscope_json(const profile& p, std::string_view name);

/// A self-contained interactive flame graph: click to zoom, search with the
/// matched share, icicle toggle. No request of any kind.
std::string flamegraph_html(const profile& p, std::string_view title);
/// A differential flame graph: the frames of `after` (or of `before`, when
/// !on_after), each coloured by how its share of all samples changed from
/// `before` to `after`: red grew, blue shrank. Shares, not counts, so
/// profiles of different lengths compare.
std::string diff_flamegraph_html(const profile& before, const profile& after, bool on_after,
                                 std::string_view title);

/// One run's profile of a benchmark, for a page that compares any two runs.
struct run_profile {
  std::string label;    ///< how the page names the run
  std::size_t run = 0;  ///< the run's number in the caller's list (the page's #base= and #head=)
  profile p;
};

/// The differential flame graph of any two of `runs`, chosen on the page or
/// in its URL fragment (#base=I&head=J&on=head|base, I and J run numbers),
/// computed in the page as diff_flamegraph_html computes it. Each run's
/// stacks are embedded once, so the page grows with the runs, not the pairs.
std::string runs_diff_html(const std::vector<run_profile>& runs, std::string_view title);

/// How a frame's share of all samples changed, in shares (0.05: five
/// percentage points), self and total.
struct frame_change {
  std::string name;
  double self = 0;
  double total = 0;
};

/// Every frame of either profile, the one whose self share grew most first.
std::vector<frame_change> frame_changes(const profile& before, const profile& after);

/// Markdown: the frames whose share of samples (self and total) grew and
/// shrank most from `before` to `after`.
std::string diff_markdown(const profile& before, const profile& after, std::string_view title);

/// The same flame graph as a static SVG (frames narrower than 0.1% left out).
std::string flamegraph_svg(const profile& p, std::string_view title);

/// Markdown: the top frames by self and by total, the unwinding and the
/// share of truncated stacks.
std::string summary_markdown(const profile& p, std::string_view title);

/// `name` (a benchmark's) as a file or folder name: every character but
/// letters, digits, '.' and '-' becomes '_'.
std::string file_name_of(std::string_view name);

/// Writes each (name, text) into `dir` (created), each whole under a
/// temporary name and renamed, so a reader never sees half of one.
expected<std::vector<std::filesystem::path>> write_files(
    const std::filesystem::path& dir,
    const std::vector<std::pair<std::string, std::string>>& files);

/// Writes every output into `dir` (created): profile.folded,
/// flamegraph.html, flamegraph.svg, profile.speedscope.json, profile.pb.gz
/// and summary.md. Each file is written whole under a temporary name and
/// renamed, so a reader never sees half of one.
expected<std::vector<std::filesystem::path>> write_outputs(const profile& p,
                                                           const std::filesystem::path& dir,
                                                           std::string_view title);

}  // namespace perftrack::profile
