// The one place in the recorder that reads the environment: the default tracker
// is configured from it by contract (docs/recorder.md).

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "perftrack/recorder/tracker.hpp"

namespace perftrack {
namespace {

std::string_view env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string_view{} : std::string_view{v};
}

bool truthy(std::string_view v) {
  return v == "1" || v == "true" || v == "TRUE" || v == "yes" || v == "on";
}

}  // namespace

tracker_options tracker_options::from_environment() {
  tracker_options o;
  if (const auto dir = env("PERFTRACK_DIR"); !dir.empty()) o.directory = dir;
  if (const auto file = env("PERFTRACK_FILE"); !file.empty()) o.file_name = file;
  if (truthy(env("PERFTRACK_DISABLE"))) o.enabled = false;
  if (const auto overflow = env("PERFTRACK_OVERFLOW"); overflow == "block") {
    o.overflow = overflow_policy::block;
  }
  if (const auto kb = env("PERFTRACK_BUFFER_KB"); !kb.empty()) {
    std::size_t value = 0;
    const auto r = std::from_chars(kb.data(), kb.data() + kb.size(), value);
    if (r.ec == std::errc{} && r.ptr == kb.data() + kb.size() && value >= 4 &&
        value <= (1u << 20)) {
      o.buffer_bytes = value * 1024;
    }
  }
  if (const auto ms = env("PERFTRACK_RESOURCE_INTERVAL_MS"); !ms.empty()) {
    long value = 0;
    const auto r = std::from_chars(ms.data(), ms.data() + ms.size(), value);
    if (r.ec == std::errc{} && r.ptr == ms.data() + ms.size() && value >= 0) {
      o.resource_interval = std::chrono::milliseconds(value);
    }
  }
  return o;
}

}  // namespace perftrack
