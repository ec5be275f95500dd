#include "perftrack/bench/environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "perftrack/base/machine.hpp"
#include "perftrack/build_info.hpp"

namespace perftrack::bench {
namespace {

std::string read_first_line(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

/// The first processor's clock in MHz from /proc/cpuinfo ("cpu MHz", as
/// Google Benchmark reads it); 0 when the kernel does not say.
double cpu_mhz() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("cpu MHz", 0) != 0) continue;
    try {
      return std::stod(line.substr(line.find(':') + 1));
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

}  // namespace

const char* version() noexcept { return build_info::version; }

environment capture_environment() {
  environment env;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      env.cpu_model = line.substr(line.find(':') + 2);
      break;
    }
  }
  env.logical_cpus = std::thread::hardware_concurrency();
  env.physical_cores = physical_cores();
  env.governor = read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  utsname u{};
  if (::uname(&u) == 0) {
    env.kernel = std::string(u.sysname) + " " + u.release;
    env.host = u.nodename;
  }
  env.compiler = "g++ " __VERSION__;
#ifdef __clang__
  env.compiler = "clang++ " __clang_version__;
#endif
  env.flags = PERFTRACK_CXX_FLAGS;
  env.build_type = PERFTRACK_BUILD_TYPE;
  // The commit the binary was built from (not the source tree's state now).
  env.git_sha = build_info::git_sha;
  env.git_dirty = build_info::git_dirty;
  env.mhz_per_cpu = cpu_mhz();
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  env.time = buf;
  return env;
}

}  // namespace perftrack::bench
