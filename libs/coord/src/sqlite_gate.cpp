#include "sqlite_gate.hpp"

#include <filesystem>

#include "per_process.hpp"

namespace perftrack::coord::sqlite {

std::shared_ptr<file_gate> gate_for(const std::string& path) {
  std::error_code ec;
  std::string key = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) key = path;
  return per_process<file_gate>(key);
}

}  // namespace perftrack::coord::sqlite
