#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace perftrack {

/// Builds a record's context object ({"agents":5,"name":"x"}) in a fixed buffer on
/// the stack: no allocation. Fields that do not fit are left out and counted.
///
///   perftrack::context ctx;
///   ctx.add("agents", 5).add("role", "planner");
///   tracker.record(op, d, true, {.context_json = ctx.json()});
class context {
public:
  static constexpr std::size_t capacity = 480;

  context& add(std::string_view key, std::string_view value) noexcept;
  context& add(std::string_view key, const char* value) noexcept {
    return add(key, std::string_view(value));
  }
  context& add(std::string_view key, bool value) noexcept;
  context& add(std::string_view key, double value) noexcept;
  template <class Int>
  requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>) context& add(std::string_view key,
                                                                               Int value) noexcept {
    if constexpr (std::is_signed_v<Int>) {
      return add_int(key, static_cast<std::int64_t>(value));
    } else {
      return add_uint(key, static_cast<std::uint64_t>(value));
    }
  }

  /// The object's text; "{}" when no field was added.
  std::string_view json() noexcept;
  std::size_t skipped() const noexcept { return skipped_; }

private:
  context& add_int(std::string_view key, std::int64_t value) noexcept;
  context& add_uint(std::string_view key, std::uint64_t value) noexcept;
  // Starts a field; returns false (and counts) if `value_room` more chars won't fit.
  bool begin_field(std::string_view key, std::size_t value_room) noexcept;

  std::array<char, capacity + 2> buf_{};
  std::size_t size_ = 1;  // buf_[0] is '{'
  std::size_t skipped_ = 0;
};

}  // namespace perftrack
