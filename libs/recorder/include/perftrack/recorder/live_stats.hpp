#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace perftrack {

/// A snapshot of one operation's live statistics. Percentiles come from a
/// log-linear histogram (128 sub-buckets per power of two, values reported at the
/// bucket middle): at most 0.4% relative error; max is exact.
struct operation_stats {
  std::string operation;
  std::uint64_t count = 0;
  std::uint64_t errors = 0;
  std::chrono::nanoseconds sum{0};
  std::chrono::nanoseconds min{0};
  std::chrono::nanoseconds max{0};
  std::chrono::nanoseconds p50{0};
  std::chrono::nanoseconds p90{0};
  std::chrono::nanoseconds p95{0};
  std::chrono::nanoseconds p99{0};
  std::chrono::nanoseconds p999{0};

  double error_rate() const noexcept {
    return count == 0 ? 0.0 : static_cast<double>(errors) / static_cast<double>(count);
  }
};

/// One operation's live histogram folded onto caller-given bounds, for
/// exporters: a record counts at or below a bound when the middle of its
/// histogram bucket does (so within 0.4% of the bound).
struct operation_histogram {
  std::string operation;
  /// Records at or below each bound.
  std::vector<std::uint64_t> cumulative;
  /// All records: the same bucket snapshot as `cumulative`, so never below it.
  std::uint64_t count = 0;
  std::uint64_t errors = 0;
  std::chrono::nanoseconds sum{0};
};

}  // namespace perftrack
