// OpenSLO YAML fed arbitrary bytes: imported or refused with a message naming
// the file, never a crash; what is imported is a baselines file that reads
// back and exports again.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "perftrack/slo/openslo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace perftrack::slo;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto imported = import_openslo(text, "fuzz.yaml");
  if (!imported) {
    if (imported.error().message.find("fuzz.yaml") == std::string::npos) std::abort();
    return 0;
  }
  const auto set = parse_objectives(imported->toml, "imported.toml");
  if (!set || set->objectives.size() != imported->objectives) std::abort();
  if (export_openslo(*set).empty()) std::abort();
  return 0;
}
