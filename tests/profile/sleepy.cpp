// A program that blocks for known times, for the off-CPU test: nap sleeps 20
// ms twenty times (400 ms off the CPU); work spins between the naps.
#include <unistd.h>

namespace {
volatile double sink;
}

__attribute__((noinline)) void nap() { ::usleep(20'000); }

__attribute__((noinline)) void work() {
  double x = 0;
  for (long i = 0; i < 2'000'000; ++i) x += static_cast<double>(i);
  sink = x;
}

int main() {
  for (int i = 0; i < 20; ++i) {
    nap();
    work();
  }
}
