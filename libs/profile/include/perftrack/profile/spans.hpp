#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"

/// Recorded operations as spans of time, for speedscope's evented view: the
/// coordination operations on a timeline (docs/profile.md).
namespace perftrack::profile {

struct span {
  std::string operation;
  std::string session;        ///< empty: none recorded
  std::int64_t start_ns = 0;  ///< Unix time: the record's timestamp less its duration
  std::int64_t end_ns = 0;    ///< the record's timestamp (the operation's end)
  bool success = true;
};

struct span_set {
  std::vector<span> spans;    ///< by start time
  std::uint64_t records = 0;  ///< well-formed records read
  std::uint64_t malformed = 0;
  std::uint64_t left_out = 0;  ///< beyond `most`: the latest ones
};

/// Reads recorded operations (JSONL files, or folders of them) as spans;
/// only `operation`'s when it is not empty; the `most` earliest.
expected<span_set> read_spans(const std::vector<std::filesystem::path>& inputs,
                              std::string_view operation, std::size_t most);

/// speedscope's file format: one evented profile per session, in
/// milliseconds from the first span. Spans that overlap (concurrent
/// operations of one session) go on lanes of their own, as an evented
/// profile must nest; a failed operation's frame is marked "(failed)".
std::string spans_speedscope_json(const std::vector<span>& spans, std::string_view name);

}  // namespace perftrack::profile
