// SQLite only: a file that is not a history database is reported and left
// alone; an unreachable PostgreSQL history is one clear error.

#include <gtest/gtest.h>

#include <fstream>

#include "perftrack/gate/history.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::gate {
namespace {

TEST(HistoryFilesTest, ADamagedFileIsLeftAlone) {
  perftrack::testing::temp_dir dir;
  const auto damaged = dir.write("damaged.db", std::string(4096, 'x'));
  auto bad = history::open(damaged.string());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("move it aside"), std::string::npos) << bad.error().message;
  std::ifstream in(damaged, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, std::string(4096, 'x'));  // untouched
}

TEST(HistoryFilesTest, AnUnreachableServerIsOneClearError) {
  auto bad = history::open("postgresql://ci:secret@127.0.0.1:1/perf?connect_timeout=2");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("PostgreSQL history at postgresql://ci:***@127.0.0.1:1"),
            std::string::npos)
      << bad.error().message;
  EXPECT_EQ(bad.error().message.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace perftrack::gate
