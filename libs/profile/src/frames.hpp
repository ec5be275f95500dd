#pragma once

// How a sampled frame is named in a stack, whoever read the samples.

#include <string>
#include <string_view>

namespace perftrack::profile::detail {

/// The function's name, or "[file]" when the function is not known (the
/// mapped file's base name, "[vdso]" not bracketed twice), or "[unknown]"
/// when neither is; ';' (the folded format's separator) becomes ':'.
std::string frame_name(std::string_view function, std::string_view dso);

}  // namespace perftrack::profile::detail
