#include "perftrack/store/base64.hpp"

namespace perftrack::store {

std::string base64(std::string_view in, std::size_t wrap) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4 + (wrap != 0 ? in.size() / wrap * 2 : 0));
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
