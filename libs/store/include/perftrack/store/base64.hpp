#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace perftrack::store {

/// `bytes` in base64 (RFC 4648, with padding); with `wrap`, a CRLF after every
/// `wrap` characters (MIME bodies: 76). One home for the e-mailed report and the
/// dashboard's embedded arrays.
std::string base64(std::string_view bytes, std::size_t wrap = 0);

}  // namespace perftrack::store
