#pragma once

#include <string>
#include <string_view>

namespace perftrack::profile {

/// The start of a profile page up to <body>: the Content Security Policy that
/// allows no request, the escaped title and the flame graph's style. One
/// home for flamegraph.html, the differential pages and scope.html.
std::string page_head(std::string_view title);

/// The end of such a page from its <main>: the data (JSON text already safe
/// in a script) in <script type="application/json" id="`data_id`">, the
/// flame graph's script, then `script` (none when empty).
std::string page_tail(std::string_view data_id, std::string_view data, std::string_view script);

}  // namespace perftrack::profile
