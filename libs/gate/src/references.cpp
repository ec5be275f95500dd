// Rules 10-12 of docs/compare.md: counts, peers and the machine's drift.

#include "references.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "perftrack/gate/statistics.hpp"
#include "rows.hpp"

namespace perftrack::gate::detail {
namespace {

bool instruction_count(const comparison_row& r) {
  return r.test == test_kind::count && is_instruction_count(r.metric);
}

/// A duration or a rate measured from samples or summaries: what the
/// machine's speed moves (counts, bytes and error rates it does not).
bool timing(const comparison_row& r) {
  const bool measured = r.test == test_kind::mann_whitney || r.test == test_kind::wilcoxon ||
                        r.test == test_kind::summary;
  const std::string_view u = r.unit;
  const bool duration = u == "ns" || u == "us" || u == "ms" || u == "s";
  const bool rate = u.size() > 2 && u.substr(u.size() - 2) == "/s";
  return measured && (duration || rate) && finite_change(r);
}

/// A change as log(time taken now / then): positive when slower.
double log_slower(const comparison_row& r, double change) {
  const double l = std::log1p(change);
  return r.lower_is_better ? l : -l;
}
double log_slower(const comparison_row& r) { return log_slower(r, r.change); }

/// The end of the row's interval nearer to no change, as log_slower (the
/// estimate when the interval is not finite).
double near_end(const comparison_row& r) {
  const double own = log_slower(r);
  if (!std::isfinite(r.ci_low) || !std::isfinite(r.ci_high)) return own;
  const double a = log_slower(r, r.ci_low), b = log_slower(r, r.ci_high);
  return own > 0 ? std::min(a, b) : std::max(a, b);
}

/// By benchmark counted on both sides: whether its instructions are unchanged.
std::map<std::string, bool> instructions_unchanged(const std::vector<comparison_row>& rows) {
  std::map<std::string, bool> unchanged;
  for (const auto& r : rows) {
    if (!instruction_count(r) || r.metric != "instructions") continue;
    auto [it, fresh] = unchanged.emplace(r.benchmark, true);
    it->second = it->second && r.verdict == severity::unchanged;
  }
  return unchanged;
}

}  // namespace

/// A benchmark counted under Callgrind on both sides rests its verdict on its
/// instruction count (CodSpeed and iai-callgrind gate the same way): when that
/// is unchanged, its timings are unchanged too, whatever the machine's noise
/// made of them, which the note keeps. When it changed, the timings keep their
/// own verdicts. The estimated cycles keep their own verdict but are not the
/// basis: they follow the heap's layout as well as the code.
void rest_on_counts(std::vector<comparison_row>& rows) {
  const auto counts_unchanged = instructions_unchanged(rows);
  for (auto& r : rows) {
    const auto it = counts_unchanged.find(r.benchmark);
    if (it == counts_unchanged.end() || !it->second || instruction_count(r) ||
        r.verdict == severity::unchanged || r.verdict == severity::added ||
        r.verdict == severity::missing)
      continue;
    std::string alone = verdict_and_change(r);
    if (!r.note.empty()) alone += ", " + r.note;
    r.verdict = severity::unchanged;
    r.note =
        "rests on the instruction counts, which are unchanged (the timing alone: " + alone + ")";
  }
}

/// A peer's measured rows (another project's code, which no commit of ours
/// changes) are a reference beside ours: what they moved by is the machine's
/// and the harness's doing, so they are shown, never judged; the note keeps
/// what the rules alone said. A peer that failed stays critical: the run broke.
void set_peers_aside(std::vector<comparison_row>& rows) {
  for (auto& r : rows) {
    if (r.peer.empty() || r.test == test_kind::none) continue;
    const std::string alone = verdict_and_change(r);
    r.verdict = severity::reference;
    r.note =
        r.peer + "'s code, a reference beside ours, not judged (the rules alone: " + alone + ")";
  }
}

/// The machine's drift: the median timing change, as log(now / then), of
/// code that did not change: the peers' (no commit of ours touches it) and
/// our counted benchmarks' whose instructions are unchanged (the same work,
/// proven by the count, so whatever its time did is the machine's).
std::optional<machine_drift> drift_of(const std::vector<comparison_row>& rows) {
  const auto counts_unchanged = instructions_unchanged(rows);
  std::vector<double> changes;
  machine_drift drift;
  for (const auto& r : rows) {
    if (!timing(r)) continue;
    const auto it = counts_unchanged.find(r.benchmark);
    if (!r.peer.empty()) {
      ++drift.peers;
    } else if (it != counts_unchanged.end() && it->second) {
      ++drift.counted;
    } else {
      continue;
    }
    changes.push_back(log_slower(r));
  }
  if (changes.size() < 3) return std::nullopt;
  drift.slower = std::expm1(median(changes));
  return drift;
}

/// A timing of ours whose interval reaches as far as unchanged code moved,
/// the same way, cannot be told from the machine's drift: inconclusive,
/// however clear its test, with what the rules alone said. The drift is a
/// noise floor on its side (as rule 6's floor is on both): a change counts
/// only when its whole interval lies beyond it.
void allow_for_drift(std::vector<comparison_row>& rows, const machine_drift& drift) {
  const double machine = std::log1p(drift.slower);
  for (auto& r : rows) {
    const bool judged = r.verdict == severity::critical || r.verdict == severity::warning ||
                        r.verdict == severity::improvement;
    if (!judged || !r.peer.empty() || !timing(r)) continue;
    const bool slower = log_slower(r) > 0;
    const double near = near_end(r);
    if (!(slower ? machine >= near : machine <= near)) continue;
    const std::string alone = verdict_and_change(r);
    r.verdict = severity::inconclusive;
    r.note = "code that did not change ran " + percent(std::fabs(drift.slower)) +
             (drift.slower > 0 ? " slower" : " faster") + " too (the machine's drift, " +
             drift_sources(drift) + "; the rules alone: " + alone + "): rerun on a quieter machine";
  }
}

}  // namespace perftrack::gate::detail
