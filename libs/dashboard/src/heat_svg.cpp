// A latency heat map as a static SVG (perftrack profile latency, Markdown).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/store/markup.hpp"

namespace perftrack::dashboard {
namespace {

std::string latency_text(double ms) {
  if (ms >= 1000) return fmt::format("{:.3g} s", ms / 1000);
  if (ms >= 1) return fmt::format("{:.3g} ms", ms);
  return fmt::format("{:.3g} us", ms * 1000);
}

/// The count's colour on a log scale, the page's formula (dashboard.js
/// heatColour): pale yellow to dark red.
std::string heat_colour(std::uint32_t count, std::uint32_t max) {
  const double t = std::log1p(count) / std::log1p(std::max<std::uint32_t>(max, 1));
  return fmt::format("hsl({}, 95%, {}%)", std::lround(45 - 45 * t), std::lround(88 - 48 * t));
}

}  // namespace

std::string heat_map_svg(const operations_view& v, const operation& op) {
  const std::size_t rows = heat_bounds_ms().size() + 1, cols = v.columns;
  std::size_t lo = rows, hi = 0;
  std::uint32_t max = 0;
  std::vector<std::uint64_t> per_row(rows, 0);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const std::uint32_t n = op.heat[r * cols + c];
      if (n == 0) continue;
      lo = std::min(lo, r), hi = std::max(hi, r), max = std::max(max, n);
      per_row[r] += n;
    }
  }
  if (lo > hi) lo = 0, hi = rows - 1;
  while (hi - lo < 7 && (lo > 0 || hi < rows - 1)) {  // two decades at least
    if (lo > 0) --lo;
    if (hi - lo < 7 && hi < rows - 1) ++hi;
  }
  constexpr double left = 80, top = 30, plot_w = 600, hist_w = 120, legend_h = 40;
  const double cell_h = 14, shown = static_cast<double>(hi - lo + 1);
  const double plot_h = cell_h * shown,
               cell_w = plot_w / static_cast<double>(std::max<std::size_t>(cols, 1));
  const double w = left + plot_w + 10 + hist_w + 10, h = top + plot_h + legend_h;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"{0}\" height=\"{1}\" "
      "fill=\"#fff\"/>\n"
      "<text x=\"4\" y=\"16\" font-weight=\"bold\">{2}: latency heat map ({3} events)</text>\n",
      w, h, store::escape_markup(op.name), op.count);
  const auto& b = heat_bounds_ms();
  std::uint64_t row_max = 1;
  for (std::size_t r = lo; r <= hi; ++r) row_max = std::max(row_max, per_row[r]);
  for (std::size_t r = lo; r <= hi; ++r) {
    const double y = top + plot_h - cell_h * static_cast<double>(r - lo + 1);
    const std::string range = r == 0 ? "up to " + latency_text(b[0])
                              : r == b.size()
                                  ? "over " + latency_text(b.back())
                                  : latency_text(b[r - 1]) + " to " + latency_text(b[r]);
    if ((r - lo) % 2 == 0)
      out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 4,
                         y + cell_h - 3, latency_text(r < b.size() ? b[r] : b.back() * 10));
    for (std::size_t c = 0; c < cols; ++c) {
      const std::uint32_t n = op.heat[r * cols + c];
      if (n == 0) continue;
      out += fmt::format(
          "<rect x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{}\" fill=\"{}\"><title>{}: "
          "{} "
          "events</title></rect>\n",
          left + cell_w * static_cast<double>(c), y, cell_w, cell_h, heat_colour(n, max), range, n);
    }
    const double bar = hist_w * static_cast<double>(per_row[r]) / static_cast<double>(row_max);
    out += fmt::format(
        "<rect x=\"{}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{}\" fill=\"#2563eb\"><title>{}: {} "
        "events</title></rect>\n",
        left + plot_w + 10, y + 1, bar, cell_h - 2, range, per_row[r]);
  }
  out += fmt::format("<text x=\"{}\" y=\"{:.1f}\">time: {} columns of {:g} s</text>\n", left,
                     top + plot_h + 14, cols, static_cast<double>(v.width_ns) / 1e9);
  for (int k = 0; k <= 4; ++k) {  // the legend: count on a log scale
    const auto n = std::max<std::uint32_t>(
        1, static_cast<std::uint32_t>(std::lround(std::expm1(std::log1p(max) * k / 4.0))));
    out += fmt::format(
        "<rect x=\"{}\" y=\"{:.1f}\" width=\"14\" height=\"10\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"{:.1f}\">{}</text>\n",
        left + 220 + 70 * k, top + plot_h + 5, heat_colour(n, max), left + 238 + 70 * k,
        top + plot_h + 14, n);
  }
  return out + "</svg>\n";
}

}  // namespace perftrack::dashboard
