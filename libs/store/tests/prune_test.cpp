#include "perftrack/store/prune.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "perftrack/store/appender.hpp"
#include "perftrack/store/timestamp.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::store {
namespace {

using perftrack::testing::slurp;

std::int64_t at(const char* iso) { return *parse_timestamp(iso); }

class PruneTest : public ::testing::Test {
protected:
  perftrack::testing::temp_dir tmp_;
  const std::filesystem::path& dir_ = tmp_.path();
  const std::filesystem::path path_ = dir_ / "m.jsonl";
};

TEST_F(PruneTest, RemovesOnlyDatedLinesBeforeCutoff) {
  std::ofstream(path_) << R"({"timestamp":"2026-01-01T00:00:00.000Z","operation_type":"a"})"
                       << "\n"
                       << R"({"timestamp":"2026-03-01T00:00:00.000Z","operation_type":"b"})"
                       << "\n"
                       << "not json at all\n"
                       << R"({"context":{"timestamp":"2020-01-01T00:00:00Z"}})"
                       << "\n";
  std::error_code ec;
  const auto r = prune(path_, at("2026-02-01T00:00:00Z"), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(r.kept, 3u);
  const std::string after = slurp(path_);
  EXPECT_EQ(after.find("2026-01-01"), std::string::npos);
  EXPECT_NE(after.find("not json at all"), std::string::npos);
  EXPECT_NE(after.find("2020-01-01"), std::string::npos);
}

TEST_F(PruneTest, MissingFileIsAnError) {
  std::error_code ec;
  prune(dir_ / "absent.jsonl", 0, ec);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

TEST_F(PruneTest, LosesNothingAppendedByOtherProcessesMeanwhile) {
  constexpr int writers = 3;
  constexpr int lines_each = 3000;
  {
    std::ofstream old(path_);
    for (int i = 0; i < 1000; ++i) {
      old << R"({"timestamp":"2000-01-01T00:00:00.000Z","operation_type":"old"})"
          << "\n";
    }
  }
  std::vector<pid_t> kids;
  for (int w = 0; w < writers; ++w) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      appender a(path_);
      std::error_code ec;
      for (int i = 0; i < lines_each; ++i) {
        const std::string line = R"({"timestamp":"2030-01-01T00:00:00.000Z","w":)" +
                                 std::to_string(w) + ",\"i\":" + std::to_string(i) + "}\n";
        if (a.append(line, ec) != line.size()) ::_exit(1);
      }
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  // Prune over and over while the writers run, so that appends race the rewrite.
  std::error_code ec;
  std::uint64_t removed = 0;
  std::size_t running = kids.size();
  while (running > 0) {
    removed += prune(path_, at("2001-01-01T00:00:00Z"), ec).removed;
    ASSERT_FALSE(ec) << ec.message();
    for (pid_t& pid : kids) {
      int status = 0;
      if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        pid = 0;
        --running;
      }
    }
  }
  EXPECT_EQ(removed, 1000u);
  const std::string after = slurp(path_);
  std::size_t lines = 0;
  for (const char c : after) lines += c == '\n';
  EXPECT_EQ(lines, static_cast<std::size_t>(writers * lines_each));
}

}  // namespace
}  // namespace perftrack::store
