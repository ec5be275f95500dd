// Several processes appending to one file, and a writer killed mid-stream.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "perftrack/recorder/tracker.hpp"
#include "test_support.hpp"

namespace perftrack {
namespace {

using namespace std::chrono_literals;

[[noreturn]] void append_and_exit(const std::filesystem::path& dir, int threads, int each) {
  {
    tracker_options o;
    o.directory = dir;
    o.overflow = overflow_policy::block;
    tracker t(o);
    const auto op = t.operation("task_claim");
    std::vector<std::thread> workers;
    for (int k = 0; k < threads; ++k) {
      workers.emplace_back([&, k] {
        const std::string session = "ses_" + std::to_string(::getpid()) + "_" + std::to_string(k);
        for (int i = 0; i < each; ++i) t.record(op, 1234ns, true, {.session_id = session});
      });
    }
    for (auto& w : workers) w.join();
    t.flush();
    if (t.counters().written != static_cast<std::uint64_t>(threads) * each) ::_exit(2);
  }
  ::_exit(0);
}

TEST(MultiProcessTest, FourProcessesTimesTwoThreadsWriteWholeLines) {
  testing::temp_dir dir;
  constexpr int processes = 4;
  constexpr int threads = 2;
  constexpr int each = 100000;
  std::vector<pid_t> kids;
  for (int p = 0; p < processes; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) append_and_exit(dir.path(), threads, each);
    kids.push_back(pid);
  }
  for (const pid_t pid : kids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  const auto lines = testing::read_lines(dir.path() / "perf-metrics.jsonl");
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(processes * threads * each));
  std::size_t torn = 0;
  for (const auto& line : lines) torn += !testing::is_whole_record(line);
  EXPECT_EQ(torn, 0u);
}

TEST(MultiProcessTest, WriterKilledMidStreamLeavesAtMostOnePartialLastLine) {
  testing::temp_dir dir;
  const auto file = dir.path() / "perf-metrics.jsonl";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    tracker_options o;
    o.directory = dir.path();
    o.overflow = overflow_policy::block;
    o.flush_interval = 1ms;
    tracker t(o);
    const auto op = t.operation("agent_send");
    for (;;) t.record(op, 5us, true, {.error = "", .context_json = R"({"k":"v"})"});
  }
  // Wait until the child has written a few MB, then kill it without warning.
  for (int i = 0; i < 3000; ++i) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec && size > (4u << 20)) break;
    std::this_thread::sleep_for(5ms);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  const std::string content = testing::slurp(file);
  ASSERT_FALSE(content.empty());
  std::size_t start = 0;
  std::size_t whole = 0;
  std::size_t broken = 0;
  while (start < content.size()) {
    const std::size_t nl = content.find('\n', start);
    if (nl == std::string::npos) break;  // the unterminated tail, checked below
    const std::string line = content.substr(start, nl - start);
    (testing::is_whole_record(line) ? whole : broken)++;
    start = nl + 1;
  }
  EXPECT_GT(whole, 0u);
  EXPECT_EQ(broken, 0u);
  // Whatever follows the last '\n' is the one partial line (possibly empty).
  EXPECT_EQ(content.find('\n', start), std::string::npos);
}

}  // namespace
}  // namespace perftrack
