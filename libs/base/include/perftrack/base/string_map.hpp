#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace perftrack {

/// A string hash that also takes string_views, for lookups without a copy.
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

/// A map by name that finds a std::string_view without making a string.
template <class T>
using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

}  // namespace perftrack
