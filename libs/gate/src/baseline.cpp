#include "perftrack/gate/baseline.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <unordered_map>

#include "baseline_format.hpp"

namespace perftrack::gate {
namespace {

std::string errno_text() { return std::strerror(errno); }

/// Writes `content` to a file that is not a regular file (/dev/null, /dev/stdout,
/// a FIFO): renaming over it would replace the device with a file.
expected<bool> write_in_place(const std::filesystem::path& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return failure{"cannot write " + path.string() + ": " + errno_text()};
  for (std::size_t done = 0; done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const auto why = errno_text();
      ::close(fd);
      return failure{"cannot write " + path.string() + ": " + why};
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return true;
}

}  // namespace

expected<bool> write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                     durability d) {
  std::error_code ec;
  if (const auto st = std::filesystem::status(path, ec);
      !ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    return write_in_place(path, content);
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::filesystem::create_directories(dir, ec);
  if (ec) return failure{"cannot create " + dir.string() + ": " + ec.message()};
  std::random_device rd;
  const auto tmp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                          "-" + std::to_string(rd()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return failure{"cannot write in " + dir.string() + ": " + errno_text()};
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const auto why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      return failure{"cannot write " + tmp.string() + ": " + why + "; " + path.string() +
                     " is unchanged"};
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = d == durability::synced;
  if ((synced && ::fsync(fd) != 0) || ::close(fd) != 0) {
    const auto why = errno_text();
    ::unlink(tmp.c_str());
    return failure{"cannot flush " + tmp.string() + ": " + why + "; " + path.string() +
                   " is unchanged"};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const auto why = errno_text();
    ::unlink(tmp.c_str());
    return failure{"cannot replace " + path.string() + ": " + why};
  }
  if (!synced) return true;
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

std::string baseline_text(const result_set& r) { return baseline_json(r).dump(1) + "\n"; }

bool baseline_dir::has_baseline() const {
  std::error_code ec;
  return std::filesystem::is_regular_file(baseline_file(), ec);
}

expected<result_set> baseline_dir::load() const { return load_results(baseline_file()); }

expected<bool> baseline_dir::update(const result_set& run) const {
  result_set merged = run;
  merged.format = "baseline";
  if (has_baseline()) {
    auto old = load();
    if (!old) return old.error();
    std::unordered_map<std::string, bool> fresh;
    for (const auto& b : run.benchmarks) fresh[b.name] = true;
    for (const auto& b : old->benchmarks) {
      if (!fresh.count(b.name)) merged.benchmarks.push_back(b);
    }
  }
  return write_file_atomically(baseline_file(), baseline_text(merged));
}

}  // namespace perftrack::gate
