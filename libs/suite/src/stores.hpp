#pragma once

// Fresh coordination stores for the database, task and leader benchmarks.

#include <memory>
#include <stdexcept>
#include <string>

#include "perftrack/bench/benchmark.hpp"
#include "perftrack/coord/store.hpp"

namespace perftrack::suite {

/// A store backend under test: "sqlite" (a file in the scratch directory) or
/// "postgres" (a schema of its own on config().postgres_url).
struct store_target {
  std::string backend;
  /// A URL to an empty store; skips the benchmark (state::skip) when the backend
  /// is not available, throws when it cannot be prepared.
  std::string fresh_url(bench::state& s) const;
  std::unique_ptr<coord::store> open(const std::string& url,
                                     const coord::store_options& o = {}) const;
};

/// The value of a store call, or its failure as an exception (the harness turns
/// it into a record with status error).
template <class T>
T value_or_throw(perftrack::expected<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

}  // namespace perftrack::suite
