#include "perftrack/exposition/format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "perftrack/store/json_text.hpp"

namespace perftrack::exposition {
namespace {

/// Appends `text` with `\`, newline and (when `quotes`) `"` escaped, and any
/// invalid UTF-8 byte as U+FFFD.
void append_escaped(std::string& out, std::string_view text, bool quotes) {
  if (!store::valid_utf8(text)) {
    append_escaped(out, store::replace_invalid_utf8(text), quotes);
    return;
  }
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

void append_count(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// `name{labels}` or `name{labels,extra}`, then a space.
void append_series_name(std::string& out, std::string_view name, std::string_view suffix,
                        const label_set& labels, std::string_view extra = {}) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra.empty()) {
    out += '{';
    out += labels.text();
    if (!labels.empty() && !extra.empty()) out += ',';
    out += extra;
    out += '}';
  }
  out += ' ';
}

std::string_view type_name(metric_type t) {
  switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

void write_header(const family& f, format fmt, std::string& out) {
  std::string_view name = f.name;
  if (fmt == format::openmetrics && f.type == metric_type::counter && name.ends_with("_total")) {
    name.remove_suffix(6);
  }
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped(out, f.help, fmt == format::openmetrics);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type_name(f.type);
  out += '\n';
  if (fmt == format::openmetrics && !f.unit.empty()) {
    out += "# UNIT ";
    out += name;
    out += ' ';
    out += f.unit;
    out += '\n';
  }
}

void write_histogram(const family& f, const series& s, std::string& out) {
  const bucket_layout& layout = *f.layout;
  std::string le;
  for (std::size_t i = 0; i < layout.bounds().size(); ++i) {
    le.assign("le=\"").append(layout.le(i)).append("\"");
    append_series_name(out, f.name, "_bucket", s.labels, le);
    append_count(out, i < s.cumulative.size() ? s.cumulative[i] : s.count);
    out += '\n';
  }
  append_series_name(out, f.name, "_bucket", s.labels, "le=\"+Inf\"");
  append_count(out, s.count);
  out += '\n';
  append_series_name(out, f.name, "_sum", s.labels);
  append_number(out, s.sum);
  out += '\n';
  append_series_name(out, f.name, "_count", s.labels);
  append_count(out, s.count);
  out += '\n';
}

/// A media range of an Accept header: its type and its q (1 unless given).
struct media_range {
  std::string_view type;
  std::string_view version;
  double q = 1;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

media_range parse_range(std::string_view item) {
  media_range r;
  std::size_t semi = item.find(';');
  r.type = trim(item.substr(0, semi));
  while (semi != std::string_view::npos) {
    const std::size_t next = item.find(';', semi + 1);
    const std::string_view param = trim(item.substr(semi + 1, next - semi - 1));
    if (param.starts_with("q=")) {
      double q = 1;
      const auto res = std::from_chars(param.data() + 2, param.data() + param.size(), q);
      if (res.ec == std::errc{}) r.q = q;
    } else if (param.starts_with("version=")) {
      r.version = param.substr(8);
    }
    semi = next;
  }
  return r;
}

template <class Fn>
void for_each_item(std::string_view header, Fn&& fn) {
  std::size_t start = 0;
  while (start <= header.size()) {
    const std::size_t comma = header.find(',', start);
    const std::string_view item =
        trim(header.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

}  // namespace

label_set::label_set(std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  for (const auto& [name, value] : labels) add(name, value);
}

label_set& label_set::add(std::string_view name, std::string_view value) {
  if (!text_.empty()) text_ += ',';
  text_ += name;
  text_ += "=\"";
  append_escaped(text_, value, true);
  text_ += '"';
  return *this;
}

bucket_layout::bucket_layout(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw std::invalid_argument("histogram bounds must ascend strictly");
  }
  for (const double b : bounds_) {
    if (!std::isfinite(b)) throw std::invalid_argument("histogram bounds must be finite");
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, b, std::chars_format::fixed);
    std::string text(buf, r.ptr);
    if (text.find('.') == std::string::npos) text += ".0";
    le_.push_back(std::move(text));
  }
}

std::size_t bucket_layout::bucket_of(double v) const noexcept {
  return static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                  bounds_.begin());
}

format negotiate(std::string_view accept) {
  double openmetrics = -1;
  double text = -1;
  for_each_item(accept, [&](std::string_view item) {
    const media_range r = parse_range(item);
    if (r.type == "application/openmetrics-text" &&
        (r.version.empty() || r.version == "1.0.0" || r.version == "0.0.1")) {
      openmetrics = std::max(openmetrics, r.q);
    } else if (r.type == "text/plain" || r.type == "text/*" || r.type == "*/*") {
      text = std::max(text, r.q);
    }
  });
  return openmetrics > 0 && openmetrics >= text ? format::openmetrics : format::text;
}

std::string_view content_type(format f) {
  return f == format::openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                  : "text/plain; version=0.0.4; charset=utf-8";
}

void write(const std::vector<family>& families, format fmt, std::string& out) {
  for (const family& f : families) {
    if (f.samples.empty()) continue;
    write_header(f, fmt, out);
    for (const series& s : f.samples) {
      if (f.type == metric_type::histogram) {
        write_histogram(f, s, out);
      } else {
        append_series_name(out, f.name, "", s.labels);
        append_number(out, s.value);
        out += '\n';
      }
    }
  }
  if (fmt == format::openmetrics) out += "# EOF\n";
}

bool accepts_gzip(std::string_view accept_encoding) {
  bool gzip = false;
  for_each_item(accept_encoding, [&](std::string_view item) {
    const media_range r = parse_range(item);
    if (r.type == "gzip" || r.type == "*") gzip = r.q > 0;
  });
  return gzip;
}

}  // namespace perftrack::exposition
