#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/base/expected.hpp"

/// Reports by e-mail (docs/cli.md, `report --mail-to`): a MIME message with a
/// plain-text and an HTML part, sent over SMTP through libcurl.
namespace perftrack::report {

struct mail_message {
  std::string from;
  std::vector<std::string> to;
  std::string subject;
  std::string text;  ///< the plain-text part (the Markdown report)
  std::string html;  ///< the HTML part
};

/// The report's Markdown as a self-contained HTML page: headings, paragraphs,
/// lists and tables; every text escaped.
std::string markdown_to_html(std::string_view markdown, std::string_view title);

/// The message as RFC 5322 text: multipart/alternative, both parts UTF-8 in
/// base64 (any line length, any bytes). Refuses addresses and subjects with
/// line breaks (header injection).
expected<std::string> compose_mime(const mail_message& m, std::int64_t now_ns);

/// Sends `m` through the SMTP server at `url` (smtp://host:port). Errors say
/// what the server or the connection answered.
expected<bool> send_mail(const std::string& url, const mail_message& m, std::int64_t now_ns);

}  // namespace perftrack::report
