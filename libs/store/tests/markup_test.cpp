#include "perftrack/store/markup.hpp"

#include <gtest/gtest.h>

namespace perftrack::store {
namespace {

TEST(MarkupTest, EscapesTextAndAttributes) {
  EXPECT_EQ(escape_markup(R"(<a href="x">&</a>)"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(escape_markup("plain é"), "plain é");
  EXPECT_EQ(escape_markup(""), "");
}

}  // namespace
}  // namespace perftrack::store
