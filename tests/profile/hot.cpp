// A program with known hot functions for the profile tests.
//
//     profile_hot [N]            burn_70 does 70% of the work and burn_30 30%,
//                                each a leaf loop
//     profile_hot --phases S     for S seconds, phase_a and phase_b take turns
//                                of 5 ms each on a fixed grid: a 100 Hz loop
//
// Built with frame pointers.
#include <chrono>
#include <cstdlib>
#include <string_view>

namespace {
volatile double sink;
using clock_type = std::chrono::steady_clock;
}  // namespace

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

/// Spins until `until`, in its caller's code (inlined): the clock (a libc
/// leaf without a frame, which would hide its caller) is read once per
/// 2,000 additions.
[[gnu::always_inline]] inline void spin_until(clock_type::time_point until) {
  double x = 0;
  do {
    for (int i = 0; i < 2000; ++i) x += 0.5 * i;
  } while (clock_type::now() < until);
  sink = x;
}

__attribute__((noinline)) void phase_a(clock_type::time_point until) { spin_until(until); }
__attribute__((noinline)) void phase_b(clock_type::time_point until) { spin_until(until); }

int main(int argc, char** argv) {
  if (argc > 2 && std::string_view(argv[1]) == "--phases") {
    const auto start = clock_type::now();
    const auto end = start + std::chrono::duration<double>(std::atof(argv[2]));
    constexpr auto half = std::chrono::milliseconds(5);
    for (auto at = start; at < end; at += 2 * half) {
      phase_a(at + half);
      phase_b(at + 2 * half);
    }
    return 0;
  }
  const long n = argc > 1 ? std::atol(argv[1]) : 20'000'000;
  for (int r = 0; r < 10; ++r) {
    burn_70(n);
    burn_30(n);
  }
}
