#pragma once

#include <cstddef>
#include <cstdint>

namespace perftrack::reader {

/// Reads up to `want` bytes of `fd` at `offset` into `buf`, retrying short
/// reads and EINTR: fewer only at the end of the file. -errno on an error.
std::int64_t read_at(int fd, char* buf, std::size_t want, std::uint64_t offset);

}  // namespace perftrack::reader
