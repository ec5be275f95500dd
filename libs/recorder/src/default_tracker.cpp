#include "perftrack/recorder/default_tracker.hpp"

#include <cstdlib>
#include <mutex>

namespace perftrack {
namespace {

tracker* instance = nullptr;

void flush_at_exit() {
  if (instance != nullptr) instance->shutdown();
}

}  // namespace

tracker& default_tracker() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Never destroyed: threads and static destructors may still record at exit.
    instance = new tracker(tracker_options::from_environment());
    std::atexit(flush_at_exit);
  });
  return *instance;
}

}  // namespace perftrack
