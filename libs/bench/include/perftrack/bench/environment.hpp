#pragma once

#include <string>

namespace perftrack::bench {

/// Where a result was measured, stored with it so that results from different
/// machines or builds are not compared unawares.
struct environment {
  std::string cpu_model;
  unsigned logical_cpus = 0;
  unsigned physical_cores = 0;
  std::string governor;  ///< empty when not visible (e.g. in a VM)
  std::string kernel;    ///< uname -sr
  std::string compiler;
  std::string flags;       ///< the C++ flags perftrack was built with
  std::string build_type;  ///< CMAKE_BUILD_TYPE
  std::string git_sha;     ///< empty outside a git checkout
  bool git_dirty = false;
  std::string host;
  std::string time;  ///< when the run started, UTC ISO 8601
};

environment capture_environment();

}  // namespace perftrack::bench
