#pragma once

#include <cstddef>
#include <string>
#include <string_view>

/// Small JSON text helpers shared by the writer, the exporter and the renderers.
namespace perftrack::store {

/// Upper bound of the escaped size of `n` input bytes (every byte as \u00XX).
constexpr std::size_t max_escaped_size(std::size_t n) noexcept { return n * 6; }

/// The exact number of chars escape_json writes for `text`.
std::size_t escaped_size(std::string_view text) noexcept;

/// Writes `text` JSON-escaped (without the surrounding quotes) to `out`, which must
/// hold max_escaped_size(text.size()) chars. Valid UTF-8 passes through unchanged;
/// each byte of an invalid sequence becomes \ufffd, so the output is always valid
/// JSON. Returns one past the last char written.
char* escape_json(std::string_view text, char* out) noexcept;

/// True when `text` is valid UTF-8 (no overlong forms, surrogates or values above
/// U+10FFFF).
bool valid_utf8(std::string_view text) noexcept;

/// `text` with each byte of an invalid UTF-8 sequence replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text);

/// Appends `"text"` (quoted and escaped) to `out`.
void append_json_string(std::string& out, std::string_view text);

/// Appends the shortest decimal form of `value` that reads back exactly; NaN and
/// infinities, which JSON cannot hold, become null.
void append_json_number(std::string& out, double value);

}  // namespace perftrack::store
