#pragma once

// One shared object per key and process (a file's gate, a store's claim queue).

#include <unistd.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace perftrack::coord {

/// The T of `key` in this process: made on first use, shared while anyone
/// holds it. A child after fork() gets its own. Thread-safe.
template <class T>
std::shared_ptr<T> per_process(const std::string& key) {
  static std::mutex registry_mutex;
  static std::map<std::pair<std::string, pid_t>, std::weak_ptr<T>> registry;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[{key, ::getpid()}];
  auto shared = slot.lock();
  if (!shared) {
    shared = std::make_shared<T>();
    slot = shared;
  }
  return shared;
}

}  // namespace perftrack::coord
