#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "perftrack/reader/line_parser.hpp"
#include "perftrack/reader/record.hpp"

namespace perftrack::reader {

/// Receives the records of one thread's share of a file. Each thread has its own
/// sink, so a sink needs no locking.
class record_sink {
public:
  virtual ~record_sink() = default;
  virtual void on_record(const record_view& record) = 0;
};

struct malformed_line {
  std::filesystem::path file;
  std::uint64_t line = 0;  ///< 1-based
  line_error error = line_error::none;
};

struct scan_result {
  std::uint64_t lines = 0;  ///< non-empty lines
  std::uint64_t records = 0;
  std::uint64_t malformed = 0;
  std::uint64_t bytes = 0;
  /// The first few malformed lines, in file order.
  std::vector<malformed_line> first_malformed;
};

struct scan_options {
  unsigned threads = 0;  ///< 0: one per hardware thread
  line_parser::detail_level detail = line_parser::detail_level::summary;
  std::size_t block_bytes = 4 << 20;
  std::size_t keep_malformed = 5;
};

/// Expands `inputs` (files, or directories meaning every *.jsonl file in them,
/// sorted) into files. Fails on a path that does not exist.
std::vector<std::filesystem::path> expand_inputs(std::span<const std::filesystem::path> inputs,
                                                 std::error_code& error,
                                                 std::filesystem::path& failed);

/// Reads `file` with sinks.size() threads, each taking a contiguous byte range and
/// calling its sink for every well-formed record; empty lines are ignored,
/// malformed ones counted. Memory is the block buffers, not the file size.
/// Adds to `result`; returns false and sets `error` if the file cannot be read.
bool scan_file(const std::filesystem::path& file, std::span<record_sink* const> sinks,
               const scan_options& options, scan_result& result, std::error_code& error);

/// The least and the greatest timestamp of the records in `file`.
struct time_span {
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
};

/// The span of the well-formed records among the first and the last 64 KiB of
/// `file`: its whole span when the file is in time order (as appended files
/// are), a guess to be checked otherwise. nullopt when those hold no record;
/// false and `error` set when `file` cannot be read.
bool edge_span(const std::filesystem::path& file, std::optional<time_span>& span,
               std::error_code& error);

/// Reads `file` on the calling thread in file order (export keeps line order).
bool scan_file_in_order(const std::filesystem::path& file, record_sink& sink,
                        const scan_options& options, scan_result& result, std::error_code& error);

}  // namespace perftrack::reader
