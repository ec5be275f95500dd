#include "claim_combiner.hpp"

#include <unistd.h>

#include <map>
#include <utility>

namespace perftrack::coord {

std::shared_ptr<claim_combiner> combiner_for(const std::string& key) {
  static std::mutex registry_mutex;
  static std::map<std::pair<std::string, pid_t>, std::weak_ptr<claim_combiner>> registry;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[{key, ::getpid()}];  // a child after fork() gets its own
  auto c = slot.lock();
  if (!c) {
    c = std::make_shared<claim_combiner>();
    slot = c;
  }
  return c;
}

}  // namespace perftrack::coord
