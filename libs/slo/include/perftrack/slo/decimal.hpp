#pragma once

#include <cstdint>
#include <string>

namespace perftrack::slo {

__extension__ typedef __int128 int128;  // a GCC/Clang extension: no -Wpedantic warning

/// A decimal number held exactly (units x 10^-scale), so that a rule reads
/// `0.0144`, never `0.014400000000000001`: the thresholds of generated rules
/// are computed here, not in binary floating point.
class decimal {
public:
  decimal() = default;
  decimal(std::int64_t units, int scale) : units_(units), scale_(scale) {}

  /// True for 0 and for finite values with 1e-12 <= |v| < 1e15: what
  /// from_double takes and what products of a few of them keep exact.
  static bool representable(double v) noexcept;
  /// The shortest decimal that reads back as `v` (0.999 -> 999e-3); `v` must
  /// be representable().
  static decimal from_double(double v);

  decimal operator+(const decimal& o) const;
  decimal operator-(const decimal& o) const;
  decimal operator*(const decimal& o) const;
  double to_double() const;
  /// Plain decimal text without exponent or trailing zeros ("0.0144", "100", "0.5").
  std::string text() const;

private:
  decimal(int128 units, int scale, bool) : units_(units), scale_(scale) {}
  decimal rescaled(int scale) const;
  // 128 bits: products of two 17-digit values stay exact.
  int128 units_ = 0;
  int scale_ = 0;
};

}  // namespace perftrack::slo
