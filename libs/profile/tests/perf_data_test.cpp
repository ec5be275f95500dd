#include "perftrack/profile/perf_data.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "perftrack/profile/capture.hpp"
#include "process.hpp"
#include "symbols.hpp"

namespace perftrack::profile {
namespace {

namespace fs = std::filesystem;

struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("perftrack-perf-data-" + std::to_string(::getpid()));
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() { fs::remove_all(path); }
};

std::map<std::string, std::uint64_t> stacks_of(const profile& p) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& s : p.stacks) {
    std::string key;
    for (const auto& f : s.frames) key += f + ";";
    out[key] += s.samples;
  }
  return out;
}

// Work for perf to find in this program's own symbols while it samples.
[[gnu::noinline]] double spin_in_test(const std::atomic<bool>& stop) {
  double x = 1;
  while (!stop.load(std::memory_order_relaxed)) x = std::sqrt(x + 1.5);
  return x;
}

TEST(PerfDataTest, NamesEveryStackAsPerfScriptDoes) {
  if (auto why = perf_unavailable()) GTEST_SKIP() << *why;
  temp_dir dir;
  const auto data = dir.path / "perf.data";
  std::atomic<bool> stop{false};
  std::thread busy([&] { spin_in_test(stop); });
  // Every CPU: the kernel, this program, its libraries and whatever else runs.
  const int rc =
      detail::run({"perf", "record", "-q", "-e", "cpu-clock", "-F", "499", "--call-graph", "fp",
                   "-k", "CLOCK_REALTIME", "-a", "-o", data.string(), "--", "sleep", "1.5"},
                  {}, dir.path / "record.log");
  stop = true;
  busy.join();
  ASSERT_EQ(rc, 0) << detail::last_lines(dir.path / "record.log", 5);

  perf_data_reader reader;
  std::vector<timed_sample> ours_times;
  auto ours = reader.read(data, ours_times);
  ASSERT_TRUE(ours) << ours.error().message;
  ASSERT_EQ(detail::run({"perf", "script", "-i", data.string(), "-F", detail::perf_script_fields},
                        dir.path / "script.txt", dir.path / "script.log"),
            0);
  std::ifstream script(dir.path / "script.txt");
  std::vector<timed_sample> their_times;
  auto theirs = parse_perf_script(script, their_times);
  ASSERT_TRUE(theirs) << theirs.error().message;

  EXPECT_GT(ours->samples(), 500u);  // at least the busy thread's 1.5 s at 499 Hz
  EXPECT_EQ(ours->samples(), theirs->samples());
  EXPECT_EQ(ours->weight(), theirs->weight());
  EXPECT_EQ(ours->truncated, theirs->truncated);
  const auto a = stacks_of(*ours), b = stacks_of(*theirs);
  std::uint64_t same = 0;
  std::ostringstream differ;
  for (const auto& [stack, n] : a) {
    const auto it = b.find(stack);
    const auto m = it == b.end() ? 0 : it->second;
    same += std::min(n, m);
    if (n != m) differ << "ours " << n << ", perf script's " << m << ": " << stack << "\n";
  }
  for (const auto& [stack, m] : b)
    if (!a.contains(stack)) differ << "ours 0, perf script's " << m << ": " << stack << "\n";
  EXPECT_EQ(same, ours->samples()) << differ.str();
  bool found = false;
  for (const auto& [stack, n] : a) found |= stack.find("spin_in_test;") != std::string::npos;
  EXPECT_TRUE(found) << "no stack names this program's busy function";

  // Each sample's time, to the microsecond perf script prints.
  std::vector<double> x, y;
  for (const auto& t : ours_times) x.push_back(std::floor(t.time_s * 1e6));
  for (const auto& t : their_times) y.push_back(std::floor(t.time_s * 1e6));
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], 1.0) << i;
}

TEST(PerfDataTest, AFileThatIsNotPerfDataIsAnErrorNamingIt) {
  temp_dir dir;
  perf_data_reader reader;
  std::vector<timed_sample> times;
  const auto text = dir.path / "not-perf.data";
  std::ofstream(text) << "hello, this is not perf.data\n";
  auto r = reader.read(text, times);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not-perf.data"), std::string::npos);
  EXPECT_NE(r.error().message.find("PERFILE2"), std::string::npos);
  auto missing = reader.read(dir.path / "missing.data", times);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("missing.data"), std::string::npos);
}

TEST(PerfDataTest, ACutShortFileIsAnErrorNotAWrongProfile) {
  if (auto why = perf_unavailable()) GTEST_SKIP() << *why;
  temp_dir dir;
  const auto data = dir.path / "perf.data";
  ASSERT_EQ(detail::run({"perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "--call-graph",
                         "fp", "-o", data.string(), "--", "sleep", "0.2"},
                        {}, dir.path / "record.log"),
            0);
  // Half of its samples: the data section's offset and size are at bytes 40 and 48.
  std::uint64_t at_size[2] = {};
  std::ifstream(data, std::ios::binary).seekg(40).read(reinterpret_cast<char*>(at_size), 16);
  ASSERT_GT(at_size[1], 0u);
  fs::resize_file(data, at_size[0] + at_size[1] / 2);
  perf_data_reader reader;
  std::vector<timed_sample> times;
  auto r = reader.read(data, times);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("perf.data"), std::string::npos);
}

TEST(SymbolsTest, DemanglesWithoutParametersAsPerfDoes) {
  EXPECT_EQ(detail::demangled("_ZN9perftrack7profile4readERKSt6vectorIiSaIiEE"),
            "perftrack::profile::read");
  EXPECT_EQ(detail::demangled("_ZNSt6vectorIiSaIiEE9push_backERKi"),
            "std::vector<int, std::allocator<int> >::push_back");
  EXPECT_EQ(detail::demangled("main"), "main");
}

TEST(SymbolsTest, FindsThisProgramsFunctionsByFileOffset) {
  const auto self = detail::elf_functions::from_file("/proc/self/exe");
  ASSERT_GT(self.size(), 0u);
  EXPECT_TRUE(self.at_offset(0).empty());  // the ELF header is no function
  const auto kernel = detail::kernel_functions::from_kallsyms("/nonexistent/kallsyms");
  EXPECT_EQ(kernel.size(), 0u);
  EXPECT_TRUE(kernel.at(0xffffffff81000000ULL).empty());
}

}  // namespace
}  // namespace perftrack::profile
