#include "perftrack/reader/scanner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <optional>

#include "perftrack/testing/temp_dir.hpp"

namespace perftrack::reader {
namespace {

class counting_sink : public record_sink {
public:
  void on_record(const record_view& r) override {
    ++count;
    sum_ms += r.duration_ms;
    last_op = std::string(r.operation);
  }
  std::uint64_t count = 0;
  double sum_ms = 0;
  std::string last_op;
};

class ScannerTest : public ::testing::Test {
protected:
  std::filesystem::path write(const std::string& name, const std::string& content) {
    return tmp_.write(name, content);
  }
  static std::string line(int i) {
    return R"({"timestamp":"2026-01-06T13:28:00.191Z","operation_type":"op)" +
           std::to_string(i % 3) + R"(","duration_ms":)" + std::to_string(i) +
           R"(,"success":true,"session_id":null,"error":null})";
  }
  perftrack::testing::temp_dir tmp_;
  const std::filesystem::path& dir_ = tmp_.path();
};

TEST_F(ScannerTest, CountsMalformedLinesAndNamesThemInFileOrder) {
  const auto f =
      write("m.jsonl", line(1) + "\n\n" + "garbage\n" + line(2) + "\n" + R"({"timestamp":"bad"})" +
                           "\n" + line(3) + "\n{\"timestamp\":\"2026-01-06T13:2");
  counting_sink sink;
  scan_result result;
  std::error_code ec;
  ASSERT_TRUE(scan_file_in_order(f, sink, {}, result, ec));
  EXPECT_EQ(sink.count, 3u);
  EXPECT_EQ(result.records, 3u);
  EXPECT_EQ(result.malformed, 3u);
  EXPECT_EQ(result.lines, 6u);
  ASSERT_EQ(result.first_malformed.size(), 3u);
  EXPECT_EQ(result.first_malformed[0].line, 3u);
  EXPECT_EQ(result.first_malformed[0].error, line_error::invalid_json);
  EXPECT_EQ(result.first_malformed[1].line, 5u);
  EXPECT_EQ(result.first_malformed[2].line, 7u);  // the cut-off last line
}

TEST_F(ScannerTest, SkipsA100KbLineAndLinesLongerThanTheLimit) {
  const std::string big(100 * 1024, 'x');
  const std::string huge(max_line_bytes + 10, 'y');
  const auto f = write("m.jsonl", line(1) + "\n" + big + "\n" + huge + "\n" + line(2) + "\n");
  counting_sink sink;
  scan_result result;
  std::error_code ec;
  scan_options o;
  o.block_bytes = 64 * 1024;  // smaller than the long lines
  ASSERT_TRUE(scan_file_in_order(f, sink, o, result, ec));
  EXPECT_EQ(sink.count, 2u);
  EXPECT_EQ(result.malformed, 2u);
  ASSERT_EQ(result.first_malformed.size(), 2u);
  EXPECT_EQ(result.first_malformed[0].line, 2u);
  EXPECT_EQ(result.first_malformed[1].line, 3u);
  EXPECT_EQ(result.first_malformed[1].error, line_error::too_long);
}

TEST_F(ScannerTest, ThreadsSeeEveryLineExactlyOnce) {
  std::string content;
  double expected_sum = 0;
  const int n = 60000;  // ~6 MB: several blocks and threads
  for (int i = 0; i < n; ++i) {
    content += line(i) + (i % 1000 == 0 ? "\r\n" : "\n");
    expected_sum += i;
  }
  content += "bad line\n";
  const auto f = write("m.jsonl", content);
  for (const unsigned threads : {1u, 2u, 3u, 7u}) {
    std::vector<counting_sink> sinks(threads);
    std::vector<record_sink*> ptrs;
    for (auto& s : sinks) ptrs.push_back(&s);
    scan_result result;
    std::error_code ec;
    scan_options o;
    o.block_bytes = 1 << 20;
    ASSERT_TRUE(scan_file(f, ptrs, o, result, ec));
    std::uint64_t count = 0;
    double sum = 0;
    for (const auto& s : sinks) count += s.count, sum += s.sum_ms;
    EXPECT_EQ(count, static_cast<std::uint64_t>(n)) << threads;
    EXPECT_DOUBLE_EQ(sum, expected_sum) << threads;
    ASSERT_EQ(result.first_malformed.size(), 1u);
    EXPECT_EQ(result.first_malformed[0].line, static_cast<std::uint64_t>(n + 1)) << threads;
  }
}

TEST_F(ScannerTest, EdgeSpanReadsTheFirstAndLastRecordsOnly) {
  const auto at = [](int second) {
    return R"({"timestamp":"2026-01-06T13:28:)" + std::string(second < 10 ? "0" : "") +
           std::to_string(second) + R"(Z","operation_type":"op","duration_ms":1,"success":true})";
  };
  // Out of order in the middle (unseen: the edges are read), cut at the end.
  std::string text = "garbage\n" + at(5) + "\n";
  while (text.size() < 200'000) text += at(30) + "\n";
  text += at(1) + "\n";  // in the middle: a guess misses it
  while (text.size() < 400'000) text += at(30) + "\n";
  text += at(50) + "\n" + at(40) + "\n{\"timestamp\":\"2026-01-06T13:2";
  const auto big = write("big.jsonl", text);
  std::optional<time_span> span;
  std::error_code ec;
  ASSERT_TRUE(edge_span(big, span, ec)) << ec.message();
  ASSERT_TRUE(span);
  constexpr std::int64_t t = 1'767'706'080'000'000'000;  // 2026-01-06T13:28:00Z
  EXPECT_EQ(span->first_ns, t + 5'000'000'000);
  EXPECT_EQ(span->last_ns, t + 50'000'000'000);

  const auto small = write("small.jsonl", at(7) + "\n\n" + at(3));
  ASSERT_TRUE(edge_span(small, span, ec));
  ASSERT_TRUE(span);
  EXPECT_EQ(span->first_ns, t + 3'000'000'000);
  EXPECT_EQ(span->last_ns, t + 7'000'000'000);

  ASSERT_TRUE(edge_span(write("none.jsonl", "not json\n"), span, ec));
  EXPECT_FALSE(span);
  EXPECT_FALSE(edge_span(dir_ / "absent.jsonl", span, ec));
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

TEST_F(ScannerTest, MissingFileIsAnError) {
  counting_sink sink;
  scan_result result;
  std::error_code ec;
  EXPECT_FALSE(scan_file_in_order(dir_ / "absent.jsonl", sink, {}, result, ec));
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

TEST_F(ScannerTest, ExpandsDirectoriesToTheirJsonlFilesSorted) {
  write("b.jsonl", "");
  write("a.jsonl", "");
  write("notes.txt", "");
  const std::vector<std::filesystem::path> inputs{dir_};
  std::error_code ec;
  std::filesystem::path failed;
  const auto files = expand_inputs(inputs, ec, failed);
  ASSERT_FALSE(ec);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].filename(), "a.jsonl");
  const std::vector<std::filesystem::path> missing{dir_ / "nope"};
  expand_inputs(missing, ec, failed);
  EXPECT_TRUE(ec);
  EXPECT_EQ(failed, dir_ / "nope");
}

}  // namespace
}  // namespace perftrack::reader
