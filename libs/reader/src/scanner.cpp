#include "perftrack/reader/scanner.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "perftrack/reader/read_at.hpp"

namespace perftrack::reader {
namespace {

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens `file` read-only into `in` and stats it; false and `error` set when
// either fails.
bool open_for_reading(const std::filesystem::path& file, fd_guard& in, struct stat& st,
                      std::error_code& error) {
  error.clear();
  in.fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in.fd < 0 || ::fstat(in.fd, &st) != 0) {
    error.assign(errno, std::generic_category());
    return false;
  }
  return true;
}

// What one thread found in its byte range; line numbers are local to the range.
struct range_result {
  std::uint64_t lines_total = 0;  // including empty ones, for numbering
  std::uint64_t lines = 0;
  std::uint64_t records = 0;
  std::uint64_t malformed = 0;
  std::vector<std::pair<std::uint64_t, line_error>> first_malformed;
  int error = 0;
};

// Parses a range's lines into records for `sink`, counting blank, good and
// malformed lines (with the first few malformed ones' numbers).
class line_feeder {
public:
  line_feeder(record_sink& sink, const scan_options& options, range_result& r)
      : parser_(options.detail), sink_(sink), keep_(options.keep_malformed), r_(r) {}

  void line(std::string_view line) {
    ++r_.lines_total;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    ++r_.lines;
    const line_error e = parser_.parse_padded(line, record_);
    if (e == line_error::none) {
      ++r_.records;
      sink_.on_record(record_);
      return;
    }
    malformed(e);
  }
  void too_long() {
    ++r_.lines_total;
    ++r_.lines;
    malformed(line_error::too_long);
  }

private:
  void malformed(line_error e) {
    ++r_.malformed;
    if (r_.first_malformed.size() < keep_) r_.first_malformed.emplace_back(r_.lines_total, e);
  }
  line_parser parser_;
  record_view record_;
  record_sink& sink_;
  std::size_t keep_;
  range_result& r_;
};

// Reads the lines that start in [begin, end) of `fd` and feeds them to `sink`.
void scan_range(int fd, std::uint64_t begin, std::uint64_t end, std::uint64_t file_size,
                record_sink& sink, const scan_options& options, range_result& r) {
  line_feeder feed(sink, options, r);
  const std::size_t block = std::max<std::size_t>(options.block_bytes, max_line_bytes + 1);
  std::unique_ptr<char[]> buf(new char[block + line_padding]);

  // A range that does not start a line begins after the first '\n' at or after
  // begin - 1 (that line belongs to the range before).
  bool skip_partial = false;
  std::uint64_t offset = begin;
  if (begin > 0) {
    char prev = 0;
    if (::pread(fd, &prev, 1, static_cast<off_t>(begin - 1)) != 1) {
      r.error = errno == 0 ? EIO : errno;
      return;
    }
    skip_partial = prev != '\n';
  }
  bool too_long = false;  // inside a line longer than max_line_bytes

  while (offset < end || skip_partial || too_long) {
    if (offset >= file_size) break;
    const std::int64_t got = read_at(
        fd, buf.get(), static_cast<std::size_t>(std::min<std::uint64_t>(block, file_size - offset)),
        offset);
    if (got < 0) {
      r.error = static_cast<int>(-got);
      return;
    }
    const auto n = static_cast<std::size_t>(got);
    if (n == 0) break;
    std::memset(buf.get() + n, ' ', line_padding);
    const bool at_eof = offset + n >= file_size;
    std::size_t i = 0;
    if (skip_partial || too_long) {
      const char* nl = static_cast<const char*>(std::memchr(buf.get(), '\n', n));
      if (nl == nullptr) {
        offset += n;
        continue;
      }
      if (too_long) feed.too_long();
      skip_partial = too_long = false;
      i = static_cast<std::size_t>(nl - buf.get()) + 1;
    }
    while (i < n && offset + i < end) {
      const char* nl = static_cast<const char*>(std::memchr(buf.get() + i, '\n', n - i));
      if (nl == nullptr) {
        if (at_eof) {  // an unterminated last line
          feed.line({buf.get() + i, n - i});
          i = n;
        } else if (i == 0) {  // no '\n' in a whole block: longer than any valid line
          too_long = true;
          i = n;
        }
        break;
      }
      const auto j = static_cast<std::size_t>(nl - buf.get());
      if (j - i > max_line_bytes) {
        feed.too_long();
      } else {
        feed.line({buf.get() + i, j - i});
      }
      i = j + 1;
    }
    if (i == 0) break;  // cannot happen: a block always makes progress
    offset += i;
    if (!too_long && offset >= end) break;
  }
  if (too_long) feed.too_long();  // the file ended inside the long line
}

}  // namespace

std::vector<std::filesystem::path> expand_inputs(std::span<const std::filesystem::path> inputs,
                                                 std::error_code& error,
                                                 std::filesystem::path& failed) {
  std::vector<std::filesystem::path> files;
  error.clear();
  for (const auto& input : inputs) {
    const auto status = std::filesystem::status(input, error);
    if (error || !std::filesystem::exists(status)) {
      if (!error) error = std::make_error_code(std::errc::no_such_file_or_directory);
      failed = input;
      return {};
    }
    if (std::filesystem::is_directory(status)) {
      std::vector<std::filesystem::path> found;
      for (const auto& entry : std::filesystem::directory_iterator(input, error)) {
        if (entry.path().extension() == ".jsonl" && entry.is_regular_file()) {
          found.push_back(entry.path());
        }
      }
      if (error) {
        failed = input;
        return {};
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(input);
    }
  }
  return files;
}

bool scan_file(const std::filesystem::path& file, std::span<record_sink* const> sinks,
               const scan_options& options, scan_result& result, std::error_code& error) {
  fd_guard in;
  struct stat st {};
  if (!open_for_reading(file, in, st, error)) return false;
  if (S_ISDIR(st.st_mode)) {
    error = std::make_error_code(std::errc::is_a_directory);
    return false;
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  ::posix_fadvise(in.fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  // Small files are not worth a thread.
  std::size_t threads = sinks.size();
  if (size < (1u << 20)) threads = 1;
  std::vector<range_result> parts(threads);
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < threads; ++t) {
    workers.emplace_back([&, t] {
      scan_range(in.fd, size * t / threads, size * (t + 1) / threads, size, *sinks[t], options,
                 parts[t]);
    });
  }
  scan_range(in.fd, 0, threads == 1 ? size : size / threads, size, *sinks[0], options, parts[0]);
  for (auto& w : workers) w.join();

  std::uint64_t line_base = 0;
  for (const auto& p : parts) {
    if (p.error != 0) {
      error.assign(p.error, std::generic_category());
      return false;
    }
    result.lines += p.lines;
    result.records += p.records;
    result.malformed += p.malformed;
    for (const auto& [line, e] : p.first_malformed) {
      if (result.first_malformed.size() < options.keep_malformed) {
        result.first_malformed.push_back({file, line_base + line, e});
      }
    }
    line_base += p.lines_total;
  }
  result.bytes += size;
  return true;
}

namespace {

// Widens `span` by the records among the whole lines of `text`: a line cut by
// the start (`cut_front`) or the end (`cut_back`) of the read is skipped.
void widen_by_lines(std::string_view text, bool cut_front, bool cut_back, line_parser& parser,
                    std::optional<time_span>& span) {
  if (cut_front) {
    const auto nl = text.find('\n');
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  if (cut_back) {
    const auto nl = text.rfind('\n');
    text = text.substr(0, nl == std::string_view::npos ? 0 : nl);
  }
  record_view r;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (parser.parse(line, r) != line_error::none) continue;
    if (!span) span = time_span{r.timestamp_ns, r.timestamp_ns};
    span->first_ns = std::min(span->first_ns, r.timestamp_ns);
    span->last_ns = std::max(span->last_ns, r.timestamp_ns);
  }
}

}  // namespace

bool edge_span(const std::filesystem::path& file, std::optional<time_span>& span,
               std::error_code& error) {
  constexpr std::uint64_t edge = 64 << 10;
  span.reset();
  fd_guard in;
  struct stat st {};
  if (!open_for_reading(file, in, st, error)) return false;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::string buf;
  line_parser parser;
  // The head, then the tail where the file is longer than both.
  const std::uint64_t offsets[] = {0, size > 2 * edge ? size - edge : size};
  for (const std::uint64_t at : offsets) {
    const std::uint64_t want = at == 0 ? std::min(size, size > 2 * edge ? edge : size) : size - at;
    if (want == 0) continue;
    buf.resize(want);
    const std::int64_t got = read_at(in.fd, buf.data(), want, at);
    if (got < 0) {
      error.assign(static_cast<int>(-got), std::generic_category());
      return false;
    }
    buf.resize(static_cast<std::size_t>(got));
    widen_by_lines(buf, at != 0, at + buf.size() < size, parser, span);
  }
  return true;
}

bool scan_file_in_order(const std::filesystem::path& file, record_sink& sink,
                        const scan_options& options, scan_result& result, std::error_code& error) {
  record_sink* const one[] = {&sink};
  return scan_file(file, one, options, result, error);
}

std::int64_t read_at(int fd, char* buf, std::size_t want, std::uint64_t offset) {
  std::size_t n = 0;
  while (n < want) {
    const ssize_t got = ::pread(fd, buf + n, want - n, static_cast<off_t>(offset + n));
    if (got < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (got == 0) break;
    n += static_cast<std::size_t>(got);
  }
  return static_cast<std::int64_t>(n);
}

}  // namespace perftrack::reader
