// Reports by e-mail: MIME composition (owned: small) and SMTP through libcurl.

#include "perftrack/report/mail.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <random>

#include "perftrack/store/base64.hpp"
#include "perftrack/store/markup.hpp"

namespace perftrack::report {
namespace {

/// A Markdown table row's cells ("| a | b |"), with the renderers' `\|` kept in a cell.
std::vector<std::string> cells(std::string_view row) {
  std::vector<std::string> out;
  std::string cell;
  for (std::size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size()) {
      cell += row[++i];
    } else if (row[i] == '|') {
      out.push_back(cell);
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  for (auto& c : out) {
    c.erase(0, c.find_first_not_of(' '));
    c.erase(c.find_last_not_of(' ') + 1);
  }
  return out;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

std::string rfc5322_date(std::int64_t now_ns) {
  const std::time_t t = static_cast<std::time_t>(now_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct curl_deleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct slist_deleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

struct upload {
  std::string_view data;
  std::size_t at = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<upload*>(user);
  const std::size_t len = std::min(size * n, u->data.size() - u->at);
  std::copy_n(u->data.data() + u->at, len, buffer);
  u->at += len;
  return len;
}

}  // namespace

std::string markdown_to_html(std::string_view markdown, std::string_view title) {
  std::string body;
  bool in_table = false, in_list = false, header_row = false;
  std::size_t start = 0;
  while (start <= markdown.size()) {
    std::size_t end = markdown.find('\n', start);
    if (end == std::string_view::npos) end = markdown.size();
    const std::string_view line = markdown.substr(start, end - start);
    start = end + 1;
    const bool row = line.starts_with("|");
    const bool item = line.starts_with("- ");
    if (in_table && !row) body += "</table>\n";
    if (in_list && !item) body += "</ul>\n";
    if (row) {
      if (!in_table) body += "<table>\n";
      header_row = !in_table;
      in_table = true;
      if (line.find_first_not_of("|-: ") == std::string_view::npos) continue;  // the rule
      const char* tag = header_row ? "th" : "td";
      body += "<tr>";
      for (const auto& c : cells(line))
        body += fmt::format("<{0}>{1}</{0}>", tag, store::escape_markup(c));
      body += "</tr>\n";
      continue;
    }
    in_table = false;
    if (item) {
      if (!in_list) body += "<ul>\n";
      in_list = true;
      body += "<li>" + store::escape_markup(line.substr(2)) + "</li>\n";
      continue;
    }
    in_list = false;
    const std::size_t level = line.find_first_not_of('#');
    if (level > 0 && level <= 6 && level < line.size() && line[level] == ' ') {
      body +=
          fmt::format("<h{0}>{1}</h{0}>\n", level, store::escape_markup(line.substr(level + 1)));
    } else if (!line.empty()) {
      body += "<p>" + store::escape_markup(line) + "</p>\n";
    }
  }
  if (in_table) body += "</table>\n";
  if (in_list) body += "</ul>\n";
  return fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title>\n"
      "<style>body{{font-family:sans-serif}}table{{border-collapse:collapse}}"
      "td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}</style></head>\n"
      "<body>\n{}</body></html>\n",
      store::escape_markup(title), body);
}

expected<std::string> compose_mime(const mail_message& m, std::int64_t now_ns) {
  if (m.to.empty()) return failure{"no recipient: give --mail-to ADDRESS"};
  for (const auto& a : m.to) {
    if (a.empty() || has_line_break(a) || a.find('@') == std::string::npos)
      return failure{fmt::format("'{}' is not an e-mail address", a)};
  }
  if (has_line_break(m.from) || has_line_break(m.subject)) {
    return failure{"the sender and the subject must be one line each"};
  }
  std::mt19937_64 rng(static_cast<std::uint64_t>(now_ns));
  const std::string boundary = fmt::format("perftrack-{:016x}", rng());
  std::string to;
  for (const auto& a : m.to) to += (to.empty() ? "" : ", ") + a;
  const auto part = [&](std::string_view type, std::string_view content) {
    return fmt::format(
        "--{}\r\nContent-Type: {}; charset=utf-8\r\nContent-Transfer-Encoding: "
        "base64\r\n\r\n{}\r\n",
        boundary, type, store::base64(content, 76));
  };
  return fmt::format(
      "Date: {}\r\nFrom: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <{}@perftrack>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
      "boundary=\"{}\"\r\n\r\n{}{}--{}--\r\n",
      rfc5322_date(now_ns), m.from, to, m.subject, boundary, boundary, part("text/plain", m.text),
      part("text/html", m.html), boundary);
}

expected<bool> send_mail(const std::string& url, const mail_message& m, std::int64_t now_ns) {
  auto text = compose_mime(m, now_ns);
  if (!text) return text.error();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::unique_ptr<CURL, curl_deleter> curl(curl_easy_init());
  curl_slist* list = nullptr;
  for (const auto& a : m.to) list = curl_slist_append(list, ("<" + a + ">").c_str());
  std::unique_ptr<curl_slist, slist_deleter> recipients(list);
  upload u{*text};
  const std::string from = "<" + m.from + ">";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(curl.get(), CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(curl.get(), CURLOPT_READDATA, &u);
  curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    long code = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
    return failure{fmt::format(
        "cannot send the report to {}: {}{} (is the SMTP server up, and "
        "--smtp smtp://HOST:PORT right?)",
        url, curl_easy_strerror(rc), code != 0 ? fmt::format(", server answered {}", code) : "")};
  }
  return true;
}

}  // namespace perftrack::report
