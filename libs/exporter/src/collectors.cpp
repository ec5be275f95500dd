#include "perftrack/exporter/collectors.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>

#include "perftrack/exposition/agent_metrics.hpp"
#include "perftrack/recorder/tracker.hpp"

namespace perftrack::exporter {
namespace {

using exposition::family;
using exposition::metric_type;

/// A small /proc file's text (empty if it cannot be read): one open and read,
/// no stream, since a scrape reads several of them.
std::string read_file(const char* path) {
  std::string text;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return text;
}

/// The fields of /proc/self/stat after the command name (field 3 is [0]).
std::vector<std::string> stat_fields() {
  const std::string stat = read_file("/proc/self/stat");
  const auto close = stat.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream in(stat.substr(close + 2));
  for (std::string f; in >> f;) fields.push_back(f);
  return fields;
}

/// When the machine booted (/proc/stat's btime): read once, it does not change.
double boot_time_seconds() {
  static const double boot = [] {
    const std::string stat = read_file("/proc/stat");
    const auto at = stat.find("\nbtime ");
    return at == std::string::npos ? 0.0 : std::strtod(stat.c_str() + at + 7, nullptr);
  }();
  return boot;
}

std::size_t count_entries(const char* dir) {
  std::size_t n = 0;
  if (DIR* d = ::opendir(dir)) {
    while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;
}

/// Nanoseconds this process's threads spent runnable, waiting for a CPU.
double run_queue_wait_seconds() {
  double ns = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      const std::string text =
          read_file((std::string("/proc/self/task/") + e->d_name + "/schedstat").c_str());
      // "<run ns> <wait ns> <timeslices>"
      const char* p = text.c_str();
      char* end = nullptr;
      std::strtod(p, &end);
      if (end != p) ns += std::strtod(end, nullptr);
    }
    ::closedir(d);
  }
  return ns / 1e9;
}

void add_stat_families(std::vector<family>& out) {
  const auto f = stat_fields();
  if (f.size() < 22) return;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // Fields 14, 15 (utime, stime), 20 (threads), 22 (start), 23 (vsize), 24 (rss).
  out.push_back(exposition::single("process_cpu_seconds_total", "User and system CPU time spent.",
                                   metric_type::counter,
                                   (std::stod(f[11]) + std::stod(f[12])) / tick, "seconds"));
  out.push_back(exposition::single("process_threads", "Threads of the process.", metric_type::gauge,
                                   std::stod(f[17])));
  out.push_back(exposition::single(
      "process_start_time_seconds", "Start time of the process since the Unix epoch.",
      metric_type::gauge, boot_time_seconds() + std::stod(f[19]) / tick, "seconds"));
  out.push_back(exposition::single("process_virtual_memory_bytes", "Virtual memory size.",
                                   metric_type::gauge, std::stod(f[20]), "bytes"));
  out.push_back(exposition::single("process_resident_memory_bytes", "Resident memory size.",
                                   metric_type::gauge, std::stod(f[21]) * page, "bytes"));
}

void add_pressure(std::vector<family>& out, const char* resource) {
  std::istringstream in(read_file((std::string("/proc/pressure/") + resource).c_str()));
  for (std::string line; std::getline(in, line);) {
    const auto total = line.find("total=");
    if (!line.starts_with("some ") || total == std::string::npos) continue;
    out.push_back(exposition::single(
        std::string("node_pressure_") + resource + "_waiting_seconds_total",
        std::string("Time some tasks of the machine were stalled waiting for ") + resource +
            " (/proc/pressure).",
        metric_type::counter, std::stod(line.substr(total + 6)) / 1e6, "seconds"));
  }
}

}  // namespace

collector process_collector() {
  return [](std::vector<family>& out) {
    add_stat_families(out);
    out.push_back(exposition::single("process_open_fds", "Open file descriptors.",
                                     metric_type::gauge,
                                     static_cast<double>(count_entries("/proc/self/fd"))));
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      out.push_back(exposition::single("process_max_fds", "Most open file descriptors allowed.",
                                       metric_type::gauge, static_cast<double>(limit.rlim_cur)));
    }
    out.push_back(
        exposition::single("process_cpu_wait_seconds_total",
                           "Time the process's threads were runnable but waited for a CPU "
                           "(/proc/self/task/*/schedstat).",
                           metric_type::counter, run_queue_wait_seconds(), "seconds"));
    for (const char* r : {"cpu", "memory", "io"}) add_pressure(out, r);
  };
}

collector tracker_collector(const tracker& t) {
  const auto layout = exposition::agent_metrics::duration_layout();
  std::vector<std::chrono::nanoseconds> bounds;
  for (const double b : layout->bounds()) {
    bounds.push_back(std::chrono::nanoseconds(static_cast<std::int64_t>(b * 1e9 + 0.5)));
  }
  return [&t, bounds](std::vector<family>& out) {
    namespace am = exposition::agent_metrics;
    family durations = am::duration_family();
    family errors = am::errors_family();
    for (auto& h : t.histograms(bounds)) {
      auto labels = exposition::one_label(am::operation_label, h.operation);
      errors.samples.push_back({.labels = labels, .value = static_cast<double>(h.errors)});
      durations.samples.push_back({.labels = std::move(labels),
                                   .cumulative = std::move(h.cumulative),
                                   .count = h.count,
                                   .sum = std::chrono::duration<double>(h.sum).count()});
    }
    out.push_back(std::move(durations));
    out.push_back(std::move(errors));
    const tracker_counters c = t.counters();
    out.push_back(exposition::single("perftrack_recorder_records_total",
                                     "Records the tracker accepted into its buffers.",
                                     metric_type::counter, static_cast<double>(c.recorded)));
    family dropped{.name = "perftrack_recorder_dropped_total",
                   .help = "Records the tracker dropped, by reason.",
                   .type = metric_type::counter};
    const std::pair<const char*, std::uint64_t> reasons[] = {
        {"buffer_full", c.dropped_full},
        {"io", c.dropped_io},
        {"too_many_operations", c.dropped_unknown}};
    for (const auto& [reason, n] : reasons) {
      dropped.samples.push_back(
          {.labels = exposition::one_label("reason", reason), .value = static_cast<double>(n)});
    }
    out.push_back(std::move(dropped));
  };
}

}  // namespace perftrack::exporter
