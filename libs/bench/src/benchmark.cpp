#include "perftrack/bench/benchmark.hpp"

#include <stdexcept>

#include "perftrack/bench/instructions.hpp"

namespace perftrack::bench {

std::string_view name(kind k) noexcept {
  switch (k) {
    case kind::micro: return "micro";
    case kind::throughput: return "throughput";
    case kind::latency: return "latency";
    case kind::memory: return "memory";
  }
  return "micro";
}

void state::collect(bool on) noexcept { collect_instructions(on); }

std::string_view name(direction d) noexcept {
  return d == direction::lower_is_better ? "lower_is_better" : "higher_is_better";
}

void registry::add(definition d) {
  for (const auto& existing : defs_) {
    if (existing.name == d.name)
      throw std::invalid_argument("benchmark registered twice: " + d.name);
  }
  defs_.push_back(std::move(d));
}

registry& registry::global() {
  static registry r;
  return r;
}

bool register_benchmark(definition d) {
  registry::global().add(std::move(d));
  return true;
}

}  // namespace perftrack::bench
