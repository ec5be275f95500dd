// The gate's thresholds file (TOML) fed arbitrary bytes: a file is read or
// refused with a message naming it, never a crash; what is read gives
// thresholds for any benchmark.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "perftrack/gate/compare.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace perftrack::gate;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto config = gate_config::from_toml(text, "fuzz.toml");
  if (!config) {
    if (config.error().message.find("fuzz.toml") == std::string::npos) std::abort();
    return 0;
  }
  (void)config->for_metric("database", "database/sqlite_insert", "throughput");
  (void)config->for_metric("", "", "");
  return 0;
}
