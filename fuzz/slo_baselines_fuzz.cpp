// The SLO baselines file (TOML) fed arbitrary bytes: read or refused with a
// message naming the file, never a crash (nor signed overflow: UBSan); what is
// read generates rules, their tests and the Alertmanager configuration.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "perftrack/slo/rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace perftrack::slo;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto set = parse_objectives(text, "fuzz.toml");
  if (!set) {
    if (set.error().message.find("fuzz.toml") == std::string::npos) std::abort();
    return 0;
  }
  const rule_files files = generate_rules(*set, {});
  if (files.rules.empty() || files.rules_test.empty() || files.alertmanager.empty()) std::abort();
  return 0;
}
