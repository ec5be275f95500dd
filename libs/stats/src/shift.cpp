#include "perftrack/stats/shift.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace perftrack::stats {
namespace {

/// The standard normal quantile (Acklam's rational approximation, relative
/// error below 1.2e-9).
double normal_quantile(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  const auto tail = [&](double q) {
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  };
  if (p < 0.02425) return tail(std::sqrt(-2 * std::log(p)));
  if (p > 1 - 0.02425) return -tail(std::sqrt(-2 * std::log(1 - p)));
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

}  // namespace

ratio_estimate hodges_lehmann_ratio(std::span<const double> base, std::span<const double> head,
                                    double confidence) {
  const double nan = std::nan("");
  const auto positive = [](double v) { return v > 0 && std::isfinite(v); };
  if (base.empty() || head.empty() || !std::all_of(base.begin(), base.end(), positive) ||
      !std::all_of(head.begin(), head.end(), positive)) {
    return {nan, nan, nan};
  }
  std::vector<double> d;
  d.reserve(base.size() * head.size());
  for (const double h : head) {
    for (const double b : base) d.push_back(std::log(h) - std::log(b));
  }
  std::sort(d.begin(), d.end());
  const std::size_t n = d.size();
  const double median = n % 2 == 1 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
  const auto nb = static_cast<double>(base.size()), nh = static_cast<double>(head.size());
  const double z = normal_quantile(1 - (1 - confidence) / 2);
  const double k =
      std::floor(static_cast<double>(n) / 2 - z * std::sqrt(nb * nh * (nb + nh + 1) / 12));
  const auto lo = static_cast<std::size_t>(std::max(1.0, k)) - 1;  // 0-based
  return {std::exp(median), std::exp(d[lo]), std::exp(d[n - 1 - lo])};
}

}  // namespace perftrack::stats
