#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "perftrack/exposition/metrics.hpp"

namespace perftrack::exposition {

enum class format {
  text,         ///< Prometheus text format 0.0.4
  openmetrics,  ///< OpenMetrics 1.0.0 text
};

/// The format a scraper asks for in its Accept header: OpenMetrics when it
/// accepts application/openmetrics-text (version 1.0.0 or 0.0.1) at least as
/// much as text/plain, as Prometheus 2.x asks; the 0.0.4 text otherwise (also
/// for an empty or unreadable header).
format negotiate(std::string_view accept);

/// The Content-Type of a response in `f`.
std::string_view content_type(format f);

/// Appends the families in `f`. HELP texts are escaped; families without
/// samples are left out; OpenMetrics output ends with "# EOF".
void write(const std::vector<family>& families, format f, std::string& out);

/// True when `accept_encoding` accepts gzip (a q of 0 refuses it).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace perftrack::exposition
