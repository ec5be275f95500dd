#include "histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace perftrack::detail {
namespace {

TEST(HistogramTest, EveryValueIsWithinOne256thOfItsBucketsValue) {
  double worst = 0;
  for (std::uint64_t v = 1; v < (1ull << 41); v = v + v / 97 + 1) {
    const std::uint64_t mid = histogram::value_of(histogram::index(v));
    const double err =
        std::abs(static_cast<double>(mid) - static_cast<double>(v)) / static_cast<double>(v);
    worst = std::max(worst, err);
  }
  EXPECT_LE(worst, 1.0 / 256 + 1e-12);
}

TEST(HistogramTest, IndexIsMonotonicAndInRange) {
  std::size_t last = 0;
  for (std::uint64_t v = 0; v < (1ull << 44); v = v * 3 / 2 + 1) {
    const std::size_t i = histogram::index(v);
    EXPECT_GE(i, last);
    EXPECT_LT(i, histogram::bucket_count);
    last = i;
  }
  EXPECT_EQ(histogram::index(~0ull), histogram::bucket_count - 1);
}

TEST(HistogramTest, SmallValuesAreExact) {
  for (std::uint64_t v = 0; v < 256; ++v) EXPECT_EQ(histogram::value_of(histogram::index(v)), v);
}

}  // namespace
}  // namespace perftrack::detail
