#include "perftrack/slo/decimal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace perftrack::slo {

bool decimal::representable(double v) noexcept {
  const double a = std::fabs(v);
  return v == 0 || (std::isfinite(v) && a >= 1e-12 && a < 1e15);
}

decimal decimal::from_double(double v) {
  // fmt prints the shortest text that reads back as v; take its digits.
  const std::string text = fmt::format("{}", v);
  const auto e = text.find_first_of("eE");
  const std::string mantissa = text.substr(0, e);
  int exponent = e == std::string::npos ? 0 : std::atoi(text.c_str() + e + 1);
  int128 units = 0;
  int scale = 0;
  bool negative = false, after_point = false;
  for (const char c : mantissa) {
    if (c == '-') {
      negative = true;
    } else if (c == '.') {
      after_point = true;
    } else {
      units = units * 10 + (c - '0');
      scale += after_point ? 1 : 0;
    }
  }
  scale -= exponent;
  for (; scale < 0; ++scale) units *= 10;
  return decimal(negative ? -units : units, scale, true).rescaled(0);
}

decimal decimal::rescaled(int scale) const {
  // Widen to `scale` digits, or drop trailing zeros when asked for 0.
  decimal d = *this;
  if (scale == 0) {
    while (d.scale_ > 0 && d.units_ % 10 == 0) {
      d.units_ /= 10;
      --d.scale_;
    }
    return d;
  }
  while (d.scale_ < scale) {
    d.units_ *= 10;
    ++d.scale_;
  }
  return d;
}

decimal decimal::operator+(const decimal& o) const {
  const int scale = std::max(scale_, o.scale_);
  const decimal a = rescaled(scale), b = o.rescaled(scale);
  return decimal(a.units_ + b.units_, scale, true).rescaled(0);
}

decimal decimal::operator-(const decimal& o) const {
  const int scale = std::max(scale_, o.scale_);
  const decimal a = rescaled(scale), b = o.rescaled(scale);
  return decimal(a.units_ - b.units_, scale, true).rescaled(0);
}

decimal decimal::operator*(const decimal& o) const {
  return decimal(units_ * o.units_, scale_ + o.scale_, true).rescaled(0);
}

double decimal::to_double() const { return std::strtod(text().c_str(), nullptr); }

std::string decimal::text() const {
  std::string digits;
  for (int128 u = units_ < 0 ? -units_ : units_; u != 0 || digits.empty(); u /= 10) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
  }
  if (scale_ > 0) {
    if (digits.size() <= static_cast<std::size_t>(scale_)) {
      digits.insert(0, static_cast<std::size_t>(scale_) - digits.size() + 1, '0');
    }
    digits.insert(digits.end() - scale_, '.');
  }
  if (units_ < 0) digits.insert(digits.begin(), '-');
  return digits;
}

}  // namespace perftrack::slo
