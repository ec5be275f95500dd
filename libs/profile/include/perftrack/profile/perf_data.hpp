#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/profile/profile.hpp"

namespace perftrack::profile {

/// Reads the files `perf record` writes (perf.data) without `perf script`
/// (docs/profile.md, "Continuous profiling"): each sample's frame-pointer
/// call stack, its frames named as perf names them (ELF symbols, kallsyms,
/// C++ names demangled without parameters). Symbol tables are kept from one
/// file to the next, so reading a window of samples costs little more than
/// reading its bytes. One reader is used by one thread at a time.
class perf_data_reader {
public:
  perf_data_reader();
  ~perf_data_reader();
  perf_data_reader(const perf_data_reader&) = delete;
  perf_data_reader& operator=(const perf_data_reader&) = delete;

  /// The samples of `file` as parse_perf_script gives them for the `perf
  /// script` output of the same file, with each sample's time (seconds) and
  /// stack in `times`. A file that is not perf.data, is cut short, or holds
  /// samples laid out unlike perf record's (a READ group) is an error
  /// naming the file and what is wrong.
  expected<profile> read(const std::filesystem::path& file, std::vector<timed_sample>& times);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace perftrack::profile
