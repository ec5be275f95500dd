#pragma once

#include <string>
#include <string_view>

namespace perftrack::profile {

/// The start of a profile page up to <body>: the Content Security Policy that
/// allows no request, the escaped title and the flame graph's style. One
/// home for flamegraph.html, the differential pages and scope.html.
std::string page_head(std::string_view title);

}  // namespace perftrack::profile
