// A program that marks its measured region for the profile test: it burns
// CPU in before_region, then in in_region with sampling switched on
// (perf_region, under perftrack profile cpu --region-only), then in
// after_region. Only in_region may appear in the profile.
#include <cstdio>
#include <cstdlib>

#include "perftrack/profile/capture.hpp"

namespace {
volatile double sink;
}

// Inlined: each region function is the leaf its samples land in. (GCC 12
// keeps no frame in a leaf that needs no stack, even with
// -mno-omit-leaf-frame-pointer, so the leaf's caller is what gets lost.)
inline __attribute__((always_inline)) void burn(long n, double factor) {
  double x = 0;
  for (long i = 0; i < n; ++i) x += static_cast<double>(i) * factor;
  sink = x;
}

// Factors that differ, so that the compiler cannot fold the three into one.
__attribute__((noinline)) void before_region(long n) { burn(n, 0.5); }
__attribute__((noinline)) void in_region(long n) { burn(n, 0.25); }
__attribute__((noinline)) void after_region(long n) { burn(n, 0.125); }

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 100'000'000;
  const auto region = perftrack::profile::perf_region::from_environment();
  if (!region) {
    std::fputs("region: not run under perftrack profile cpu --region-only\n", stderr);
    return 3;
  }
  before_region(n);
  if (!region->sample(true)) return 4;
  in_region(n);
  if (!region->sample(false)) return 5;
  after_region(n);
}
