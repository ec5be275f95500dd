#include "perftrack/store/prune.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>

#include "file_lock.hpp"
#include "perftrack/store/fields.hpp"
#include "perftrack/store/timestamp.hpp"

namespace perftrack::store {
namespace {

// The value of the top-level "timestamp" key. A light scan that tracks strings and
// nesting, so a "timestamp" inside a nested object or a string is not taken.
std::optional<std::int64_t> line_time(std::string_view line) noexcept {
  constexpr std::string_view name = field::timestamp;
  int depth = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '"') {
      if (depth == 1 && line.substr(i + 1, name.size()) == name &&
          line.substr(i + 1 + name.size(), 1) == "\"") {
        std::size_t j = i + name.size() + 2;
        while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
        if (j < line.size() && line[j] == ':') {
          ++j;
          while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
          if (j >= line.size() || line[j] != '"') return std::nullopt;
          const std::size_t end = line.find('"', j + 1);
          if (end == std::string_view::npos) return std::nullopt;
          return parse_timestamp(line.substr(j + 1, end - j - 1));
        }
      }
      // Skip the string, honouring escapes.
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\') ++i;
      }
    }
  }
  return std::nullopt;
}

bool read_all(int fd, std::string& out, std::error_code& error) {
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      error.assign(errno, std::generic_category());
      return false;
    }
    if (n == 0) return true;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

bool write_all(int fd, std::string_view data, std::error_code& error) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      error.assign(errno, std::generic_category());
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

prune_result prune(const std::filesystem::path& path, std::int64_t cutoff_ns,
                   std::error_code& error) {
  error.clear();
  prune_result result;
  fd_guard file;
  for (int attempt = 0;; ++attempt) {
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) {
      error.assign(errno, std::generic_category());
      return result;
    }
    if (!lock_fd(file.fd, LOCK_EX)) {
      error.assign(errno, std::generic_category());
      return result;
    }
    if (same_file(file.fd, path)) break;
    ::close(file.fd);
    file.fd = -1;
    if (attempt == 100) {
      error = std::make_error_code(std::errc::resource_unavailable_try_again);
      return result;
    }
  }
  std::string content;
  if (!read_all(file.fd, content, error)) return result;
  result.bytes_before = content.size();

  std::string kept;
  kept.reserve(content.size());
  std::string_view rest = content;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::size_t len = nl == std::string_view::npos ? rest.size() : nl + 1;
    const std::string_view line = rest.substr(0, len);
    rest.remove_prefix(len);
    const auto t = line_time(line);
    if (t && *t < cutoff_ns) {
      ++result.removed;
    } else {
      if (line.find_first_not_of(" \t\r\n") != std::string_view::npos) ++result.kept;
      kept.append(line);
    }
  }
  result.bytes_after = kept.size();
  if (result.removed == 0) return result;

  std::filesystem::path tmp = path;
  tmp += ".prune." + std::to_string(::getpid());
  {
    fd_guard out;
    out.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out.fd < 0) {
      error.assign(errno, std::generic_category());
      return result;
    }
    struct stat st {};
    if (::fstat(file.fd, &st) == 0) {
      [[maybe_unused]] const int ignored = ::fchmod(out.fd, st.st_mode & 07777);
    }
    if (!write_all(out.fd, kept, error) || ::fsync(out.fd) != 0) {
      if (!error) error.assign(errno, std::generic_category());
      ::unlink(tmp.c_str());
      return result;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error.assign(errno, std::generic_category());
    ::unlink(tmp.c_str());
    return result;
  }
  // Appenders blocked on the old file's lock wake up when `file` closes, see
  // that the path names a new file, and reopen it.
  return result;
}

}  // namespace perftrack::store
