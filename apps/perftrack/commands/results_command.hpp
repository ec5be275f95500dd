#pragma once

#include <filesystem>
#include <ostream>
#include <set>
#include <string>

#include "perftrack/base/expected.hpp"
#include "perftrack/gate/results.hpp"

/// Running a user's benchmark command for its results, as `perftrack ab` and
/// `perftrack compare --confirm` do: `{out}` in the command becomes the results
/// path it must write, `{filter}` a regex of the benchmarks wanted (both
/// shell-quoted).
namespace perftrack::cli {

/// Runs `command` through the shell and reads the results it wrote to
/// `out_file`; `who` prefixes the command line echoed to `err`.
expected<gate::result_set> run_results_command(const std::string& command,
                                               const std::string& filter,
                                               const std::filesystem::path& out_file,
                                               const std::string& who, std::ostream& err);

/// An anchored regex matching exactly these benchmark names.
std::string name_regex(const std::set<std::string>& names);

}  // namespace perftrack::cli
