#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "perftrack/gate/compare.hpp"

/// Renderers of a comparison (docs/compare.md). They render only: never compare,
/// never change the comparison.
namespace perftrack::gate {

/// One line per row that is not unchanged (every row with `full`), then a
/// summary line with the overall status.
void render_console(const comparison& c, std::ostream& out, bool full);

/// The JSON report: overall_status, summary, regressions, improvements, results.
std::string render_json(const comparison& c);

/// A pull-request comment in Markdown, at most `max_chars` characters (the
/// full table is cut with a note when it would not fit).
std::string render_markdown(const comparison& c, std::size_t max_chars = 65'000);

/// JUnit XML: one test case per benchmark; a failure when a metric is at or
/// above `fail_at` (critical or warning), skipped when inconclusive or missing.
std::string render_junit(const comparison& c, severity fail_at);

/// A value with its unit, times scaled (1234 ns -> "1.23 us").
std::string format_value(double v, const std::string& unit);
/// "+12.3%"
std::string format_change(double fraction);

}  // namespace perftrack::gate
