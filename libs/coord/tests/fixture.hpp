#pragma once

// One fixture for the store contract, whichever backend the test binary is built
// for: backend_sqlite.cpp (a fresh file per test) or backend_postgres.cpp (a
// fresh schema per test on the server scripts/pg_server.sh started).

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "perftrack/coord/store.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::coord::testing {

constexpr std::int64_t sec = 1'000'000'000;

/// Where a test's store lives, or why there is none.
struct backend_store {
  std::string url;        ///< empty when unavailable
  std::string reason;     ///< why unavailable
  bool required = false;  ///< unavailable is a failure (CI), not a skip
};

/// A fresh, empty store for one test (defined per backend).
backend_store fresh_store(const std::filesystem::path& dir);
/// Removes what fresh_store made on a server (nothing for files).
void drop_store(const std::string& url);

class store_test : public ::testing::Test {
protected:
  void SetUp() override {
    auto b = fresh_store(dir_);
    if (b.url.empty()) {
      if (b.required) FAIL() << b.reason;
      GTEST_SKIP() << b.reason;
    }
    url_ = b.url;
    auto s = open_store(url_, options());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    if (!url_.empty()) drop_store(url_);
  }
  virtual store_options options() {
    store_options o;
    o.claim_lease = std::chrono::seconds(30);
    o.leader_ttl = std::chrono::seconds(1);
    o.aging = std::chrono::seconds(60);
    return o;
  }
  perftrack::testing::temp_dir tmp_;
  const std::filesystem::path& dir_ = tmp_.path();
  std::string url_;
  std::unique_ptr<store> store_;
};

}  // namespace perftrack::coord::testing
