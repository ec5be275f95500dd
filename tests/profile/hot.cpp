// A program with known hot functions for the profile test: burn_70 does 70%
// of the work and burn_30 30%, each a leaf loop. Built with frame pointers.
#include <cstdlib>

namespace {
volatile double sink;
}

__attribute__((noinline)) void burn_70(long n) {
  double x = 0;
  for (long i = 0; i < 7 * n; ++i) x += static_cast<double>(i) * 0.5;
  sink = x;
}

__attribute__((noinline)) void burn_30(long n) {
  double x = 0;
  for (long i = 0; i < 3 * n; ++i) x += static_cast<double>(i) * 0.5;
  sink = x;
}

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 20'000'000;
  for (int r = 0; r < 10; ++r) {
    burn_70(n);
    burn_30(n);
  }
}
