#pragma once

// Facts about the machine that several components need.

#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

namespace perftrack {

/// Physical cores (distinct package and core ids in sysfs), so that hyper-threads
/// of one core count once; the logical CPU count where sysfs does not tell; at
/// least 1.
inline unsigned physical_cores() {
  std::set<std::pair<std::string, std::string>> cores;
  for (unsigned cpu = 0;; ++cpu) {
    const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream core(topology + "core_id");
    std::ifstream package(topology + "physical_package_id");
    std::string c;
    std::string p;
    if (!(core >> c) || !(package >> p)) break;
    cores.emplace(p, c);
  }
  if (!cores.empty()) return static_cast<unsigned>(cores.size());
  const unsigned logical = std::thread::hardware_concurrency();
  return logical > 0 ? logical : 1;
}

}  // namespace perftrack
