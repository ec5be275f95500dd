#pragma once

#include <cstdint>

/// Allocation counting through a replaced global operator new, for memory
/// benchmarks. Counting is off until enabled; linking perftrack::bench replaces
/// operator new/delete in the program (one relaxed load per allocation when off).
namespace perftrack::bench {

struct allocation_counts {
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;
};

void enable_allocation_counting(bool on) noexcept;
/// Allocations (through operator new) since counting was first enabled.
allocation_counts allocations_now() noexcept;

/// Resident set size of this process, in bytes (from /proc/self/statm).
std::int64_t resident_bytes() noexcept;

/// Starts a new peak of the resident set (writes 5 to /proc/self/clear_refs);
/// false where the kernel does not allow it.
bool reset_peak_resident() noexcept;
/// The peak resident set size since the last reset_peak_resident (VmHWM of
/// /proc/self/status), in bytes; 0 when unknown.
std::int64_t peak_resident_bytes() noexcept;

}  // namespace perftrack::bench
