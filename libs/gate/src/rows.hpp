#pragma once

// Small helpers on comparison rows that compare.cpp, references.cpp and
// render.cpp share.

#include <cmath>
#include <cstdio>
#include <string>

#include "perftrack/gate/compare.hpp"

namespace perftrack::gate::detail {

inline bool finite_change(const comparison_row& r) {
  return std::isfinite(r.change) && std::isfinite(r.ci_low) && std::isfinite(r.ci_high);
}

/// "12.3%", or "+12.3%" with the sign.
inline std::string percent(double fraction, bool with_sign = false) {
  char buf[32];
  std::snprintf(buf, sizeof buf, with_sign ? "%+.1f%%" : "%.1f%%", fraction * 100);
  return buf;
}

/// "critical at +31.2%": what the rules made of a row, for a note that
/// replaces its verdict.
inline std::string verdict_and_change(const comparison_row& r) {
  std::string out(name(r.verdict));
  if (std::isfinite(r.change)) out += " at " + percent(r.change, true);
  return out;
}

/// "median of 12 peers' and 13 counted benchmarks' timings": what a drift was
/// read from.
inline std::string drift_sources(const machine_drift& d) {
  std::string out = "median of ";
  if (d.peers) out += std::to_string(d.peers) + " peers'";
  if (d.peers && d.counted) out += " and ";
  if (d.counted) out += std::to_string(d.counted) + " counted benchmarks'";
  return out + " timings";
}

}  // namespace perftrack::gate::detail
