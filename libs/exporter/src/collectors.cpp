#include "perftrack/exporter/collectors.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "perftrack/exposition/agent_metrics.hpp"
#include "perftrack/recorder/tracker.hpp"

namespace perftrack::exporter {
namespace {

using exposition::family;
using exposition::metric_type;

family one_value(std::string name, std::string help, metric_type type, std::string unit,
                 double value) {
  family f{.name = std::move(name), .help = std::move(help), .type = type, .unit = std::move(unit)};
  f.samples.push_back({.value = value});
  return f;
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
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

double boot_time_seconds() {
  std::istringstream in(read_file("/proc/stat"));
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
  }
  return 0;
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
      std::ifstream in(std::string("/proc/self/task/") + e->d_name + "/schedstat");
      double run = 0, wait = 0;
      if (in >> run >> wait) ns += wait;
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
  out.push_back(one_value("process_cpu_seconds_total", "User and system CPU time spent.",
                          metric_type::counter, "seconds",
                          (std::stod(f[11]) + std::stod(f[12])) / tick));
  out.push_back(one_value("process_threads", "Threads of the process.", metric_type::gauge, "",
                          std::stod(f[17])));
  out.push_back(one_value("process_start_time_seconds",
                          "Start time of the process since the Unix epoch.", metric_type::gauge,
                          "seconds", boot_time_seconds() + std::stod(f[19]) / tick));
  out.push_back(one_value("process_virtual_memory_bytes", "Virtual memory size.",
                          metric_type::gauge, "bytes", std::stod(f[20])));
  out.push_back(one_value("process_resident_memory_bytes", "Resident memory size.",
                          metric_type::gauge, "bytes", std::stod(f[21]) * page));
}

void add_pressure(std::vector<family>& out, const char* resource) {
  std::istringstream in(read_file((std::string("/proc/pressure/") + resource).c_str()));
  for (std::string line; std::getline(in, line);) {
    const auto total = line.find("total=");
    if (!line.starts_with("some ") || total == std::string::npos) continue;
    out.push_back(
        one_value(std::string("node_pressure_") + resource + "_waiting_seconds_total",
                  std::string("Time some tasks of the machine were stalled waiting for ") +
                      resource + " (/proc/pressure).",
                  metric_type::counter, "seconds", std::stod(line.substr(total + 6)) / 1e6));
  }
}

}  // namespace

collector process_collector() {
  return [](std::vector<family>& out) {
    add_stat_families(out);
    out.push_back(one_value("process_open_fds", "Open file descriptors.", metric_type::gauge, "",
                            static_cast<double>(count_entries("/proc/self/fd"))));
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      out.push_back(one_value("process_max_fds", "Most open file descriptors allowed.",
                              metric_type::gauge, "", static_cast<double>(limit.rlim_cur)));
    }
    out.push_back(one_value("process_cpu_wait_seconds_total",
                            "Time the process's threads were runnable but waited for a CPU "
                            "(/proc/self/task/*/schedstat).",
                            metric_type::counter, "seconds", run_queue_wait_seconds()));
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
    out.push_back(one_value("perftrack_recorder_records_total",
                            "Records the tracker accepted into its buffers.", metric_type::counter,
                            "", static_cast<double>(c.recorded)));
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
