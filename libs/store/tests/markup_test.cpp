#include "perftrack/store/markup.hpp"

#include <gtest/gtest.h>

#include "perftrack/store/base64.hpp"

namespace perftrack::store {
namespace {

TEST(MarkupTest, EscapesTextAndAttributes) {
  EXPECT_EQ(escape_markup(R"(<a href="x">&</a>)"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(escape_markup("plain é"), "plain é");
  EXPECT_EQ(escape_markup(""), "");
}

TEST(MarkupTest, MarkdownCellsKeepTheirTable) {
  EXPECT_EQ(escape_markdown_cell("a|b\nc"), "a\\|b c");
  EXPECT_EQ(escape_markdown_cell("<img src=x>[link](y) `code` *em* \\"),
            "\\<img src=x\\>\\[link\\](y) \\`code\\` \\*em\\* \\\\");
  EXPECT_EQ(escape_markdown_cell("agent_spawn/single"), "agent_spawn/single");
}

TEST(MarkupTest, Base64AsRfc4648SaysWrappedForMime) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64("\xff\xfe\xfd\x80"), "//79gA==");  // bytes above 127 are not chars
  EXPECT_EQ(base64(std::string(60, 'a'), 76).find("\r\n"), 76u);
  EXPECT_EQ(base64(std::string(57, 'a'), 76).find("\r\n"), std::string::npos);  // exactly 76
}

}  // namespace
}  // namespace perftrack::store

namespace perftrack::store {
namespace {

TEST(MarkupTest, ScriptJsonCannotCloseItsElement) {
  EXPECT_EQ(escape_script_json(R"({"name":"</script><b>"})"),
            R"({"name":"\u003c/script>\u003cb>"})");
  EXPECT_EQ(escape_script_json("<<a<"), R"(\u003c\u003ca\u003c)");
  EXPECT_EQ(escape_script_json(""), "");
  EXPECT_EQ(escape_script_json("no markup"), "no markup");
}

}  // namespace
}  // namespace perftrack::store
