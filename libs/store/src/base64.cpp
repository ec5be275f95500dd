#include "perftrack/store/base64.hpp"

namespace perftrack::store {

std::string base64(std::string_view in, std::size_t wrap) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // Written in place, three bytes to four digits at a time (a page's typed
  // arrays are megabytes of it), then cut into lines when asked.
  std::string flat((in.size() + 2) / 3 * 4, '=');
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  char* o = flat.data();
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
  if (wrap == 0) return flat;
  std::string out;
  out.reserve(flat.size() + flat.size() / wrap * 2);
  for (std::size_t at = 0; at < flat.size(); at += wrap) {
    if (at > 0) out += "\r\n";
    out.append(flat, at, wrap);
  }
  return out;
}

}  // namespace perftrack::store
