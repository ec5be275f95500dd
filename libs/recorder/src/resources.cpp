#include "resources.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "perftrack/store/timestamp.hpp"

namespace perftrack::detail {

std::optional<process_usage> read_process_usage() noexcept {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return std::nullopt;
  unsigned long long size = 0, resident = 0;
  const int read = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (read != 2) return std::nullopt;
  rusage r{};
  if (getrusage(RUSAGE_SELF, &r) != 0) return std::nullopt;
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return process_usage{resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)),
                       seconds(r.ru_utime) + seconds(r.ru_stime)};
}

std::size_t format_resource_line(std::int64_t epoch_ns, pid_t pid, const process_usage& u,
                                 char* out) noexcept {
  char stamp[store::timestamp_length];
  store::format_timestamp(epoch_ns, stamp);
  const int n =
      std::snprintf(out, max_resource_line,
                    "{\"timestamp\":\"%.*s\",\"pid\":%d,\"rss_bytes\":%llu,"
                    "\"cpu_seconds\":%.6f}\n",
                    static_cast<int>(store::timestamp_length), stamp, static_cast<int>(pid),
                    static_cast<unsigned long long>(u.rss_bytes), u.cpu_seconds);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace perftrack::detail
