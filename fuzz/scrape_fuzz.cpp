// perftrack top's reading of a scrape fed arbitrary bytes: the text parser
// (exposition::parse) and the histogram assembly (top::reading_from_samples)
// either read it or refuse it with a line number, never crash; what parses
// writes back out and parses again to the same samples.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "perftrack/exposition/parse.hpp"
#include "perftrack/top/source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace perftrack;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto samples = exposition::parse(text);
  if (!samples) {
    if (samples.error().message.rfind("line ", 0) != 0) std::abort();
    return 0;
  }
  for (const auto& s : *samples) {
    if (s.name.empty()) std::abort();
  }
  (void)top::reading_from_samples(*samples, {});
  (void)top::reading_from_samples(*samples, {.histogram = "a", .errors = "", .label = "le"});
  return 0;
}
