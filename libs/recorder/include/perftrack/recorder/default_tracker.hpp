#pragma once

#include <string_view>

#include "perftrack/recorder/timing.hpp"
#include "perftrack/recorder/tracker.hpp"

/// The process-wide tracker: a program gets tracking by linking perftrack::recorder
/// and one call, e.g. perftrack::record("agent_register", 45.1, true).
namespace perftrack {

/// Created on first use from tracker_options::from_environment(); flushed at exit
/// (std::atexit) and never destroyed, so records made during static destruction
/// are harmless. Thread-safe.
tracker& default_tracker();

/// Records into default_tracker().
inline void record(std::string_view operation, double duration_ms, bool success,
                   const record_details& details = {}) noexcept {
  default_tracker().record(operation, duration_ms, success, details);
}

}  // namespace perftrack
