// A program with a known leak for the profile test: leak_known keeps 1,000
// blocks of 1,000 bytes; churn allocates and frees 5,000 blocks of 4 KiB.
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {
std::vector<void*> kept;
}

__attribute__((noinline)) void leak_known(int n) {
  for (int i = 0; i < n; ++i) {
    void* p = std::malloc(1000);
    std::memset(p, 1, 1000);
    kept.push_back(p);
  }
  kept.clear();  // the pointers are gone: the blocks leak
  kept.shrink_to_fit();
}

__attribute__((noinline)) void churn(int n) {
  for (int i = 0; i < n; ++i) {
    void* p = std::malloc(4096);
    std::memset(p, 1, 4096);
    asm volatile("" : : "r"(p) : "memory");  // the allocation stays
    std::free(p);
  }
}

int main() {
  leak_known(1000);
  churn(5000);
}
