#pragma once

#include <string>
#include <string_view>

namespace perftrack::store {

/// `text` safe inside HTML or XML text and double-quoted attributes: &, <, >
/// and " as entities. One home for the renderers that write markup (JUnit XML,
/// the e-mailed report's HTML).
std::string escape_markup(std::string_view text);

}  // namespace perftrack::store
