// Feeds arbitrary bytes to the JSONL line parser, both as a single line (copied
// and padded) and in place inside a padded buffer, and checks that an accepted
// record honours the parser's contract.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "perftrack/reader/line_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace perftrack::reader;
  static line_parser summary(line_parser::detail_level::summary);
  static line_parser full(line_parser::detail_level::full);
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  record_view r;
  const line_error a = full.parse(line, r);
  if (a == line_error::none && (r.operation.empty() || !(r.duration_ms >= 0))) std::abort();

  // In place, with junk (not spaces) after the line, as inside a file block.
  std::vector<char> padded(size + line_padding, '{');
  std::memcpy(padded.data(), data, size);
  const line_error b = summary.parse_padded({padded.data(), size}, r);
  if ((a == line_error::none) != (b == line_error::none)) std::abort();
  return 0;
}
