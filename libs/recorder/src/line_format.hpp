#pragma once

#include <cstdint>
#include <string_view>

#include "operation_table.hpp"
#include "ring.hpp"

namespace perftrack::detail {

/// Turns buffered records into JSON lines of the metrics file format
/// (docs/file-format.md). Caches the formatted second, so consecutive records
/// cost a copy plus the milliseconds.
class line_format {
public:
  /// Upper bound of the line for a record whose texts total `text_bytes`.
  static constexpr std::size_t max_line(std::size_t text_bytes, std::size_t name_bytes) {
    return 160 + name_bytes + 6 * text_bytes + 16;
  }

  /// Writes the record's line, '\n' included, at `out`; returns its end.
  /// `wall_offset_ns` turns the steady end time into Unix time.
  char* write(const record_header& h, const operation_entry& op, std::int64_t wall_offset_ns,
              char* out) noexcept;

private:
  std::int64_t cached_second_ = INT64_MIN;
  char cached_prefix_[20] = {};  // "YYYY-MM-DDTHH:MM:SS."
};

}  // namespace perftrack::detail
