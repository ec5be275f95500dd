#include "perftrack/recorder/context.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

#include "perftrack/store/json_text.hpp"

namespace perftrack {

bool context::begin_field(std::string_view key, std::size_t value_room) noexcept {
  // separator + quoted escaped key + ':' + value
  const std::size_t need = 1 + 2 + store::escaped_size(key) + 1 + value_room;
  if (size_ + need > capacity) {
    ++skipped_;
    return false;
  }
  if (size_ > 1) buf_[size_++] = ',';
  buf_[size_++] = '"';
  size_ = static_cast<std::size_t>(store::escape_json(key, buf_.data() + size_) - buf_.data());
  buf_[size_++] = '"';
  buf_[size_++] = ':';
  return true;
}

context& context::add(std::string_view key, std::string_view value) noexcept {
  if (!begin_field(key, 2 + store::escaped_size(value))) return *this;
  buf_[size_++] = '"';
  size_ = static_cast<std::size_t>(store::escape_json(value, buf_.data() + size_) - buf_.data());
  buf_[size_++] = '"';
  return *this;
}

context& context::add(std::string_view key, bool value) noexcept {
  if (!begin_field(key, 5)) return *this;
  const std::string_view text = value ? "true" : "false";
  std::memcpy(buf_.data() + size_, text.data(), text.size());
  size_ += text.size();
  return *this;
}

context& context::add(std::string_view key, double value) noexcept {
  if (!begin_field(key, 32)) return *this;
  if (!std::isfinite(value)) {
    std::memcpy(buf_.data() + size_, "null", 4);
    size_ += 4;
    return *this;
  }
  size_ = static_cast<std::size_t>(
      std::to_chars(buf_.data() + size_, buf_.data() + size_ + 32, value).ptr - buf_.data());
  return *this;
}

context& context::add_int(std::string_view key, std::int64_t value) noexcept {
  if (!begin_field(key, 21)) return *this;
  size_ = static_cast<std::size_t>(
      std::to_chars(buf_.data() + size_, buf_.data() + size_ + 21, value).ptr - buf_.data());
  return *this;
}

context& context::add_uint(std::string_view key, std::uint64_t value) noexcept {
  if (!begin_field(key, 21)) return *this;
  size_ = static_cast<std::size_t>(
      std::to_chars(buf_.data() + size_, buf_.data() + size_ + 21, value).ptr - buf_.data());
  return *this;
}

std::string_view context::json() noexcept {
  buf_[0] = '{';
  buf_[size_] = '}';
  return {buf_.data(), size_ + 1};
}

}  // namespace perftrack
