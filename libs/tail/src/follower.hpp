#pragma once

// One followed file (tailer.cpp): where it is, how far it has been read, and
// how to tell whether the file at its path is still the one it was reading.

#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "perftrack/reader/line_parser.hpp"
#include "perftrack/tail/aggregator.hpp"
#include "perftrack/tail/tailer.hpp"

namespace perftrack::tail {

/// FNV-1a, 64 bits: stable across builds, unlike std::hash, because it is
/// written to checkpoints.
std::uint64_t fnv1a(std::string_view bytes) noexcept;

/// A file, whatever its name: device, inode and the hash of its first line (0
/// until it has one), so a reused inode is not taken for the old file.
struct file_identity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t first_line_hash = 0;
  friend bool operator==(const file_identity&, const file_identity&) = default;
};

/// How far a file has been read: the offset after its last whole line, and the
/// hash of the up to `anchor_limit` bytes before it, so a rewritten file can be
/// told from the one that was read and the position found again in it.
struct progress {
  static constexpr std::uint32_t anchor_limit = 256;
  std::uint64_t offset = 0;
  std::uint64_t anchor_hash = 0;
  std::uint32_t anchor_length = 0;
  friend bool operator==(const progress&, const progress&) = default;
};

/// What a checkpoint keeps of a file.
struct saved_file {
  std::string path;
  file_identity identity;
  progress at;
};

/// How the file at a path changed between two polls.
enum class change { none, replaced, truncated, rewritten };

class follower {
public:
  explicit follower(std::filesystem::path path) : path_(std::move(path)) {}
  ~follower();
  follower(const follower&) = delete;
  follower& operator=(const follower&) = delete;

  /// Continues from a checkpoint: used when the file at the path (or, after a
  /// rotation while the tailer was down, a file beside it) is that file.
  void resume(const saved_file& s) {
    resumed_ = s;
    has_resumed_ = true;
  }
  /// Reads everything new into `agg`.
  void poll(aggregator& agg, reader::line_parser& parser);

  saved_file save() const { return {path_.string(), identity_, at_}; }
  file_status status() const;
  const std::filesystem::path& path() const noexcept { return path_; }
  bool exists() const noexcept { return exists_; }

  /// Files this follower read before the path named another (newest last, at
  /// most 8): a rotation that renames into a followed directory's pattern
  /// continues from here instead of counting the file again.
  const std::vector<saved_file>& retired() const noexcept { return retired_; }

  std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  std::uint64_t changes(change c) const noexcept { return changes_[static_cast<int>(c)]; }

private:
  bool open_current();
  void take_over(aggregator& agg, reader::line_parser& parser);
  void detect_change(const struct ::stat& st, aggregator& agg, reader::line_parser& parser);
  /// Reads whole lines of `fd` from `at` to the end, advancing `at`.
  void read_lines(int fd, progress& at, aggregator& agg, reader::line_parser& parser);
  /// After a restart: reads the rest of the checkpoint's file when it now
  /// lives beside the path under another name (a rotation while down).
  void finish_rotated(const saved_file& old, aggregator& agg, reader::line_parser& parser);
  bool anchor_holds(int fd, const progress& at) const;
  progress locate(int fd, const progress& anchor) const;
  void fill_first_line_hash();
  void count(change c) { ++changes_[static_cast<int>(c)]; }

  std::filesystem::path path_;
  int fd_ = -1;
  file_identity identity_;
  progress at_;
  saved_file resumed_;
  bool has_resumed_ = false;
  bool exists_ = false;
  bool skipping_ = false;  ///< inside a line longer than reader::max_line_bytes
  bool caught_up_ = false;
  bool polled_ = false;  ///< nothing is known before the first poll
  std::uint64_t size_ = 0;
  std::chrono::steady_clock::time_point behind_since_{};
  std::string error_;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t changes_[4] = {};
  std::vector<char> buf_;
  std::vector<saved_file> retired_;
  void retire();
};

}  // namespace perftrack::tail
