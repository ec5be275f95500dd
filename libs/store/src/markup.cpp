#include "perftrack/store/markup.hpp"

#include <algorithm>
#include <cctype>

namespace perftrack::store {

std::string escape_script_json(std::string_view json_text) {
  // Whole spans between the '<'s at once: a page's data is megabytes of them.
  std::string out;
  out.reserve(json_text.size() + json_text.size() / 64);
  for (std::size_t at = 0; at < json_text.size();) {
    const std::size_t lt = std::min(json_text.find('<', at), json_text.size());
    out.append(json_text, at, lt - at);
    if (lt == json_text.size()) break;
    out += "\\u003c";
    at = lt + 1;
  }
  return out;
}

std::string escape_markup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_markdown_cell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '|':
      case '\\':
      case '`':
      case '*':
      case '<':
      case '>':
      case '[':
      case ']':
        out += '\\';
        out += c;
        break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::string file_url(std::string_view absolute_path) {
  std::string out = "file://";
  for (const char c : absolute_path) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      constexpr const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

}  // namespace perftrack::store
