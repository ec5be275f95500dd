#include "line_format.hpp"

#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "perftrack/store/fields.hpp"
#include "perftrack/store/json_text.hpp"
#include "perftrack/store/timestamp.hpp"

namespace perftrack::detail {
namespace {

namespace field = store::field;

char* put(char* out, std::string_view s) noexcept {
  std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

char* put_string_or_null(char* out, std::string_view s) noexcept {
  if (s.empty()) return put(out, "null");
  *out++ = '"';
  out = store::escape_json(s, out);
  *out++ = '"';
  return out;
}

// Duration in ms with microsecond resolution, e.g. 45.123 (rounded to the µs).
char* put_duration(char* out, std::int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  const std::int64_t us = (ns + 500) / 1000;
  out = std::to_chars(out, out + 20, us / 1000).ptr;
  const auto frac = static_cast<unsigned>(us % 1000);
  out[0] = '.';
  out[1] = static_cast<char>('0' + frac / 100);
  out[2] = static_cast<char>('0' + frac / 10 % 10);
  out[3] = static_cast<char>('0' + frac % 10);
  return out + 4;
}

/// The fixed parts of a line, built once from the field names.
struct fragments {
  std::string open = "{";
  std::string succeeded = ",";
  std::string failed = ",";
  std::string error = ",";
  std::string context = ",";
  fragments() {
    field::append_key(open, field::timestamp) += '"';
    field::append_key(field::append_key(succeeded, field::success) += "true,", field::session_id);
    field::append_key(field::append_key(failed, field::success) += "false,", field::session_id);
    field::append_key(error, field::error);
    field::append_key(context, field::context);
  }
};

const fragments& fixed() {
  static const fragments f;
  return f;
}

/// A JSON object by RFC 8259 (nlohmann's validator: strict UTF-8, no raw
/// control characters in strings, no comments, no NaN), on the writer thread.
/// Braces at both ends are not enough: `{oops}` is no JSON.
bool is_json_object(std::string_view s) noexcept {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || s[first] != '{') return false;
  return nlohmann::json::accept(s);
}

}  // namespace

char* line_format::write(const record_header& h, const operation_entry& op,
                         std::int64_t wall_offset_ns, char* out) noexcept {
  const std::int64_t wall = h.end_ns + wall_offset_ns;
  std::int64_t second = wall / 1'000'000'000;
  if (wall < 0 && wall % 1'000'000'000 != 0) --second;
  const fragments& f = fixed();
  out = put(out, f.open);
  if (second != cached_second_) {
    char full[store::timestamp_length];
    store::format_timestamp(wall, full);
    std::memcpy(cached_prefix_, full, sizeof cached_prefix_);
    cached_second_ = second;
  }
  out = put(out, {cached_prefix_, sizeof cached_prefix_});
  const auto ms = static_cast<unsigned>((wall - second * 1'000'000'000) / 1'000'000);
  out[0] = static_cast<char>('0' + ms / 100);
  out[1] = static_cast<char>('0' + ms / 10 % 10);
  out[2] = static_cast<char>('0' + ms % 10);
  out[3] = 'Z';
  out += 4;
  out = put(out, op.line_fragment);
  out = put_duration(out, h.duration_ns);
  out = put(out, h.success ? f.succeeded : f.failed);
  const char* text = reinterpret_cast<const char*>(&h + 1);
  out = put_string_or_null(out, {text, h.session_len});
  text += h.session_len;
  out = put(out, f.error);
  out = put_string_or_null(out, {text, h.error_len});
  text += h.error_len;
  const std::string_view context(text, h.context_len);
  if (!context.empty()) {
    out = put(out, f.context);
    if (is_json_object(context)) {
      // A raw line break (legal whitespace in JSON) would split the line.
      for (const char c : context) *out++ = (c == '\n' || c == '\r') ? ' ' : c;
    } else {
      out = put(out, "{\"value\":");
      out = put_string_or_null(out, context);
      *out++ = '}';
    }
  }
  out = put(out, "}\n");
  return out;
}

}  // namespace perftrack::detail
