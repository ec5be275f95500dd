// One results reader of the gate (PERFTRACK_FUZZ_FORMAT: perftrack,
// google-benchmark or pytest-benchmark) fed arbitrary bytes, seeded with files
// in its format (fuzz/corpus/<format>). Whatever it accepts must survive the
// comparison, and a run compared with itself may never be a regression: only
// a failed benchmark is critical, nothing is a warning or an improvement.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "perftrack/gate/compare.hpp"
#include "perftrack/gate/results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace perftrack::gate;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_results(text, "fuzz input");
  if (!parsed) {
    if (parsed.error().message.empty()) std::abort();  // an error always says what
    return 0;
  }
  if (parsed->format != PERFTRACK_FUZZ_FORMAT) return 0;  // another reader's input
  compare_options o;
  o.config.resamples = 50;
  const auto c = compare(*parsed, *parsed, o);
  for (const auto& r : c.rows) {
    if (r.verdict == severity::warning || r.verdict == severity::improvement) std::abort();
    if (r.verdict == severity::critical && r.note.rfind("the benchmark failed", 0) != 0)
      std::abort();
  }
  return 0;
}
