#pragma once

#include <string>

namespace perftrack::bench {

/// Where a result was measured, stored with it so that results from different
/// machines or builds are not compared unawares.
struct environment {
  std::string cpu_model;
  unsigned logical_cpus = 0;
  unsigned physical_cores = 0;
  std::string governor;    ///< empty when not visible (e.g. in a VM)
  double mhz_per_cpu = 0;  ///< /proc/cpuinfo's "cpu MHz"; 0 when not given
  std::string kernel;      ///< uname -sr
  std::string compiler;
  std::string flags;       ///< the C++ flags perftrack was built with
  std::string build_type;  ///< CMAKE_BUILD_TYPE
  std::string git_sha;     ///< the commit built from (at build time); empty outside git
  bool git_dirty = false;  ///< the tree had uncommitted changes when built
  std::string host;
  std::string time;  ///< when the run started, UTC ISO 8601
};

environment capture_environment();

/// perftrack's version: the CMake project's.
const char* version() noexcept;

}  // namespace perftrack::bench
