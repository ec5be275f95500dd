#include "perftrack/report/mail.hpp"

#include <gtest/gtest.h>

namespace perftrack::report {
namespace {

TEST(MailTest, MarkdownBecomesEscapedHtml) {
  const std::string html = markdown_to_html(
      "# Weekly <report>\n\nBetween a & b.\n\n| operation | p95 |\n|---|---:|\n"
      "| <script>x\\|y | 3 ms |\n\n- one\n- two\n",
      "t");
  EXPECT_NE(html.find("<h1>Weekly &lt;report&gt;</h1>"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>Between a &amp; b.</p>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><th>operation</th><th>p95</th></tr>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>&lt;script&gt;x|y</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<ul>\n<li>one</li>\n<li>two</li>\n</ul>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<script>"), std::string::npos);
}

TEST(MailTest, TwoPartsAndNoHeaderInjection) {
  mail_message m{
      "perftrack@localhost", {"ops@example.com"}, "perftrack weekly report", "text", "<p>x</p>"};
  auto text = compose_mime(m, 1'767'225'600'000'000'000);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("Content-Type: multipart/alternative"), std::string::npos);
  EXPECT_NE(text->find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(text->find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(text->find("Date: Thu, 01 Jan 2026 00:00:00 +0000"), std::string::npos) << *text;
  EXPECT_NE(text->find("dGV4dA=="), std::string::npos);  // "text" in base64
  m.subject = "x\r\nBcc: everyone@example.com";
  EXPECT_FALSE(compose_mime(m, 0));
  m.subject = "ok";
  m.to = {"a@b\nBcc: c@d"};
  EXPECT_FALSE(compose_mime(m, 0));
  m.to = {};
  EXPECT_FALSE(compose_mime(m, 0));
}

}  // namespace
}  // namespace perftrack::report
