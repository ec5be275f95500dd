#include "perftrack/store/appender.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "file_lock.hpp"

namespace perftrack::store {

appender::appender(std::filesystem::path path) : path_(std::move(path)) {}

appender::~appender() { close(); }

void appender::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool appender::ensure_open(std::error_code& error) noexcept {
  if (fd_ >= 0) return true;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0 && errno == ENOENT && path_.has_parent_path()) {
    std::error_code ignored;
    std::filesystem::create_directories(path_.parent_path(), ignored);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  }
  if (fd_ < 0) {
    error.assign(errno, std::generic_category());
    return false;
  }
  return true;
}

std::size_t appender::append(std::string_view lines, std::error_code& error) noexcept {
  error.clear();
  if (lines.empty()) return 0;
  // Take the shared lock on the file the path names now; a prune may have renamed
  // a new file into place while we waited, so check and reopen until they agree.
  for (int attempt = 0;; ++attempt) {
    if (!ensure_open(error)) return 0;
    if (!lock_fd(fd_, LOCK_SH)) {
      error.assign(errno, std::generic_category());
      close();
      return 0;
    }
    if (same_file(fd_, path_)) break;
    ::flock(fd_, LOCK_UN);
    close();
    if (attempt == 100) {
      error = std::make_error_code(std::errc::resource_unavailable_try_again);
      return 0;
    }
  }
  std::size_t done = 0;
  while (done < lines.size()) {
    const ssize_t n = ::write(fd_, lines.data() + done, lines.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error.assign(errno, std::generic_category());
      break;
    }
    if (n == 0) {
      error = std::make_error_code(std::errc::no_space_on_device);
      break;
    }
    done += static_cast<std::size_t>(n);
    if (done < lines.size()) {
      // A short write means the device is full or a limit was hit; writing the
      // rest later could land after another process's lines and tear ours.
      error = std::make_error_code(std::errc::no_space_on_device);
      break;
    }
  }
  if (done > 0 && done < lines.size() && lines[done - 1] != '\n') {
    // Leave the torn line alone on its own line, where readers skip it.
    [[maybe_unused]] const ssize_t n = ::write(fd_, "\n", 1);
  }
  ::flock(fd_, LOCK_UN);
  return done;
}

}  // namespace perftrack::store
