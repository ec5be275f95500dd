#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "perftrack/coord/store.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::coord::testing {

constexpr std::int64_t sec = 1'000'000'000;

/// A fresh SQLite file per test.
class store_test : public ::testing::Test {
protected:
  void SetUp() override {
    url_ = "sqlite:" + (dir_ / "coord.db").string();
    auto s = open_store(url_, options());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(s).value();
  }
  void TearDown() override { store_.reset(); }
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
