#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "perftrack/base/expected.hpp"
#include "perftrack/gate/history.hpp"

/// `perftrack dashboard`: one self-contained HTML file (uPlot and the data
/// embedded, no request of any kind) from the gate's run history
/// (docs/dashboard.md).
namespace perftrack::dashboard {

struct options {
  std::string history;              ///< a history file or postgresql:// URL
  std::size_t limit = 100'000;      ///< the latest runs read
  std::string commit_url_template;  ///< "{sha}" becomes the commit; empty: no links
  std::int64_t now_ns = 0;          ///< when the page is generated
};

/// One benchmark metric over the runs that have it, oldest first.
struct series {
  std::string benchmark, metric;
  std::vector<gate::trend_point> points;
};

struct page_data {
  std::string source;                       ///< the history read
  std::vector<gate::history_run> runs;      ///< oldest first
  std::vector<series> trends;               ///< by benchmark, then metric
  std::vector<gate::change_point> changes;  ///< the history's steps, largest first
  std::vector<std::string> notes;           ///< what the page cannot show, and why
};

/// Reads the history. An empty history is not an error: the page says so.
expected<page_data> collect(const options& o);

/// The page: HTML, its style and script, uPlot and the data as JSON (every
/// `<` written as \u003c, so no text closes the script), behind a Content
/// Security Policy that allows no request. Names and commits are escaped
/// wherever they appear, with JavaScript off too (the <noscript> summary).
std::string render_html(const page_data& data, const options& o);

/// The data the page embeds, as JSON text.
std::string data_json(const page_data& data, const options& o);

}  // namespace perftrack::dashboard
