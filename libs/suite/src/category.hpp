#pragma once

// The suite's one registration shape: a category's benchmarks, named
// "<category>/<what>", their direction following from their kind (throughput:
// higher is better; latency, memory and micro: lower).

#include <chrono>
#include <functional>
#include <string>
#include <utility>

#include "perftrack/bench/benchmark.hpp"

namespace perftrack::suite {

/// What a benchmark may add to the shape (bench::definition's fields).
struct extras {
  bool count_instructions = false;
  int cpus = 0;
  std::chrono::nanoseconds warmup_time{};  ///< bench::definition::warmup_time
  std::string peer;  ///< another project's code measured (bench::definition::peer)
};

class category {
public:
  using body_fn = std::function<void(bench::state&)>;
  category(bench::registry& r, std::string name) : r_(r), name_(std::move(name)) {}

  /// Items per second of `unit` ("msg/s", "agents/s", ...).
  void throughput(const std::string& what, std::string unit, body_fn body, std::string description,
                  extras e = {}) {
    add(what, bench::kind::throughput, std::move(unit), std::move(body), std::move(description), e);
  }
  /// Nanoseconds per operation (state::time_operation).
  void latency(const std::string& what, body_fn body, std::string description, extras e = {}) {
    add(what, bench::kind::latency, "ns", std::move(body), std::move(description), e);
  }
  /// A byte figure (state::set_value).
  void memory(const std::string& what, body_fn body, std::string description) {
    add(what, bench::kind::memory, "B", std::move(body), std::move(description), {});
  }
  /// Nanoseconds per iteration (state::iterations).
  void micro(const std::string& what, body_fn body, std::string description, extras e = {}) {
    add(what, bench::kind::micro, "ns", std::move(body), std::move(description), e);
  }

private:
  void add(const std::string& what, bench::kind k, std::string unit, body_fn body,
           std::string description, extras e) {
    r_.add({.name = name_ + "/" + what,
            .category = name_,
            .kind = k,
            .unit = std::move(unit),
            .direction = k == bench::kind::throughput ? bench::direction::higher_is_better
                                                      : bench::direction::lower_is_better,
            .body = std::move(body),
            .description = std::move(description),
            .count_instructions = e.count_instructions,
            .cpus = e.cpus,
            .warmup_time = e.warmup_time,
            .peer = std::move(e.peer)});
  }
  bench::registry& r_;
  std::string name_;
};

}  // namespace perftrack::suite
