#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "perftrack/stats/percentile.hpp"

namespace perftrack::stats {

/// The durations of one operation, kept exactly in as little memory as they
/// allow. perftrack writes whole microseconds, so values that read back exactly
/// from whole microseconds take 4 bytes (and select faster); the first value
/// that does not moves the whole operation to 8-byte doubles.
class duration_samples {
public:
  void add(double ms) {
    if (!wide_) {
      const double us = ms * 1000.0;
      if (us >= 0 && us < 4294967295.0) {
        // Rounded to the nearest (a truncation of us + 0.5: llround is a call);
        // the check below keeps only values that read back exactly.
        const auto u = static_cast<std::uint32_t>(us + 0.5);
        if (to_ms(u) == ms) {
          micros_.push_back(u);
          return;
        }
      }
      widen();
    }
    doubles_.push_back(ms);
  }

  std::size_t size() const noexcept { return wide_ ? doubles_.size() : micros_.size(); }

  /// Room for `n` values in the form they are kept in now.
  void reserve(std::size_t n) {
    if (wide_) {
      doubles_.reserve(n);
    } else {
      micros_.reserve(n);
    }
  }

  /// Moves `other`'s values onto the end of these, freeing `other`.
  void append(duration_samples& other) {
    if (wide_ != other.wide_) {
      widen();
      other.widen();
    }
    if (wide_) {
      move_onto(doubles_, other.doubles_);
    } else {
      move_onto(micros_, other.micros_);
    }
  }

  /// Calls fn(span) with the values as stored (uint32 microseconds or double ms)
  /// and the matching to-milliseconds function.
  template <class Fn>
  void visit(Fn&& fn) {
    if (wide_) {
      fn(std::span<double>(doubles_), [](double v) { return v; });
    } else {
      fn(std::span<std::uint32_t>(micros_), &to_ms);
    }
  }

  void percentiles(std::span<const double> qs, percentile_method method, std::span<double> out) {
    visit([&](auto values, auto to_double) {
      stats::percentiles(values, qs, method, out, to_double);
    });
  }

  /// Empty, keeping the memory for the values to come (in 4-byte form again).
  void clear() noexcept {
    micros_.clear();
    doubles_.clear();
    wide_ = false;
  }

  void release() {
    std::vector<std::uint32_t>().swap(micros_);
    std::vector<double>().swap(doubles_);
  }

private:
  static double to_ms(std::uint32_t us) noexcept { return static_cast<double>(us) / 1000.0; }

  template <class T>
  static void move_onto(std::vector<T>& into, std::vector<T>& from) {
    if (into.empty()) {
      into.swap(from);
    } else {
      into.insert(into.end(), from.begin(), from.end());
    }
    std::vector<T>().swap(from);
  }

  void widen() {
    if (wide_) return;
    doubles_.reserve(micros_.size() + 1);
    for (const auto u : micros_) doubles_.push_back(to_ms(u));
    std::vector<std::uint32_t>().swap(micros_);
    wide_ = true;
  }

  bool wide_ = false;
  std::vector<std::uint32_t> micros_;
  std::vector<double> doubles_;
};

}  // namespace perftrack::stats
