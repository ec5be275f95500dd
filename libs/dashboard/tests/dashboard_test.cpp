#include "perftrack/dashboard/dashboard.hpp"

#include <gtest/gtest.h>

#include <random>

#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::dashboard {
namespace {

constexpr std::int64_t day_ns = 86'400'000'000'000;

gate::result_set run_with(const std::string& name, double center, std::mt19937_64& g, int i) {
  std::normal_distribution<double> noise(0, 0.01);
  gate::metric m{.name = "latency", .unit = "ns"};
  for (int k = 0; k < 10; ++k) m.samples.push_back(center * (1 + noise(g)));
  gate::result_set r;
  r.git_sha = "sha" + std::to_string(i);
  r.comparability["cpu"] = "test";
  r.benchmarks.push_back({.name = name, .category = "db", .metrics = {m}});
  return r;
}

class DashboardTest : public ::testing::Test {
protected:
  std::string history(const std::string& name) {
    const std::string file = (dir_.path() / "history.db").string();
    auto h = gate::history::open(file);
    EXPECT_TRUE(h) << h.error().message;
    std::mt19937_64 g(7);
    for (int i = 0; i < 12; ++i)
      EXPECT_TRUE(
          (*h)->record(run_with(name, i < 6 ? 1000 : 1300, g, i), "pass", (i + 1) * day_ns));
    return file;
  }
  testing::temp_dir dir_;
};

TEST_F(DashboardTest, CollectsTrendsAndTheStep) {
  options o{.history = history("db/insert"), .now_ns = 13 * day_ns};
  auto d = collect(o);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->runs.size(), 12u);
  EXPECT_LT(d->runs.front().id, d->runs.back().id);  // oldest first
  ASSERT_EQ(d->trends.size(), 1u);
  EXPECT_EQ(d->trends[0].points.size(), 12u);
  ASSERT_EQ(d->changes.size(), 1u);
  EXPECT_NEAR(d->changes[0].change, 0.3, 0.02);
  EXPECT_EQ(d->changes[0].after.git_sha, "sha6");
  const std::string html = render_html(*d, o);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("uPlot"), std::string::npos);
  EXPECT_EQ(html.find("http://"),
            html.find("http://www.w3.org"));  // no address but SVG's namespace
}

TEST_F(DashboardTest, NamesCannotCloseTheScriptOrRunInTheNoscriptSummary) {
  options o{.history = history("db/</script><script>alert(1)</script>\"'"), .now_ns = day_ns};
  auto d = collect(o);
  ASSERT_TRUE(d) << d.error().message;
  const std::string html = render_html(*d, o);
  const std::string json = data_json(*d, o);
  EXPECT_EQ(json.find('<'), std::string::npos) << json.substr(0, 400);
  EXPECT_NE(json.find("\\u003c/script>"), std::string::npos);
  // The only </script> are the three the page writes itself.
  std::size_t closes = 0;
  for (auto at = html.find("</script>"); at != std::string::npos;
       at = html.find("</script>", at + 1))
    ++closes;
  EXPECT_EQ(closes, 3u);
  EXPECT_NE(html.find("db/&lt;/script&gt;&lt;script&gt;alert(1)"), std::string::npos);
}

TEST_F(DashboardTest, AnEmptyHistorySaysSo) {
  const std::string file = (dir_.path() / "empty.db").string();
  ASSERT_TRUE(gate::history::open(file));
  auto d = collect({.history = file});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(d->runs.empty());
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_NE(d->notes[0].find("no run yet"), std::string::npos);
}

}  // namespace
}  // namespace perftrack::dashboard
