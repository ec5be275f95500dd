#include "perftrack/profile/perf_data.hpp"

#include <fmt/format.h>
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

/// Whether a frame is a PLT entry or the _init before the PLT. There the
/// two readers may disagree: perf 6.1 names an address in a PLT section by
/// its callee ("free@plt", "@plt" for an IFUNC), by the sizeless _init it
/// stretched over the PLT, or not at all ("[libfoo.so]"), as the shape of
/// its symbol tree falls; the reader names the callee, as later perf does.
/// Which name the reader gives is tested against objdump below.
bool plt_region(const std::string& frame) { return frame == "_init" || frame.ends_with("@plt"); }

/// A mapped file's frame without a function name: "[libfoo.so]".
bool unnamed(const std::string& frame) {
  return frame.starts_with('[') && frame.ends_with(']') && frame != "[unknown]";
}

using stack_counts = std::map<std::vector<std::string>, std::uint64_t>;

stack_counts stacks_of(const profile& p) {
  stack_counts out;
  for (const auto& s : p.stacks) {
    std::vector<std::string> frames;
    for (const auto& f : s.frames) frames.push_back(plt_region(f) ? "<PLT region>" : f);
    out[frames] += s.samples;
  }
  return out;
}

/// Stacks alike but for a PLT-region frame one reader names and the other not.
bool alike_but_plt(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const bool plt_a = a[i] == "<PLT region>", plt_b = b[i] == "<PLT region>";
    if (a[i] != b[i] && !(plt_a && unnamed(b[i])) && !(plt_b && unnamed(a[i]))) return false;
  }
  return true;
}

/// How many samples the two profiles give the same stack, matching the
/// PLT-region differences last; what differs goes to `differ`.
std::uint64_t same_stacks(stack_counts a, stack_counts b, std::ostream& differ) {
  std::uint64_t same = 0;
  const auto match = [&](auto&& alike) {
    for (auto& [x, n] : a)
      for (auto& [y, m] : b) {
        if (n == 0 || m == 0 || !alike(x, y)) continue;
        const auto k = std::min(n, m);
        same += k, n -= k, m -= k;
      }
  };
  match([](const auto& x, const auto& y) { return x == y; });
  match(alike_but_plt);
  const auto print = [&](const char* whose, const stack_counts& c) {
    for (const auto& [frames, n] : c)
      if (n > 0) {
        differ << whose << " only, " << n << ": ";
        for (const auto& f : frames) differ << f << ";";
        differ << "\n";
      }
  };
  print("ours", a);
  print("perf script's", b);
  return same;
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
  const auto a = stacks_of(*ours);
  std::ostringstream differ;
  EXPECT_EQ(same_stacks(a, stacks_of(*theirs), differ), ours->samples()) << differ.str();
  bool found = false;
  for (const auto& [frames, n] : a)
    for (const auto& f : frames) found |= f.ends_with("spin_in_test");
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

/// objdump's names for a file's PLT entries (.plt and .plt.got), by file offset (binutils
/// synthesizes them on its own, through libbfd). An IFUNC's entry is named
/// by its resolver's offset: "*ABS*+0x9d9e0".
std::map<std::uint64_t, std::string> objdump_plt(const std::string& file, const fs::path& dir) {
  std::map<std::uint64_t, std::string> out;
  std::uint64_t address = 0, offset = 0;
  if (detail::run({"objdump", "-h", "-j", ".plt", file}, dir / "sections.txt", dir / "err") != 0 ||
      detail::run({"objdump", "-d", "-j", ".plt", "-j", ".plt.got", file}, dir / "plt.txt",
                  dir / "err") != 0)
    return out;
  std::ifstream sections(dir / "sections.txt");
  for (std::string line; std::getline(sections, line);) {
    std::istringstream in(line);
    std::string index, name, size;
    if (in >> index >> name >> size >> std::hex >> address >> std::hex >> offset >> std::hex >>
            offset &&
        name == ".plt")
      break;
  }
  std::ifstream plt(dir / "plt.txt");
  for (std::string line; std::getline(plt, line);) {
    // "0000000000001030 <free@plt>:" or "... <*ABS*+0x9d9e0@plt>:"
    const auto open = line.find(" <"), close = line.rfind("@plt>:");
    if (open == std::string::npos || close == std::string::npos) continue;
    const auto at = std::stoull(line.substr(0, open), nullptr, 16);
    auto name = line.substr(open + 2, close - open - 2);
    if (name.starts_with("*ABS*+"))
      name =
          fmt::format("*ABS*+{:#x}", std::stoull(name.substr(6), nullptr, 16) - address + offset);
    out[at - address + offset] = name;
  }
  return out;
}

TEST(SymbolsTest, NamesPltEntriesByTheirCalleeAsObjdumpDoes) {
  temp_dir dir;
  const auto self = fs::read_symlink("/proc/self/exe").string();
  std::size_t ifuncs = 0;
  for (const auto& file : {self, std::string("/lib/x86_64-linux-gnu/libstdc++.so.6"),
                           std::string("/lib/x86_64-linux-gnu/libc.so.6")}) {
    if (!fs::exists(file)) continue;
    const auto theirs = objdump_plt(file, dir.path);
    if (theirs.empty()) GTEST_SKIP() << "objdump (binutils) did not list " << file << "'s PLT";
    const auto ours = detail::elf_functions::from_file(file);
    for (auto it = theirs.begin(); it != theirs.end(); ++it) {
      const auto& [offset, name] = *it;
      // The entry's last byte: .plt's entries take 16, .plt.got's 8.
      const auto next = std::next(it);
      const auto last =
          next != theirs.end() && next->first - offset <= 16 ? next->first - 1 : offset + 7;
      // An IFUNC's entry bears the name of the function its resolver is.
      const bool ifunc = name.starts_with("*ABS*+");
      const auto callee =
          ifunc ? std::string(ours.at_offset(std::stoull(name.substr(6), nullptr, 16)))
                : detail::demangled(name);
      ifuncs += ifunc;
      EXPECT_EQ(ours.at_offset(offset), callee + "@plt") << file << " " << name;
      EXPECT_EQ(ours.at_offset(last), callee + "@plt") << file << " " << name;
    }
  }
  EXPECT_GT(ifuncs, 0u) << "libc.so.6 calls its own IFUNCs (memcpy, strlen) through its PLT";
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
