#include <string>

#include "perftrack/report/renderer.hpp"
#include "perftrack/store/json_text.hpp"
#include "text.hpp"

namespace perftrack::report {
namespace {

// A minimal streaming JSON writer: keys and values in order, commas handled.
class json_out {
public:
  explicit json_out(std::string& s) : s_(s) {}
  json_out& key(std::string_view k) {
    comma();
    store::append_json_string(s_, k);
    s_ += ':';
    fresh_ = true;
    return *this;
  }
  json_out& str(std::string_view v) {
    return raw_value([&] { store::append_json_string(s_, v); });
  }
  json_out& num(double v) {
    return raw_value([&] { store::append_json_number(s_, v); });
  }
  json_out& num(std::uint64_t v) {
    return raw_value([&] { s_ += std::to_string(v); });
  }
  json_out& begin_object() { return open('{'); }
  json_out& end_object() { return close('}'); }
  json_out& begin_array() { return open('['); }
  json_out& end_array() { return close(']'); }

private:
  void comma() {
    if (!fresh_) s_ += ',';
    fresh_ = false;
  }
  template <class F>
  json_out& raw_value(F&& f) {
    comma();
    f();
    return *this;
  }
  json_out& open(char c) {
    comma();
    s_ += c;
    fresh_ = true;
    return *this;
  }
  json_out& close(char c) {
    s_ += c;
    fresh_ = false;
    return *this;
  }
  std::string& s_;
  bool fresh_ = true;
};

/// What the report covers and its totals.
void write_summary(const period_report& r, json_out& j) {
  j.key("kind").str(r.kind);
  j.key("period").begin_object();
  j.key("since").str(iso_text(r.since_ns));
  j.key("until").str(iso_text(r.until_ns));
  j.end_object();
  j.key("generated_at").str(iso_text(r.generated_ns));
  j.key("percentile_method")
      .str(r.method == stats::percentile_method::nearest_rank ? "nearest-rank" : "linear");
  j.key("files").begin_array();
  for (const auto& f : r.files) j.str(f.string());
  j.end_array();
  j.key("total").num(r.total);
  j.key("successful").num(r.successful);
  j.key("failed").num(r.failed);
  j.key("error_rate").num(r.error_rate());
  j.key("malformed_lines").num(r.malformed_lines);
}

/// One object per operation, with the previous period's count and average.
void write_operations(const period_report& r, json_out& j) {
  j.key("operations").begin_array();
  for (const auto& op : r.operations) {
    j.begin_object();
    j.key("operation").str(op.operation);
    j.key("count").num(op.count);
    j.key("successes").num(op.successes);
    j.key("success_rate").num(op.success_rate());
    j.key("avg_ms").num(op.avg_ms);
    j.key("p50_ms").num(op.p50_ms);
    j.key("p95_ms").num(op.p95_ms);
    j.key("p99_ms").num(op.p99_ms);
    j.key("min_ms").num(op.min_ms);
    j.key("max_ms").num(op.max_ms);
    j.key("previous_count").num(op.previous_count);
    j.key("previous_avg_ms").num(op.previous_avg_ms);
    j.end_object();
  }
  j.end_array();
}

/// The slowest single records.
void write_slowest(const period_report& r, json_out& j) {
  j.key("slowest").begin_array();
  for (const auto& sl : r.slowest) {
    j.begin_object();
    j.key("operation").str(sl.operation);
    j.key("duration_ms").num(sl.duration_ms);
    j.key("timestamp").str(sl.timestamp);
    j.end_object();
  }
  j.end_array();
}

/// The operations with the most records.
void write_most_frequent(const period_report& r, json_out& j) {
  j.key("most_frequent").begin_array();
  for (std::size_t i = 0; i < std::min(r.top, r.operations.size()); ++i) {
    j.begin_object();
    j.key("operation").str(r.operations[i].operation);
    j.key("count").num(r.operations[i].count);
    j.end_object();
  }
  j.end_array();
}

/// The thresholds and the rules that fired.
void write_degradations(const period_report& r, json_out& j) {
  j.key("thresholds").begin_object();
  j.key("p95_over_avg").num(r.thresholds.p95_over_avg);
  j.key("avg_increase").num(r.thresholds.avg_increase);
  j.key("error_rate").num(r.thresholds.error_rate);
  j.key("min_count").num(r.thresholds.min_count);
  j.end_object();
  j.key("degradations").begin_array();
  for (const auto& d : r.degradations) {
    j.begin_object();
    j.key("operation").str(d.operation);
    j.key("rule").str(name(d.rule));
    j.key("value").num(d.value);
    j.key("threshold").num(d.threshold);
    j.end_object();
  }
  j.end_array();
}

/// P95 per day or week (when asked).
void write_trends(const period_report& r, json_out& j) {
  j.key("trend_bucket").str(r.trend_bucket_ns == 86'400'000'000'000 ? "day" : "week");
  j.key("trends").begin_array();
  for (const auto& t : r.trends) {
    j.begin_object();
    j.key("operation").str(t.operation);
    j.key("points").begin_array();
    for (const auto& p : t.points) {
      j.begin_object();
      j.key("start").str(iso_text(p.start_ns));
      j.key("count").num(p.count);
      if (p.count > 0) j.key("p95_ms").num(p.p95_ms);
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  j.end_array();
}

}  // namespace

void json_renderer::render(const period_report& r, std::ostream& out) const {
  std::string s;
  json_out j(s);
  j.begin_object();
  write_summary(r, j);
  write_operations(r, j);
  write_slowest(r, j);
  write_most_frequent(r, j);
  write_degradations(r, j);
  if (r.has_trends) write_trends(r, j);
  j.end_object();
  s += '\n';
  out << s;
}

}  // namespace perftrack::report
