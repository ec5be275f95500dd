#include "perftrack/report/exporter.hpp"

#include <charconv>
#include <string>

#include "perftrack/store/json_text.hpp"

namespace perftrack::report {
namespace {

void append_csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (const char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_number(std::string& out, double v) {
  char buf[32];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// Writes records as they arrive; flushes its buffer to the stream in large pieces.
class export_sink final : public reader::record_sink {
public:
  export_sink(const export_request& request, std::ostream& out) : request_(request), out_(out) {
    if (request_.format == export_format::csv) {
      buf_ = "timestamp,operation_type,duration_ms,success,session_id,error,context\r\n";
    } else {
      buf_ = "[";
    }
  }

  void on_record(const reader::record_view& r) override {
    if (request_.since_ns && r.timestamp_ns < *request_.since_ns) return;
    if (request_.until_ns && r.timestamp_ns >= *request_.until_ns) return;
    if (request_.format == export_format::csv) {
      append_csv_field(buf_, r.timestamp_text);
      buf_ += ',';
      append_csv_field(buf_, r.operation);
      buf_ += ',';
      append_number(buf_, r.duration_ms);
      buf_ += r.success ? ",true," : ",false,";
      append_csv_field(buf_, r.session_id);
      buf_ += ',';
      append_csv_field(buf_, r.error);
      buf_ += ',';
      append_csv_field(buf_, r.context_json);
      buf_ += "\r\n";
    } else {
      buf_ += count_ == 0 ? "\n" : ",\n";
      buf_ += "{\"timestamp\":";
      store::append_json_string(buf_, r.timestamp_text);
      buf_ += ",\"operation_type\":";
      store::append_json_string(buf_, r.operation);
      buf_ += ",\"duration_ms\":";
      append_number(buf_, r.duration_ms);
      buf_ += r.success ? ",\"success\":true" : ",\"success\":false";
      buf_ += ",\"session_id\":";
      if (r.has_session_id) {
        store::append_json_string(buf_, r.session_id);
      } else {
        buf_ += "null";
      }
      buf_ += ",\"error\":";
      if (r.has_error) {
        store::append_json_string(buf_, r.error);
      } else {
        buf_ += "null";
      }
      buf_ += ",\"context\":";
      buf_ += r.context_json.empty() ? std::string_view("null") : r.context_json;
      buf_ += '}';
    }
    ++count_;
    if (buf_.size() > (1 << 16)) drain();
  }

  std::uint64_t finish() {
    if (request_.format == export_format::json) buf_ += count_ == 0 ? "]\n" : "\n]\n";
    drain();
    return count_;
  }

private:
  void drain() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }
  const export_request& request_;
  std::ostream& out_;
  std::string buf_;
  std::uint64_t count_ = 0;
};

}  // namespace

expected<export_summary> export_records(const export_request& request, std::ostream& out,
                                        read_warnings& warnings) {
  std::error_code ec;
  std::filesystem::path failed;
  const auto files = reader::expand_inputs(request.inputs, ec, failed);
  if (ec) {
    return failure{"cannot read " + failed.string() + ": " + ec.message() +
                   " (pass an existing file or directory with --file)"};
  }
  export_sink sink(request, out);
  reader::scan_result scanned;
  reader::scan_options options;
  options.detail = reader::line_parser::detail_level::full;
  for (const auto& file : files) {
    if (!reader::scan_file_in_order(file, sink, options, scanned, ec)) {
      return failure{"cannot read " + file.string() + ": " + ec.message()};
    }
  }
  warnings.malformed = scanned.malformed;
  warnings.first_malformed = scanned.first_malformed;
  return export_summary{sink.finish()};
}

}  // namespace perftrack::report
