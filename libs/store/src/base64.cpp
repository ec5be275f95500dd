#include "perftrack/store/base64.hpp"

namespace perftrack::store {

namespace {

/// One line: written in place, three bytes to four digits at a time (a page's
/// typed arrays are megabytes of it).
std::string base64_unwrapped(std::string_view in, const char* digits) {
  std::string out((in.size() + 2) / 3 * 4, '=');
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3, o += 4) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    o[0] = digits[(v >> 18) & 63];
    o[1] = digits[(v >> 12) & 63];
    o[2] = digits[(v >> 6) & 63];
    o[3] = digits[v & 63];
  }
  if (i < in.size()) {  // one or two bytes left: '=' pads the rest
    const unsigned v = (p[i] << 16) | (i + 1 < in.size() ? p[i + 1] << 8 : 0u);
    o[0] = digits[(v >> 18) & 63];
    o[1] = digits[(v >> 12) & 63];
    if (i + 1 < in.size()) o[2] = digits[(v >> 6) & 63];
  }
  return out;
}

}  // namespace

std::string base64(std::string_view in, std::size_t wrap) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (wrap == 0) return base64_unwrapped(in, digits);
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4 + in.size() / wrap * 2);
  std::size_t line = 0;
  const auto put = [&](char c) {
    if (wrap != 0 && line == wrap) {
      out += "\r\n";
      line = 0;
    }
    out += c;
    ++line;
  };
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const auto byte = [&](std::size_t k) {
      return k < in.size() ? static_cast<unsigned char>(in[k]) : 0u;
    };
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    put(digits[(v >> 18) & 63]);
    put(digits[(v >> 12) & 63]);
    put(i + 1 < in.size() ? digits[(v >> 6) & 63] : '=');
    put(i + 2 < in.size() ? digits[v & 63] : '=');
  }
  return out;
}

}  // namespace perftrack::store
