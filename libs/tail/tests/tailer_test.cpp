#include "perftrack/tail/tailer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "perftrack/store/prune.hpp"
#include "perftrack/store/timestamp.hpp"
#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::tail {
namespace {

namespace fs = std::filesystem;

/// One record line; `n` makes each line unique, as real timestamps do.
std::string record(int n, std::string_view op = "task_claim", bool ok = true,
                   std::string_view day = "2026-11-26") {
  return "{\"timestamp\":\"" + std::string(day) + "T10:00:00." + std::to_string(100000 + n) +
         "Z\",\"operation_type\":\"" + std::string(op) +
         "\",\"duration_ms\":1.5,\"success\":" + (ok ? "true" : "false") +
         ",\"session_id\":null,\"error\":null}\n";
}

void append(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::app | std::ios::binary);
  out << text;
}

/// Appends records first..last-1 of `op`.
void append_records(const fs::path& p, int first, int last, std::string_view op = "task_claim",
                    std::string_view day = "2026-11-26") {
  std::string text;
  for (int i = first; i < last; ++i) text += record(i, op, i % 10 != 0, day);
  append(p, text);
}

struct counts {
  std::map<std::string, std::uint64_t> ops, errors;
  std::uint64_t malformed = 0;
};

counts read_counts(const tailer& t) {
  std::vector<exposition::family> fams;
  t.collect(fams);
  counts c;
  for (const auto& f : fams) {
    for (const auto& s : f.samples) {
      if (f.name == "agent_operation_duration_seconds") {
        c.ops[s.labels.text()] = s.count;
        EXPECT_EQ(s.cumulative.empty() ? s.count : s.cumulative.back() <= s.count, true);
      } else if (f.name == "agent_operation_errors_total") {
        c.errors[s.labels.text()] = static_cast<std::uint64_t>(s.value);
      } else if (f.name == "perftrack_tail_malformed_lines_total") {
        c.malformed += static_cast<std::uint64_t>(s.value);
      }
    }
  }
  return c;
}

std::uint64_t claims(const tailer& t) { return read_counts(t).ops["operation=\"task_claim\""]; }

std::unique_ptr<tailer> open_tailer(std::vector<fs::path> paths, fs::path state = {}) {
  auto t = tailer::open({.paths = std::move(paths), .state_dir = std::move(state)});
  if (!t) ADD_FAILURE() << t.error().message;
  return t ? std::move(*t) : nullptr;
}

class TailerTest : public ::testing::Test {
protected:
  testing::temp_dir dir;
  fs::path file = dir.path() / "perf-metrics.jsonl";
};

TEST_F(TailerTest, CountsEveryRecordAndEveryError) {
  append_records(file, 0, 100);
  append_records(file, 0, 7, "agent_register");
  auto t = open_tailer({file});
  EXPECT_FALSE(t->ready());  // nothing read yet
  t->poll();
  const counts c = read_counts(*t);
  EXPECT_EQ(c.ops.at("operation=\"task_claim\""), 100u);
  EXPECT_EQ(c.ops.at("operation=\"agent_register\""), 7u);
  EXPECT_EQ(c.errors.at("operation=\"task_claim\""), 10u);
  EXPECT_TRUE(t->ready());
}

TEST_F(TailerTest, HoldsAPartialLastLineUntilItsNewline) {
  const std::string r = record(1);
  append(file, r.substr(0, 40));
  auto t = open_tailer({file});
  t->poll();
  EXPECT_EQ(claims(*t), 0u);
  EXPECT_EQ(read_counts(*t).malformed, 0u);
  append(file, r.substr(40));
  t->poll();
  EXPECT_EQ(claims(*t), 1u);
}

TEST_F(TailerTest, CountsAndSkipsMalformedLines) {
  append_records(file, 0, 3);
  append(file, "not json\n{\"timestamp\":1}\n\n   \n");
  append_records(file, 3, 5);
  auto t = open_tailer({file});
  t->poll();
  EXPECT_EQ(claims(*t), 5u);
  EXPECT_EQ(read_counts(*t).malformed, 2u);  // blank lines are not records, nor malformed
}

TEST_F(TailerTest, RenameRotationReadsTheOldFileToItsEndThenTheNewOne) {
  append_records(file, 0, 10);
  auto t = open_tailer({file});
  t->poll();
  fs::rename(file, dir.path() / "perf-metrics.jsonl.1");
  append_records(dir.path() / "perf-metrics.jsonl.1", 10, 15);  // a writer still on the old file
  append_records(file, 15, 18);
  t->poll();
  EXPECT_EQ(claims(*t), 18u);
  t->poll();
  EXPECT_EQ(claims(*t), 18u);
}

TEST_F(TailerTest, CopyTruncateStartsAgainFromTheBeginning) {
  append_records(file, 0, 10);
  auto t = open_tailer({file});
  t->poll();
  fs::copy_file(file, dir.path() / "perf-metrics.jsonl.1");
  fs::resize_file(file, 0);
  append_records(file, 10, 13);
  t->poll();
  EXPECT_EQ(claims(*t), 13u);
}

TEST_F(TailerTest, TruncateAndRegrowFasterThanOnePollIsNoticed) {
  append_records(file, 0, 10);
  auto t = open_tailer({file});
  t->poll();
  fs::resize_file(file, 0);
  append_records(file, 100, 130);  // longer than before the truncation
  t->poll();
  EXPECT_EQ(claims(*t), 40u);
}

TEST_F(TailerTest, PruneRewritingTheFileCountsNothingTwice) {
  append_records(file, 0, 20, "task_claim", "2020-01-01");   // old: pruned away
  append_records(file, 20, 30, "task_claim", "2026-11-26");  // kept
  auto t = open_tailer({file});
  t->poll();
  std::error_code ec;
  const auto result = store::prune(file, *store::parse_timestamp("2025-01-01T00:00:00Z"), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(result.removed, 20u);
  append_records(file, 30, 35);
  t->poll();
  EXPECT_EQ(claims(*t), 35u);
}

TEST_F(TailerTest, ARestartFromTheCheckpointContinuesTheCounters) {
  const fs::path state = dir.path() / "state";
  append_records(file, 0, 10);
  {
    auto t = open_tailer({file}, state);
    t->poll();
    ASSERT_TRUE(t->checkpoint());
    append_records(file, 10, 15);
    t->poll();  // counted, but the process dies before the next checkpoint
    EXPECT_EQ(claims(*t), 15u);
  }
  append_records(file, 15, 20);
  auto t = open_tailer({file}, state);
  EXPECT_EQ(claims(*t), 10u);  // the checkpoint's counters, not zero
  t->poll();
  EXPECT_EQ(claims(*t), 20u);
}

TEST_F(TailerTest, ARotationWhileDownIsFinishedFromTheRotatedFile) {
  const fs::path state = dir.path() / "state";
  append_records(file, 0, 10);
  {
    auto t = open_tailer({file}, state);
    t->poll();
    ASSERT_TRUE(t->checkpoint());
  }
  append_records(file, 10, 14);
  fs::rename(file, dir.path() / "perf-metrics.jsonl.1");
  append_records(file, 14, 20);
  auto t = open_tailer({file}, state);
  t->poll();
  EXPECT_EQ(claims(*t), 20u);
}

TEST_F(TailerTest, APruneWhileDownCountsOnlyTheNewLines) {
  const fs::path state = dir.path() / "state";
  append_records(file, 0, 5, "task_claim", "2020-01-01");
  append_records(file, 5, 10);
  {
    auto t = open_tailer({file}, state);
    t->poll();
    ASSERT_TRUE(t->checkpoint());
  }
  std::error_code ec;
  store::prune(file, *store::parse_timestamp("2025-01-01T00:00:00Z"), ec);
  ASSERT_FALSE(ec);
  append_records(file, 10, 12);
  auto t = open_tailer({file}, state);
  t->poll();
  EXPECT_EQ(claims(*t), 12u);
}

TEST_F(TailerTest, AFileThatAppearsLaterIsFollowed) {
  auto t = open_tailer({file});
  t->poll();
  EXPECT_TRUE(t->ready());
  EXPECT_FALSE(t->status().at(0).exists);
  append_records(file, 0, 4);
  t->poll();
  EXPECT_EQ(claims(*t), 4u);
}

TEST_F(TailerTest, AnUnreadableFileIsReportedAndTheOthersGoOn) {
  const fs::path bad = file / "cannot-be-inside-a-file.jsonl";
  append_records(file, 0, 3);
  auto t = open_tailer({bad, file});
  t->poll();
  EXPECT_EQ(claims(*t), 3u);
  EXPECT_FALSE(t->ready());
  const auto s = t->status();
  EXPECT_NE(s.at(0).last_error.find("Not a directory"), std::string::npos) << s.at(0).last_error;
  EXPECT_NE(t->ready_json().find("\"ready\":false"), std::string::npos) << t->ready_json();
}

TEST_F(TailerTest, ADirectoryFollowsEveryJsonlFileAndNotARenamedOneTwice) {
  append_records(file, 0, 5);
  append(dir.path() / "notes.txt", "not followed\n");
  auto t = open_tailer({dir.path()});
  t->poll();
  EXPECT_EQ(claims(*t), 5u);
  append_records(dir.path() / "python.jsonl", 0, 3);
  t->poll();
  EXPECT_EQ(claims(*t), 8u);
  // Rotation into a name the directory also follows: read once, not twice.
  fs::rename(file, dir.path() / "perf-metrics.1.jsonl");
  append_records(file, 5, 7);
  t->poll();
  t->poll();
  EXPECT_EQ(claims(*t), 10u);
}

TEST_F(TailerTest, AnUnreadableCheckpointIsAnErrorThatSaysWhatToDo) {
  const fs::path state = dir.path() / "state";
  fs::create_directories(state);
  append(state / "tail-state.json", "{broken");
  auto t = tailer::open({.paths = {file}, .state_dir = state});
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("move it aside"), std::string::npos) << t.error().message;
}

}  // namespace
}  // namespace perftrack::tail
