#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

namespace perftrack::detail {

/// A log-linear latency histogram over nanoseconds: values below 256 have a bucket
/// each; above, every power of two is split into 128 buckets, so a bucket is at
/// most 1/128 of its lower bound wide and its middle is within 1/256 (0.4%) of any
/// value in it. Values beyond 2^42 ns (73 minutes) share the last bucket.
///
/// One writer (the tracker's background thread) and any number of readers: the
/// writer stores with relaxed atomics, so a reader sees each counter whole, though
/// a snapshot taken during an update may be one record behind in some bucket.
class histogram {
public:
  static constexpr int sub_bits = 7;
  static constexpr std::uint64_t linear_limit = 1u << (sub_bits + 1);  // 256
  static constexpr int max_exponent = 42;
  static constexpr std::size_t bucket_count =
      linear_limit + (max_exponent - sub_bits) * (1u << sub_bits);

  static std::size_t index(std::uint64_t v) noexcept {
    if (v < linear_limit) return static_cast<std::size_t>(v);
    const int e = static_cast<int>(std::bit_width(v)) - 1;  // >= sub_bits + 1
    if (e > max_exponent) return bucket_count - 1;
    const std::uint64_t sub = (v >> (e - sub_bits)) & ((1u << sub_bits) - 1);
    return linear_limit + static_cast<std::size_t>(e - sub_bits - 1) * (1u << sub_bits) +
           static_cast<std::size_t>(sub);
  }

  /// The value a bucket stands for: its middle (its value, in the linear range).
  static std::uint64_t value_of(std::size_t i) noexcept {
    if (i < linear_limit) return i;
    const std::size_t k = i - linear_limit;
    const int e = static_cast<int>(k >> sub_bits) + sub_bits + 1;
    const std::uint64_t sub = k & ((1u << sub_bits) - 1);
    const int shift = e - sub_bits;
    const std::uint64_t lower = ((1ull << sub_bits) + sub) << shift;
    return lower + (1ull << shift) / 2;
  }

  void add(std::uint64_t v) noexcept {
    auto& b = buckets_[index(v)];
    b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  std::uint64_t bucket(std::size_t i) const noexcept {
    return buckets_[i].load(std::memory_order_relaxed);
  }

private:
  std::array<std::atomic<std::uint64_t>, bucket_count> buckets_{};
};

}  // namespace perftrack::detail
