#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace perftrack::store {

/// Appends whole lines to a JSONL file so that several processes can share it.
///
/// The protocol (docs/file-format.md): the file is opened with O_APPEND; every
/// write holds a shared flock() and writes whole lines only, so lines of different
/// processes never interleave. prune() rewrites the file under an exclusive flock
/// and renames the new file into place; an appender notices the new inode after
/// taking its lock and reopens, so no line appended during a prune is lost.
///
/// Not thread-safe: one appender per writing thread. Never throws from append().
class appender {
public:
  /// Does not touch the file system; the file is opened on the first append.
  explicit appender(std::filesystem::path path);
  ~appender();
  appender(const appender&) = delete;
  appender& operator=(const appender&) = delete;

  /// Appends `lines`, which must be empty or end with '\n'. Creates the parent
  /// directory and the file when missing. Returns the number of bytes that reached
  /// the file, and sets `error` when that is fewer than lines.size(). After a short
  /// write (a full disk) a '\n' is attempted so that the torn line stays alone on
  /// its line, where readers skip it.
  std::size_t append(std::string_view lines, std::error_code& error) noexcept;

  const std::filesystem::path& path() const noexcept { return path_; }

private:
  bool ensure_open(std::error_code& error) noexcept;
  void close() noexcept;

  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace perftrack::store
