#include "perftrack/reader/line_parser.hpp"

#include <simdjson.h>

#include <cstring>
#include <vector>

#include "perftrack/store/fields.hpp"
#include "perftrack/store/timestamp.hpp"

namespace perftrack::reader {

static_assert(line_padding == simdjson::SIMDJSON_PADDING);

// simdjson's on-demand API is compiled into this file for one kernel, chosen by
// the compiler flags: CMake builds this file alone for x86-64-v3 (AVX2) when the
// build machine has it (PERFTRACK_READER_ARCH), else with simdjson's portable
// kernel. No other file includes simdjson.h, so no inline function is compiled
// twice with different flags.
namespace od = simdjson::ondemand;
namespace field = store::field;

namespace {

line_error from_simdjson(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::UTF8_ERROR: return line_error::invalid_utf8;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_OUT_OF_RANGE: return line_error::wrong_type;
    default: return line_error::invalid_json;
  }
}

// Reads an optional string field: null or a string.
line_error optional_string(od::value v, bool full, bool& has, std::string_view& out) noexcept {
  od::json_type type;
  if (auto e = v.type().get(type)) return from_simdjson(e);
  if (type == od::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return line_error::invalid_json;
    return line_error::none;
  }
  if (type != od::json_type::string) return line_error::wrong_type;
  // Unescape even when the value is not wanted: a bad escape makes the line
  // malformed at every detail level.
  std::string_view text;
  if (auto e = v.get_string().get(text)) return from_simdjson(e);
  if (full) {
    out = text;
    has = true;
  }
  return line_error::none;
}

line_error parse_line(od::parser& parser, store::timestamp_parser& parse_time, bool full,
                      std::string_view line, std::size_t capacity, record_view& out) noexcept {
  out = record_view{};
  od::document doc;
  if (auto e = parser.iterate(line.data(), line.size(), capacity).get(doc)) {
    return from_simdjson(e);
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    return e == simdjson::INCORRECT_TYPE ? line_error::invalid_json : from_simdjson(e);
  }
  // On-demand parsing stops at the object's end: anything after it is junk.
  std::string_view whole;
  if (auto e = obj.raw_json().get(whole)) return from_simdjson(e);
  const std::size_t object_end =
      static_cast<std::size_t>(whole.data() - line.data()) + whole.size();
  if (line.find_last_not_of(" \t\r") + 1 != object_end) return line_error::invalid_json;
  bool rewound = false;
  if (auto e = obj.reset().get(rewound)) return from_simdjson(e);

  enum : unsigned { has_time = 1, has_op = 2, has_duration = 4, has_success = 8 };
  unsigned seen = 0;
  for (auto field_result : obj) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return from_simdjson(e);
    const od::raw_json_string key = field.key();
    od::value value = field.value();
    if (key == field::timestamp) {
      std::string_view text;
      if (auto e = value.get_string().get(text)) return from_simdjson(e);
      const auto t = parse_time(text);
      if (!t) return line_error::bad_timestamp;
      out.timestamp_ns = *t;
      out.timestamp_text = text;
      seen |= has_time;
    } else if (key == field::operation_type) {
      if (auto e = value.get_string().get(out.operation)) return from_simdjson(e);
      if (out.operation.empty()) return line_error::bad_value;
      seen |= has_op;
    } else if (key == field::duration_ms) {
      if (auto e = value.get_double().get(out.duration_ms)) return from_simdjson(e);
      if (!(out.duration_ms >= 0)) return line_error::bad_value;
      seen |= has_duration;
    } else if (key == field::success) {
      if (auto e = value.get_bool().get(out.success)) return from_simdjson(e);
      seen |= has_success;
    } else if (key == field::session_id) {
      if (auto e = optional_string(value, full, out.has_session_id, out.session_id);
          e != line_error::none) {
        return e;
      }
    } else if (key == field::error) {
      if (auto e = optional_string(value, full, out.has_error, out.error); e != line_error::none) {
        return e;
      }
    } else if (key == field::context) {
      od::json_type type;
      if (auto e = value.type().get(type)) return from_simdjson(e);
      if (type == od::json_type::object) {
        od::object ctx;
        if (auto e = value.get_object().get(ctx)) return from_simdjson(e);
        std::string_view raw;
        if (auto e = ctx.raw_json().get(raw)) return from_simdjson(e);
        if (full) out.context_json = raw;
      } else if (type == od::json_type::null) {
        bool is_null = false;
        if (value.is_null().get(is_null) || !is_null) return line_error::invalid_json;
      } else {
        return line_error::wrong_type;
      }
    }
    // Unknown fields are skipped by the iteration itself.
  }
  if (seen != (has_time | has_op | has_duration | has_success)) return line_error::missing_field;
  return line_error::none;
}

}  // namespace

std::string_view describe(line_error e) noexcept {
  switch (e) {
    case line_error::none: return "ok";
    case line_error::invalid_json: return "not a JSON object (or cut off)";
    case line_error::invalid_utf8: return "invalid UTF-8";
    case line_error::missing_field:
      return "missing timestamp, operation_type, duration_ms or success";
    case line_error::wrong_type: return "a field has the wrong type";
    case line_error::bad_timestamp: return "timestamp is not ISO-8601 with a time zone";
    case line_error::bad_value: return "negative duration or empty operation_type";
    case line_error::too_long: return "line longer than 1 MiB";
  }
  return "unknown";
}

struct line_parser::impl {
  explicit impl(detail_level l) : full(l == detail_level::full) {}
  bool full;
  od::parser parser;
  store::timestamp_parser parse_time;
  std::vector<char> copy;  // padded copy for parse()
};

line_parser::line_parser(detail_level level) : impl_(std::make_unique<impl>(level)) {}
line_parser::~line_parser() = default;
line_parser::line_parser(line_parser&&) noexcept = default;
line_parser& line_parser::operator=(line_parser&&) noexcept = default;

line_error line_parser::parse(std::string_view line, record_view& out) {
  if (line.size() > max_line_bytes) return line_error::too_long;
  auto& copy = impl_->copy;
  if (copy.size() < line.size() + line_padding) copy.resize(line.size() + line_padding);
  if (!line.empty()) std::memcpy(copy.data(), line.data(), line.size());
  std::memset(copy.data() + line.size(), ' ', line_padding);
  return parse_line(impl_->parser, impl_->parse_time, impl_->full, {copy.data(), line.size()},
                    copy.size(), out);
}

line_error line_parser::parse_padded(std::string_view line, record_view& out) {
  if (line.size() > max_line_bytes) return line_error::too_long;
  return parse_line(impl_->parser, impl_->parse_time, impl_->full, line, line.size() + line_padding,
                    out);
}

}  // namespace perftrack::reader
