#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

/// `perftrack profile`: CPU profiles as folded stacks, flame graphs, pprof and
/// speedscope (docs/profile.md).
namespace perftrack::cli::profile_command {

struct options {
  unsigned hz = 0;  ///< 0: 99, or 19 with --continuous
  std::string out = "perftrack-profile";
  double duration = 0;  ///< 0: not given (10 s with --pid; until the end with --continuous)
  int pid = 0;
  std::string call_graph = "auto";
  bool region_only = false;  ///< cpu: sample only where the program says (perf_region)
  bool continuous = false;   ///< cpu: a ring of per-window profiles
  std::string window = "10s", keep = "1h";  ///< --continuous
  std::string dir;                          ///< scope: a continuous profile's folder
  std::string from, to;                     ///< scope: a time range (ISO 8601)
  std::vector<std::string> command;
  std::string folded;      ///< render: a folded-stacks file
  std::string base, head;  ///< diff: folded files, or folders holding profile.folded
  std::string title;
  std::vector<std::string> files;  ///< latency: recorded operations
  std::string operation;           ///< latency, spans: one operation (default: all)
  std::size_t most = 200'000;      ///< spans: at most this many, the earliest
};

struct commands {
  CLI::App* cpu = nullptr;
  CLI::App* offcpu = nullptr;
  CLI::App* heap = nullptr;
  CLI::App* render = nullptr;
  CLI::App* diff = nullptr;
  CLI::App* latency = nullptr;
  CLI::App* spans = nullptr;
  CLI::App* scope = nullptr;
  /// Whether one of them was given.
  bool parsed() const {
    for (const CLI::App* c : {cpu, offcpu, heap, render, diff, latency, spans, scope}) {
      if (c->parsed()) return true;
    }
    return false;
  }
};

commands add(CLI::App& app, options& o);
int run(const commands& c, const options& o, std::ostream& out, std::ostream& err);

}  // namespace perftrack::cli::profile_command
