#include "perftrack/tail/aggregator.hpp"

#include <algorithm>

#include "perftrack/exposition/agent_metrics.hpp"
#include "perftrack/reader/record.hpp"

namespace perftrack::tail {

namespace am = exposition::agent_metrics;

aggregator::aggregator(std::size_t max_series)
    : bounds_(am::duration_layout()->bounds()), max_series_(std::max<std::size_t>(max_series, 1)) {
  // Every reason starts at 0, so the series exist (and rate() works) before the
  // first malformed line.
  using reader::line_error;
  for (const auto e : {line_error::invalid_json, line_error::invalid_utf8,
                       line_error::missing_field, line_error::wrong_type, line_error::bad_timestamp,
                       line_error::bad_value, line_error::too_long}) {
    malformed_.emplace(reader::describe(e), 0);
  }
}

operation_counts& aggregator::counts_for(std::string_view operation) {
  if (auto it = operations_.find(operation); it != operations_.end()) return it->second;
  if (operations_.size() >= max_series_) {
    ++overflow_records_;
    operation = am::overflow_operation;
    if (auto it = operations_.find(operation); it != operations_.end()) return it->second;
  }
  operation_counts fresh;
  fresh.buckets.assign(bucket_count(), 0);
  labels_.emplace(operation, exposition::one_label(am::operation_label, operation));
  return operations_.emplace(operation, std::move(fresh)).first->second;
}

void aggregator::batch::add(std::string_view operation, double duration_ms, bool success) {
  operation_counts& c = a_.counts_for(operation);
  const double seconds = duration_ms / 1000.0;
  const auto& b = a_.bounds_;
  c.buckets[static_cast<std::size_t>(std::lower_bound(b.begin(), b.end(), seconds) - b.begin())]++;
  c.sum_seconds += seconds;
  c.errors += success ? 0 : 1;
}

void aggregator::batch::malformed(std::string_view reason) {
  if (auto it = a_.malformed_.find(reason); it != a_.malformed_.end()) {
    ++it->second;
  } else {
    a_.malformed_.emplace(reason, 1);
  }
}

void aggregator::collect(std::vector<exposition::family>& out) const {
  exposition::family durations = am::duration_family();
  exposition::family errors = am::errors_family();
  exposition::family malformed{
      .name = "perftrack_tail_malformed_lines_total",
      .help = "Lines skipped because they are not metrics records, by reason.",
      .type = exposition::metric_type::counter};
  exposition::family overflow{
      .name = "perftrack_series_overflow_records_total",
      .help = "Records counted in the overflow series because the family reached its series cap.",
      .type = exposition::metric_type::counter};
  std::lock_guard lock(mutex_);
  std::vector<const std::string*> names;
  for (const auto& [name, counts] : operations_) names.push_back(&name);
  std::sort(names.begin(), names.end(), [](auto* a, auto* b) { return *a < *b; });
  for (const std::string* name : names) {
    const operation_counts& c = operations_.at(*name);
    exposition::series s{.labels = labels_.at(*name), .sum = c.sum_seconds};
    s.cumulative.resize(bounds_.size());
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) s.cumulative[i] = running += c.buckets[i];
    s.count = running + c.buckets.back();
    errors.samples.push_back({.labels = s.labels, .value = static_cast<double>(c.errors)});
    durations.samples.push_back(std::move(s));
  }
  std::vector<std::pair<std::string_view, std::uint64_t>> reasons(malformed_.begin(),
                                                                  malformed_.end());
  std::sort(reasons.begin(), reasons.end());
  for (const auto& [reason, n] : reasons) {
    malformed.samples.push_back(
        {.labels = exposition::one_label("reason", reason), .value = static_cast<double>(n)});
  }
  overflow.samples.push_back({.labels = exposition::one_label("family", am::duration_name),
                              .value = static_cast<double>(overflow_records_)});
  out.push_back(std::move(durations));
  out.push_back(std::move(errors));
  out.push_back(std::move(malformed));
  out.push_back(std::move(overflow));
}

aggregator::snapshot aggregator::save() const {
  std::lock_guard lock(mutex_);
  snapshot s;
  s.operations.assign(operations_.begin(), operations_.end());
  s.malformed.assign(malformed_.begin(), malformed_.end());
  s.overflow_records = overflow_records_;
  return s;
}

void aggregator::restore(const snapshot& s) {
  std::lock_guard lock(mutex_);
  operations_.clear();
  labels_.clear();
  for (const auto& [name, counts] : s.operations) {
    operation_counts c = counts;
    c.buckets.resize(bucket_count(), 0);
    operations_.emplace(name, std::move(c));
    labels_.emplace(name, exposition::one_label(am::operation_label, name));
  }
  malformed_ = {s.malformed.begin(), s.malformed.end()};
  overflow_records_ = s.overflow_records;
}

}  // namespace perftrack::tail
