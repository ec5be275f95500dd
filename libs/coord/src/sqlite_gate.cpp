#include "sqlite_gate.hpp"

#include <unistd.h>

#include <filesystem>
#include <map>

namespace perftrack::coord::sqlite {

std::shared_ptr<file_gate> gate_for(const std::string& path) {
  static std::mutex registry_mutex;
  static std::map<std::pair<std::string, pid_t>, std::weak_ptr<file_gate>> registry;
  std::error_code ec;
  std::string key = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) key = path;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[{key, ::getpid()}];  // a child after fork() gets its own
  auto g = slot.lock();
  if (!g) {
    g = std::make_shared<file_gate>();
    slot = g;
  }
  return g;
}

}  // namespace perftrack::coord::sqlite
