#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

/// A string_map with a small cache of recent names in front (64 sets of 2,
/// found by a hash of the name's first and last 8 bytes): a metrics file has
/// few distinct operations, so most lookups of a record's name skip hashing
/// it whole. The map's nodes never move, so the cache stays valid.
template <class T>
class cached_string_map {
public:
  /// The value for `name`, made by `make()` the first time it is seen.
  template <class Make>
  T& find_or_make(std::string_view name, Make&& make) {
    cache_entry* set = &cache_[2 * slot(name)];
    if (set[0].target != nullptr && set[0].name == name) return *set[0].target;
    if (set[1].target != nullptr && set[1].name == name) return *set[1].target;
    auto it = map_.find(name);
    if (it == map_.end()) it = map_.emplace(std::string(name), make()).first;
    set[1] = set[0];  // the newest first
    set[0] = {it->first, &it->second};
    return it->second;
  }

  string_map<T>& map() noexcept { return map_; }
  /// Empties the map (and the cache, which points into it).
  void clear() {
    map_.clear();
    cache_ = {};
  }

private:
  struct cache_entry {
    std::string_view name;
    T* target = nullptr;
  };
  static std::size_t slot(std::string_view s) noexcept {
    if (s.empty()) return 0;
    std::uint64_t head = 0, tail = 0;
    std::memcpy(&head, s.data(), std::min<std::size_t>(s.size(), 8));
    if (s.size() > 8) std::memcpy(&tail, s.data() + s.size() - 8, 8);
    std::uint64_t h = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ s.size();
    h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(h >> 58);  // 0..63
  }
  string_map<T> map_;
  std::array<cache_entry, 128> cache_{};
};

}  // namespace perftrack
