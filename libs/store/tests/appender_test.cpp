#include "perftrack/store/appender.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::store {
namespace {

using perftrack::testing::slurp;

class AppenderTest : public ::testing::Test {
protected:
  perftrack::testing::temp_dir tmp_;
  const std::filesystem::path& dir_ = tmp_.path();
};

TEST_F(AppenderTest, CreatesDirectoryAndAppends) {
  appender a(dir_ / "sub" / "m.jsonl");
  std::error_code ec;
  EXPECT_EQ(a.append("{\"a\":1}\n", ec), 8u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(a.append("{\"a\":2}\n", ec), 8u);
  EXPECT_EQ(slurp(dir_ / "sub" / "m.jsonl"), "{\"a\":1}\n{\"a\":2}\n");
}

TEST_F(AppenderTest, ReportsFullDeviceWithoutThrowing) {
  appender a("/dev/full");
  std::error_code ec;
  EXPECT_EQ(a.append("{\"a\":1}\n", ec), 0u);
  EXPECT_EQ(ec, std::errc::no_space_on_device);
}

TEST_F(AppenderTest, ReportsUnwritablePath) {
  appender a("/proc/perftrack-cannot-exist/m.jsonl");
  std::error_code ec;
  EXPECT_EQ(a.append("x\n", ec), 0u);
  EXPECT_TRUE(ec);
}

TEST_F(AppenderTest, ReopensWhenTheFileIsReplaced) {
  std::filesystem::create_directories(dir_);
  const auto path = dir_ / "m.jsonl";
  appender a(path);
  std::error_code ec;
  a.append("one\n", ec);
  std::filesystem::rename(path, dir_ / "old.jsonl");
  a.append("two\n", ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(slurp(path), "two\n");
  EXPECT_EQ(slurp(dir_ / "old.jsonl"), "one\n");
}

}  // namespace
}  // namespace perftrack::store
