#pragma once

// How a benchmark's run ended, as results files spell it.

#include <string_view>

namespace perftrack {

enum class run_status { ok, error, skipped };

/// "ok", "error", "skipped" (docs/results-format.md).
constexpr std::string_view name(run_status s) noexcept {
  switch (s) {
    case run_status::ok: return "ok";
    case run_status::error: return "error";
    case run_status::skipped: return "skipped";
  }
  return "error";
}

/// The status a results file names; any other word is an error (a run that did
/// not end well in a way this reader does not know).
constexpr run_status parse_run_status(std::string_view text) noexcept {
  if (text == "ok") return run_status::ok;
  if (text == "skipped") return run_status::skipped;
  return run_status::error;
}

}  // namespace perftrack
