#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace perftrack {

/// An expected failure: what went wrong and how to fix it, ready for the CLI's
/// one "error: ..." line.
struct failure {
  std::string message;
};

/// A value or an error (C++20 has no std::expected). Errors are values: no
/// exception crosses a component boundary.
template <class T>
class [[nodiscard]] expected {
public:
  expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  expected(failure e) : state_(std::in_place_index<1>, std::move(e)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value() && "expected::value() on an error");
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(has_value() && "expected::value() on an error");
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(has_value() && "expected::value() on an error");
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const perftrack::failure& error() const {
    assert(!has_value() && "expected::error() on a value");
    return std::get<1>(state_);
  }

private:
  std::variant<T, perftrack::failure> state_;
};

}  // namespace perftrack
