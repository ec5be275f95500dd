#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "perftrack/base/string_map.hpp"
#include "perftrack/exposition/metrics.hpp"

namespace perftrack::tail {

/// One operation's counts over the fixed duration buckets.
struct operation_counts {
  /// Per bucket (not cumulative): one per bound, then +Inf.
  std::vector<std::uint64_t> buckets;
  double sum_seconds = 0;
  std::uint64_t errors = 0;
};

/// The counters a tailer keeps: per operation (up to `max_series` distinct
/// names, then one overflow series), malformed lines by reason, and the records
/// the overflow series absorbed. One writer applies a batch under the lock;
/// scrapes and checkpoints copy under it, so a scrape never sees a histogram
/// whose +Inf bucket differs from its count.
class aggregator {
public:
  explicit aggregator(std::size_t max_series = 2000);

  /// Holds the lock for a batch of add() calls.
  class batch {
  public:
    explicit batch(aggregator& a) : a_(a), lock_(a.mutex_) {}
    void add(std::string_view operation, double duration_ms, bool success);
    void malformed(std::string_view reason);

  private:
    aggregator& a_;
    std::lock_guard<std::mutex> lock_;
  };

  /// The agent_operation_* families and perftrack_tail_malformed_lines_total,
  /// perftrack_series_overflow_records_total.
  void collect(std::vector<exposition::family>& out) const;

  /// A consistent copy, for checkpoints.
  struct snapshot {
    std::vector<std::pair<std::string, operation_counts>> operations;
    std::vector<std::pair<std::string, std::uint64_t>> malformed;
    std::uint64_t overflow_records = 0;
  };
  snapshot save() const;
  /// Replaces every counter with `s` (a checkpoint being restored).
  void restore(const snapshot& s);

  std::size_t bucket_count() const noexcept { return bounds_.size() + 1; }

private:
  operation_counts& counts_for(std::string_view operation);

  mutable std::mutex mutex_;
  std::vector<double> bounds_;
  std::size_t max_series_;
  string_map<operation_counts> operations_;
  string_map<exposition::label_set> labels_;
  string_map<std::uint64_t> malformed_;
  std::uint64_t overflow_records_ = 0;
};

}  // namespace perftrack::tail
