#include "perftrack/store/markup.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace perftrack::store
