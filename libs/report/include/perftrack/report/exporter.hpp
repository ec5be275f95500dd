#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/report/builder.hpp"

namespace perftrack::report {

enum class export_format { csv, json };

struct export_request {
  std::vector<std::filesystem::path> inputs;
  export_format format = export_format::csv;
  std::optional<std::int64_t> since_ns;  ///< default: everything
  std::optional<std::int64_t> until_ns;
};

struct export_summary {
  std::uint64_t exported = 0;
};

/// Writes the records of the window in file order: RFC 4180 CSV (CRLF line ends,
/// header timestamp,operation_type,duration_ms,success,session_id,error,context;
/// context as JSON text) or a JSON array of objects with the same fields.
/// Malformed lines are skipped and counted in `warnings`.
expected<export_summary> export_records(const export_request& request, std::ostream& out,
                                        read_warnings& warnings);

}  // namespace perftrack::report
