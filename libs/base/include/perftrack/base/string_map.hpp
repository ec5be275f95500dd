#pragma once

#include <array>
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

/// A string_map with a direct-mapped cache of recent names in front: a
/// metrics file has few distinct operations, so most lookups of a record's
/// name skip hashing it. The map's nodes never move, so the cache stays valid.
template <class T>
class cached_string_map {
public:
  /// The value for `name`, made by `make()` the first time it is seen.
  template <class Make>
  T& find_or_make(std::string_view name, Make&& make) {
    cache_entry& c = cache_[slot(name)];
    if (c.target != nullptr && c.name == name) return *c.target;
    auto it = map_.find(name);
    if (it == map_.end()) it = map_.emplace(std::string(name), make()).first;
    c = {it->first, &it->second};
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
    return (s.size() * 31 + static_cast<unsigned char>(s[s.size() / 2]) * 7 +
            static_cast<unsigned char>(s.back())) %
           64;
  }
  string_map<T> map_;
  std::array<cache_entry, 64> cache_{};
};

}  // namespace perftrack
