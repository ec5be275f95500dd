#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "perftrack/store/timestamp.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::report::testing {

inline std::int64_t at(const char* iso) { return *store::parse_timestamp(iso); }

inline std::string line(const std::string& ts, const std::string& op, double ms, bool ok,
                        const std::string& extra = "") {
  char num[32];
  std::snprintf(num, sizeof num, "%g", ms);
  return "{\"timestamp\":\"" + ts + "\",\"operation_type\":\"" + op + "\",\"duration_ms\":" + num +
         ",\"success\":" + (ok ? "true" : "false") + extra + "}\n";
}

/// Tests that read files they write into a fresh directory.
class temp_files : public ::testing::Test {
protected:
  std::filesystem::path write(const std::string& name, const std::string& content) {
    return tmp_.write(name, content);
  }
  perftrack::testing::temp_dir tmp_;
  const std::filesystem::path& dir_ = tmp_.path();
};

}  // namespace perftrack::report::testing
