#include "perftrack/profile/profile.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "perftrack/profile/spans.hpp"
#include "tree.hpp"

namespace perftrack::profile {
namespace {

constexpr const char* script = R"(hot  3080 82525.445936:   10101010 cpu-clock: 
	            11b1 burn_70+0x21 (/tmp/prof/hot)
	            1088 main+0x38 (/tmp/prof/hot)
	           2724a __libc_start_call_main+0x7a (/usr/lib/x86_64-linux-gnu/libc.so.6)

hot  3080 82525.455936:   10101010 cpu-clock: 
	            11b1 burn_70+0x21 (/tmp/prof/hot)
	            1088 main+0x38 (/tmp/prof/hot)
	           2724a __libc_start_call_main+0x7a (/usr/lib/x86_64-linux-gnu/libc.so.6)

hot  3080 82525.465936:   10101010 cpu-clock: 
	            1200 std::vector<int, std::allocator<int> >::push_back(int const&)+0x10 (/tmp/prof/hot)
	            7f00 [unknown] (/usr/lib/x86_64-linux-gnu/libfoo.so.1)

my comm 3081 82525.475936:   10101010 cpu-clock: 
	            11c1 a;b+0x1 (/tmp/prof/hot)
	            1088 main+0x38 (/tmp/prof/hot)
	           2724a __libc_start_call_main+0x7a (/usr/lib/x86_64-linux-gnu/libc.so.6)
)";

profile parsed() {
  std::istringstream in(script);
  auto p = parse_perf_script(in);
  EXPECT_TRUE(p) << p.error().message;
  return *p;
}

TEST(ProfileTest, ReadsPerfScriptIntoSortedStacks) {
  const profile p = parsed();
  EXPECT_EQ(p.samples(), 4u);
  EXPECT_EQ(p.weight(), 4u * 10101010u);
  EXPECT_EQ(p.truncated, 1u);  // the stack whose root is a library without frames
  EXPECT_EQ(p.duration_ns, 30'000'000);
  ASSERT_EQ(p.stacks.size(), 3u);
  std::ostringstream folded;
  write_folded(p, folded);
  EXPECT_EQ(folded.str(),
            "[libfoo.so.1];std::vector<int, std::allocator<int> >::push_back(int const&) 1\n"
            "__libc_start_call_main;main;a:b 1\n"
            "__libc_start_call_main;main;burn_70 2\n");
}

TEST(ProfileTest, FoldedStacksReadBackTheSame) {
  const profile p = parsed();
  std::ostringstream folded;
  write_folded(p, folded);
  std::istringstream in(folded.str());
  auto back = read_folded(in);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->stacks.size(), p.stacks.size());
  for (std::size_t i = 0; i < p.stacks.size(); ++i) {
    EXPECT_EQ(back->stacks[i].frames, p.stacks[i].frames);
    EXPECT_EQ(back->stacks[i].samples, p.stacks[i].samples);
  }
  EXPECT_EQ(back->truncated, 1u);
  std::istringstream bad("a;b 3\nno count here\n");
  auto broken = read_folded(bad);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("line 2"), std::string::npos);
}

TEST(ProfileTest, ATreeSharesPrefixesAndCountsSelfAtTheLeaf) {
  profile p;
  p.stacks = {{{"a", "b"}, 2, 2}, {{"a", "b", "c"}, 3, 3}, {{"a", "b!"}, 1, 1}, {{"d"}, 4, 4}};
  normalize(p);
  const flame_tree t = build_tree(p);
  ASSERT_EQ(t.nodes.size(), 6u);  // all, a, b, c, b!, d
  EXPECT_EQ(t.nodes[0].total, 10u);
  std::uint64_t b_nodes = 0;
  for (const auto& n : t.nodes) {
    if (t.names[n.name] == "b") {
      ++b_nodes;
      EXPECT_EQ(n.total, 5u);
      EXPECT_EQ(n.self, 2u);
    }
  }
  EXPECT_EQ(b_nodes, 1u);
  EXPECT_EQ(t.max_depth, 3u);
}

TEST(ProfileTest, NamesAreEscapedInEveryMarkupOutput) {
  profile p;
  p.stacks = {{{"main", "<script>alert('x')</script>"}, 5, 5}};
  normalize(p);
  const std::string html = flamegraph_html(p, "<b>title</b>");
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<b>title"), std::string::npos);
  const std::string svg = flamegraph_svg(p, "t");
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  const std::string md = summary_markdown(p, "t");
  EXPECT_EQ(md.find("<script>"), std::string::npos);
}

TEST(ProfileTest, PprofIsGzip) {
  const std::string gz = pprof_gz(parsed());
  ASSERT_GT(gz.size(), 20u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
}

TEST(ProfileTest, SummaryNamesTheTopFramesAndTheUnwinding) {
  profile p = parsed();
  p.unwinding = "fp";
  const std::string md = summary_markdown(p, "hot");
  EXPECT_NE(md.find("unwinding: fp; 25.0% of the stacks"), std::string::npos) << md;
  EXPECT_NE(md.find("| burn_70 | 50.0% | 50.0% |"), std::string::npos) << md;
}

}  // namespace
}  // namespace perftrack::profile

namespace perftrack::profile {
namespace {

// Each lane's events must open and close in turn, never overlapping: what
// speedscope's evented profiles require.
TEST(SpansTest, OverlappingSpansGoOnLanesThatNest) {
  const std::int64_t ms = 1'000'000;
  const std::vector<span> spans = {{"claim", "s1", 0, 10 * ms, true},
                                   {"send", "s1", 5 * ms, 8 * ms, true},
                                   {"elect", "s1", 10 * ms, 12 * ms, false},
                                   {"claim", "s2", 1 * ms, 2 * ms, true},
                                   {"send", "s1", 9 * ms, 20 * ms, true}};
  const auto doc = nlohmann::json::parse(spans_speedscope_json(spans, "ops"));
  const auto& frames = doc["shared"]["frames"];
  ASSERT_EQ(frames.size(), 3u);  // claim, send, elect (failed); s2 shares claim
  EXPECT_EQ(frames[2]["name"], "elect (failed)");
  const auto& profiles = doc["profiles"];
  ASSERT_EQ(profiles.size(), 3u);  // s1 needs two lanes, s2 one
  EXPECT_EQ(profiles[0]["name"], "session s1, lane 1 of 2");
  EXPECT_EQ(profiles[2]["name"], "session s2");
  std::size_t events = 0;
  for (const auto& p : profiles) {
    EXPECT_EQ(p["type"], "evented");
    double last = -1;
    bool open = false;
    for (const auto& e : p["events"]) {
      const double at = e["at"];
      EXPECT_GE(at, last);
      EXPECT_EQ(e["type"] == "O", !open);
      open = !open;
      last = at;
      ++events;
    }
    EXPECT_FALSE(open);
    EXPECT_LE(p["startValue"].get<double>(), p["events"][0]["at"].get<double>());
    EXPECT_EQ(p["endValue"].get<double>(), last);
  }
  EXPECT_EQ(events, 2 * spans.size());
  EXPECT_EQ(profiles[2]["events"][0]["at"], 1.0);  // milliseconds from the first span
}

}  // namespace
}  // namespace perftrack::profile
