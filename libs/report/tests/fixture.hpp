#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "perftrack/store/timestamp.hpp"

namespace perftrack::report::testing {

inline std::int64_t at(const char* iso) { return *store::parse_timestamp(iso); }

inline std::string line(const std::string& ts, const std::string& op, double ms, bool ok,
                        const std::string& extra = "") {
  char num[32];
  std::snprintf(num, sizeof num, "%g", ms);
  return "{\"timestamp\":\"" + ts + "\",\"operation_type\":\"" + op + "\",\"duration_ms\":" + num +
         ",\"success\":" + (ok ? "true" : "false") + extra + "}\n";
}

class temp_files : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("perftrack_report_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return dir_ / name;
  }
  std::filesystem::path dir_;
};

}  // namespace perftrack::report::testing
