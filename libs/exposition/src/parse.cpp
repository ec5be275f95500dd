#include "perftrack/exposition/parse.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

namespace perftrack::exposition {

const std::string* sample::label(std::string_view label_name) const noexcept {
  for (const auto& [n, v] : labels) {
    if (n == label_name) return &v;
  }
  return nullptr;
}

namespace {

/// A cursor over one line; each read returns false (and says why) on bad text.
class line_reader {
public:
  explicit line_reader(std::string_view line) : s_(line) {}

  std::string why;

  bool name(std::string& out) {
    const std::size_t start = i_;
    while (i_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == ':')) {
      ++i_;
    }
    if (i_ == start || std::isdigit(static_cast<unsigned char>(s_[start]))) {
      return fail("a metric or label name");
    }
    out.assign(s_.substr(start, i_ - start));
    return true;
  }

  bool labels(std::vector<std::pair<std::string, std::string>>& out) {
    if (!eat('{')) return true;
    skip_spaces();
    while (!eat('}')) {
      std::string n, v;
      if (!name(n)) return false;
      skip_spaces();
      if (!eat('=')) return fail("'=' after label " + n);
      skip_spaces();
      if (!quoted(v)) return false;
      out.emplace_back(std::move(n), std::move(v));
      skip_spaces();
      if (!eat(',') && (i_ >= s_.size() || s_[i_] != '}')) return fail("',' or '}'");
      skip_spaces();
    }
    return true;
  }

  bool value(double& out) {
    skip_spaces();
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ' ' && s_[i_] != '\t') ++i_;
    const std::string text(s_.substr(start, i_ - start));
    if (auto v = special(text)) {
      out = *v;
      return true;
    }
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return fail("a number as the value");
    return true;  // an optional timestamp may follow; it is not used
  }

private:
  static std::optional<double> special(std::string_view t) {
    if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (t == "+Inf" || t == "Inf") return std::numeric_limits<double>::infinity();
    if (t == "-Inf") return -std::numeric_limits<double>::infinity();
    return std::nullopt;
  }

  bool quoted(std::string& out) {
    if (!eat('"')) return fail("a quoted label value");
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c == '\\' && i_ < s_.size()) {
        const char e = s_[i_++];
        c = e == 'n' ? '\n' : e;
      }
      out += c;
    }
    if (!eat('"')) return fail("a closing '\"'");
    return true;
  }

  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void skip_spaces() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool fail(std::string expected_what) {
    why = "expected " + std::move(expected_what) + " at column " + std::to_string(i_ + 1);
    return false;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

expected<std::vector<sample>> parse(std::string_view text) {
  std::vector<sample> out;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    sample s;
    line_reader r(line);
    if (!r.name(s.name) || !r.labels(s.labels) || !r.value(s.value)) {
      return failure{"line " + std::to_string(number) + " of the scrape is not a sample: " + r.why};
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace perftrack::exposition
