#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

#include "perftrack/stats/correlation.hpp"

namespace perftrack::dashboard {

/// Spearman's rho of two per-column series over the columns where both have a
/// value, with that count; nullopt below 5 such columns or when either does
/// not vary. The one rule behind both correlation tables.
struct column_rho {
  double rho = 0;
  std::size_t n = 0;
};
inline std::optional<column_rho> correlate_columns(const std::vector<double>& a,
                                                   const std::vector<double>& b) {
  constexpr std::size_t min_columns = 5;
  std::vector<double> x, y;
  for (std::size_t c = 0; c < a.size() && c < b.size(); ++c) {
    if (std::isfinite(a[c]) && std::isfinite(b[c])) {
      x.push_back(a[c]);
      y.push_back(b[c]);
    }
  }
  if (x.size() < min_columns) return std::nullopt;
  const double rho = stats::spearman(x, y);
  if (!std::isfinite(rho)) return std::nullopt;
  return column_rho{rho, x.size()};
}

/// Orders correlations by strength, |rho| descending, then by more columns.
template <class Correlation>
void strongest_first(std::vector<Correlation>& v) {
  std::sort(v.begin(), v.end(), [](const Correlation& a, const Correlation& b) {
    return std::fabs(a.rho) != std::fabs(b.rho) ? std::fabs(a.rho) > std::fabs(b.rho) : a.n > b.n;
  });
}

}  // namespace perftrack::dashboard
