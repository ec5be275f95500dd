#include "perftrack/bench/instructions.hpp"

#include <valgrind/callgrind.h>

#include <fstream>
#include <map>
#include <sstream>

namespace perftrack::bench {
namespace {

int dumps_taken = 0;
bool collecting = false;

}  // namespace

bool under_callgrind() noexcept { return RUNNING_ON_VALGRIND != 0; }

bool valgrind_can_run_this_build() noexcept {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
  return false;
#else
  return true;
#endif
#else
  return true;
#endif
}

void collect_instructions(bool on) noexcept {
  if (on == collecting) return;
  collecting = on;
  CALLGRIND_TOGGLE_COLLECT;
}

expected<callgrind_costs> dump_callgrind_costs(const std::filesystem::path& out_base) {
  collect_instructions(false);
  CALLGRIND_DUMP_STATS;
  const auto file = out_base.string() + "." + std::to_string(++dumps_taken);
  std::ifstream in(file);
  if (!in) {
    return failure{"Callgrind wrote no " + file +
                   ": run the counting process under the command of callgrind_arguments()"};
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_callgrind_costs(text.str(), file);
}

expected<callgrind_costs> parse_callgrind_costs(const std::string& text,
                                                const std::string& source) {
  std::vector<std::string> events;
  std::vector<double> values;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    if (key == "events:") {
      for (std::string e; fields >> e;) events.push_back(e);
    } else if (key == "summary:" || (key == "totals:" && values.empty())) {
      values.clear();
      for (double v = 0; fields >> v;) values.push_back(v);
    }
  }
  if (events.empty() || values.empty())
    return failure{source + " has no \"events:\" and \"summary:\" lines (not Callgrind output?)"};
  std::map<std::string, double> cost;
  // Trailing zero counts are left out of the line.
  for (std::size_t i = 0; i < events.size(); ++i)
    cost[events[i]] = i < values.size() ? values[i] : 0;
  if (!cost.count("Ir")) return failure{source + " counts no instructions (Ir)"};
  callgrind_costs c;
  c.instructions = cost["Ir"];
  const double l1 = cost["I1mr"] + cost["D1mr"] + cost["D1mw"];
  const double ll = cost["ILmr"] + cost["DLmr"] + cost["DLmw"];
  c.estimated_cycles = c.instructions + 10 * l1 + 100 * ll;
  return c;
}

std::vector<std::string> callgrind_arguments(const std::filesystem::path& out_base,
                                             bool collect_at_start) {
  return {"--tool=callgrind",
          "--quiet",
          collect_at_start ? "--collect-atstart=yes" : "--collect-atstart=no",
          "--cache-sim=yes",
          "--I1=32768,8,64",
          "--D1=32768,8,64",
          "--LL=8388608,16,64",
          "--callgrind-out-file=" + out_base.string(),
          "--log-file=" + out_base.string() + ".log"};
}

}  // namespace perftrack::bench
