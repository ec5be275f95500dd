#include "follower.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "perftrack/reader/read_at.hpp"

namespace perftrack::tail {
namespace {

using reader::read_at;

/// Larger than the longest line the parser accepts, so a chunk without a
/// newline holds a line too long to count.
constexpr std::size_t chunk_bytes = 2 * reader::max_line_bytes;

/// The progress after a line ending at buf[end] (exclusive), anchored on the
/// up to 256 bytes before it that `buf` holds.
progress after(std::uint64_t base, const char* buf, std::size_t end) {
  const auto length =
      static_cast<std::uint32_t>(std::min<std::size_t>(end, progress::anchor_limit));
  return {base + end, fnv1a({buf + end - length, length}), length};
}

}  // namespace

std::uint64_t fnv1a(std::string_view bytes) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

follower::~follower() {
  if (fd_ >= 0) ::close(fd_);
}

bool follower::open_current() {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);  // a FIFO must not block
  if (fd < 0) {
    error_ = fmt::format("cannot open {}: {}", path_.string(), std::strerror(errno));
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error_ = fmt::format("{} is not a regular file", path_.string());
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  identity_ = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0};
  fill_first_line_hash();
  error_.clear();
  return true;
}

void follower::fill_first_line_hash() {
  if (fd_ < 0 || identity_.first_line_hash != 0) return;
  char head[4096];
  const std::int64_t n = read_at(fd_, head, sizeof head, 0);
  if (n <= 0) return;
  const void* nl = std::memchr(head, '\n', static_cast<std::size_t>(n));
  if (nl == nullptr && n < static_cast<std::int64_t>(sizeof head)) return;  // no whole line yet
  const std::size_t len =
      nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - head) + 1 : sizeof head;
  identity_.first_line_hash = fnv1a({head, len}) | 1;  // never 0, which means "none yet"
}

bool follower::anchor_holds(int fd, const progress& at) const {
  if (at.offset == 0) return true;
  if (at.anchor_length == 0 || at.anchor_length > at.offset) return false;
  char bytes[progress::anchor_limit];
  const std::int64_t n = read_at(fd, bytes, at.anchor_length, at.offset - at.anchor_length);
  return n == at.anchor_length && fnv1a({bytes, at.anchor_length}) == at.anchor_hash;
}

progress follower::locate(int fd, const progress& anchor) const {
  if (anchor.offset == 0 || anchor.anchor_length == 0) return {};
  const std::size_t keep = anchor.anchor_length;
  std::vector<char> buf(keep + chunk_bytes);
  std::size_t carried = 0;  // bytes of the previous chunk kept before this one
  std::uint64_t base = 0;   // file offset of buf[0]
  for (;;) {
    const std::int64_t n = read_at(fd, buf.data() + carried, chunk_bytes, base + carried);
    if (n <= 0) return {};
    const std::size_t end = carried + static_cast<std::size_t>(n);
    for (std::size_t i = carried; i < end; ++i) {
      if (buf[i] != '\n' || i + 1 < keep) continue;
      if (fnv1a({buf.data() + i + 1 - keep, keep}) == anchor.anchor_hash) {
        return {base + i + 1, anchor.anchor_hash, anchor.anchor_length};
      }
    }
    if (static_cast<std::size_t>(n) < chunk_bytes) return {};
    const std::size_t next = std::min(keep, end);
    std::memmove(buf.data(), buf.data() + end - next, next);
    base += end - next;
    carried = next;
  }
}

void follower::read_lines(int fd, progress& at, aggregator& agg, reader::line_parser& parser) {
  buf_.resize(chunk_bytes + reader::line_padding);
  reader::record_view rec;
  for (;;) {
    const std::int64_t n = read_at(fd, buf_.data(), chunk_bytes, at.offset);
    if (n < 0) {
      error_ =
          fmt::format("cannot read {}: {}", path_.string(), std::strerror(static_cast<int>(-n)));
      return;
    }
    const auto got = static_cast<std::size_t>(n);
    bytes_read_ += got;
    std::size_t pos = 0;
    {
      aggregator::batch batch(agg);
      if (skipping_) {
        const void* nl = std::memchr(buf_.data(), '\n', got);
        pos = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data()) + 1 : got;
        skipping_ = nl == nullptr;
      }
      while (const void* nl = std::memchr(buf_.data() + pos, '\n', got - pos)) {
        const auto end = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
        std::string_view line(buf_.data() + pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        const reader::line_error e = parser.parse_padded(line, rec);
        if (e == reader::line_error::none) {
          batch.add(rec.operation, rec.duration_ms, rec.success);
        } else {
          batch.malformed(reader::describe(e));
        }
      }
      if (pos == 0 && got == chunk_bytes) {  // a line longer than any record
        batch.malformed(reader::describe(reader::line_error::too_long));
        skipping_ = true;
        pos = got;
      }
    }
    if (pos > 0) at = after(at.offset, buf_.data(), pos);
    if (got < chunk_bytes) {  // the end; a partial last line waits for its newline
      error_.clear();         // read to the end: an earlier failure is over
      return;
    }
  }
}

void follower::finish_rotated(const saved_file& old, aggregator& agg, reader::line_parser& parser) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(
           path_.parent_path().empty() ? "." : path_.parent_path(), ec)) {
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::uint64_t>(st.st_dev) != old.identity.device ||
        static_cast<std::uint64_t>(st.st_ino) != old.identity.inode) {
      continue;
    }
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    progress at = old.at;
    if (anchor_holds(fd, at)) read_lines(fd, at, agg, parser);
    ::close(fd);
    return;
  }
}

void follower::take_over(aggregator& agg, reader::line_parser& parser) {
  if (!open_current()) return;
  if (!has_resumed_) {
    at_ = {};
    return;
  }
  has_resumed_ = false;
  const file_identity& was = resumed_.identity;
  const bool same = was.device == identity_.device && was.inode == identity_.inode &&
                    (was.first_line_hash == 0 || was.first_line_hash == identity_.first_line_hash);
  if (same && anchor_holds(fd_, resumed_.at)) {
    at_ = resumed_.at;
    return;
  }
  // The file changed while the tailer was down. A file renamed away beside it
  // is read to its end first; then this one from after the last line read,
  // when it holds that line (a prune kept it), or from its beginning.
  if (!same) finish_rotated(resumed_, agg, parser);
  at_ = locate(fd_, resumed_.at);
  count(same ? change::rewritten : change::replaced);
}

void follower::detect_change(const struct ::stat& st, aggregator& agg,
                             reader::line_parser& parser) {
  if (static_cast<std::uint64_t>(st.st_dev) != identity_.device ||
      static_cast<std::uint64_t>(st.st_ino) != identity_.inode) {
    read_lines(fd_, at_, agg,
               parser);  // the old file, still open: what was added before the switch
    retire();
    const progress old = at_;
    if (!open_current()) return;
    at_ = locate(fd_, old);
    count(change::replaced);
    return;
  }
  if (static_cast<std::uint64_t>(st.st_size) < at_.offset) {
    at_ = {};
    skipping_ = false;
    count(change::truncated);
  } else if (!anchor_holds(fd_, at_)) {
    at_ = locate(fd_, at_);
    skipping_ = false;
    count(change::rewritten);
  } else {
    fill_first_line_hash();
    return;
  }
  identity_.first_line_hash = 0;
  fill_first_line_hash();
}

void follower::poll(aggregator& agg, reader::line_parser& parser) {
  polled_ = true;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    const int e = errno;
    if (fd_ >= 0) {
      // Renamed away or deleted, no successor yet: read what it still holds,
      // then let it go (a deleted file's space is freed) and remember where it
      // ended, as after a restart.
      read_lines(fd_, at_, agg, parser);
      retire();
      resume(save());
      ::close(fd_);
      fd_ = -1;
    }
    exists_ = e != ENOENT;  // only a missing file may appear later; other errors are failures
    if (e != ENOENT) error_ = fmt::format("cannot stat {}: {}", path_.string(), std::strerror(e));
    return;
  }
  exists_ = true;
  if (fd_ < 0) {
    take_over(agg, parser);
  } else {
    detect_change(st, agg, parser);
  }
  if (fd_ < 0) return;
  read_lines(fd_, at_, agg, parser);
  struct stat now {};
  size_ = ::fstat(fd_, &now) == 0 ? static_cast<std::uint64_t>(now.st_size) : at_.offset;
  const auto t = std::chrono::steady_clock::now();
  if (size_ <= at_.offset) {
    behind_since_ = t;
    if (error_.empty()) caught_up_ = true;
  }
}

void follower::retire() {
  if (retired_.size() == 8) retired_.erase(retired_.begin());
  retired_.push_back(save());
}

file_status follower::status() const {
  file_status s;
  s.path = path_.string();
  s.lag_bytes = size_ > at_.offset ? size_ - at_.offset : 0;
  s.lag_seconds =
      s.lag_bytes == 0
          ? 0
          : std::chrono::duration<double>(std::chrono::steady_clock::now() - behind_since_).count();
  s.caught_up = polled_ && (caught_up_ || !exists_);
  s.exists = exists_;
  s.last_error = error_;
  return s;
}

}  // namespace perftrack::tail
