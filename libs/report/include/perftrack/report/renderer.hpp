#pragma once

#include <memory>
#include <ostream>
#include <string_view>

#include "perftrack/report/period_report.hpp"

namespace perftrack::report {

/// Turns a finished report into one output format. Renders only: never measures,
/// never mutates the report.
class renderer {
public:
  virtual ~renderer() = default;
  virtual void render(const period_report& report, std::ostream& out) const = 0;
};

/// GitHub-flavoured Markdown: title, operations table, reliability, slowest,
/// most frequent, degradation and (for trends) per-bucket p95 sparklines.
class markdown_renderer final : public renderer {
public:
  void render(const period_report& report, std::ostream& out) const override;
};

/// The JSON document described in docs/report-json.md.
class json_renderer final : public renderer {
public:
  void render(const period_report& report, std::ostream& out) const override;
};

/// "markdown" or "json"; nullptr for anything else.
std::unique_ptr<renderer> make_renderer(std::string_view format);

}  // namespace perftrack::report
