#pragma once

#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

namespace perftrack::store {

/// flock() that retries when a signal interrupts it.
inline bool lock_fd(int fd, int operation) noexcept {
  while (::flock(fd, operation) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

/// True when `fd` is the file that `path` names now (it was not renamed away).
inline bool same_file(int fd, const std::filesystem::path& path) noexcept {
  struct stat by_fd {};
  struct stat by_path {};
  if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_path) != 0) return false;
  return by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev;
}

}  // namespace perftrack::store
