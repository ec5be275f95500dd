#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace perftrack::actor {

/// A move-only, type-erased message. Values up to `inline_size` bytes (and
/// nothrow-movable) live inside the message; larger ones on the heap. Moving a
/// message moves the value; nothing is ever copied or serialised.
class message {
public:
  static constexpr std::size_t inline_size = 40;

  message() noexcept = default;

  template <class T, class D = std::decay_t<T>>
  requires(!std::is_same_v<D, message>)
      message(T&& value) {  // NOLINT(google-explicit-constructor): messages are values
    if constexpr (fits_inline<D>) {
      ::new (static_cast<void*>(storage_)) D(std::forward<T>(value));
    } else {
      *reinterpret_cast<D**>(storage_) = new D(std::forward<T>(value));
    }
    ops_ = &ops_for<D>;
  }

  message(message&& other) noexcept : ops_(other.ops_) {
    if (ops_ != nullptr) ops_->move(other.storage_, storage_);
    other.ops_ = nullptr;
  }
  message& operator=(message&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = other.ops_;
      if (ops_ != nullptr) ops_->move(other.storage_, storage_);
      other.ops_ = nullptr;
    }
    return *this;
  }
  message(const message&) = delete;
  message& operator=(const message&) = delete;
  ~message() { reset(); }

  bool empty() const noexcept { return ops_ == nullptr; }

  /// True when the message holds a T (exactly; no conversions).
  template <class T>
  bool is() const noexcept {
    return ops_ == &ops_for<T>;
  }

  /// The held T, or nullptr if it holds something else.
  template <class T>
  T* get_if() noexcept {
    if (!is<T>()) return nullptr;
    if constexpr (fits_inline<T>) {
      return std::launder(reinterpret_cast<T*>(storage_));
    } else {
      return *reinterpret_cast<T**>(storage_);
    }
  }
  template <class T>
  const T* get_if() const noexcept {
    return const_cast<message*>(this)->get_if<T>();
  }

  void reset() noexcept {
    if (ops_ != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

private:
  struct operations {
    void (*move)(unsigned char* from, unsigned char* to) noexcept;
    void (*destroy)(unsigned char* at) noexcept;
  };

  template <class T>
  static constexpr bool fits_inline =
      sizeof(T) <= inline_size &&
      alignof(T) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<T>;

  template <class T>
  static constexpr operations ops_for = {[](unsigned char* from, unsigned char* to) noexcept {
                                           if constexpr (fits_inline<T>) {
                                             T* src = std::launder(reinterpret_cast<T*>(from));
                                             ::new (static_cast<void*>(to)) T(std::move(*src));
                                             src->~T();
                                           } else {
                                             *reinterpret_cast<T**>(to) =
                                                 *reinterpret_cast<T**>(from);
                                           }
                                         },
                                         [](unsigned char* at) noexcept {
                                           if constexpr (fits_inline<T>) {
                                             std::launder(reinterpret_cast<T*>(at))->~T();
                                           } else {
                                             delete *reinterpret_cast<T**>(at);
                                           }
                                         }};

  alignas(std::max_align_t) unsigned char storage_[inline_size];
  const operations* ops_ = nullptr;
};

}  // namespace perftrack::actor
