#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "perftrack/top/source.hpp"

namespace perftrack::top {

enum class sort_key { p99, rate, errors, name };

/// "p99", "rate", "errors", "name".
std::string_view name(sort_key k) noexcept;

struct view_options {
  /// Percentiles are over the events of this last stretch of time.
  std::chrono::seconds window{10};
  /// How many readings each operation's trend keeps (300: five minutes at 1 s).
  std::size_t history = 300;
};

/// One operation as the screen shows it.
struct row {
  std::string operation;
  double rate = 0;        ///< events per second since the previous reading
  double error_rate = 0;  ///< failures per second since the previous reading
  std::uint64_t total = 0;
  std::uint64_t errors = 0;
  /// Seconds, over the window's events (histogram_quantile's estimate); NaN
  /// when the window has no event.
  double p50 = 0, p95 = 0, p99 = 0;
  /// The p99 between consecutive readings, oldest first, NaN where there was
  /// no event: up to view_options::history values.
  std::vector<double> trend;
};

/// The live state: successive readings turned into rates, windowed
/// percentiles and trends. A counter that goes down (the source restarted)
/// counts as a reset, as Prometheus' rate() takes it.
class view {
public:
  explicit view(view_options options = {});

  /// A reading taken at `now_ns`. The first one only sets the starting point.
  void add(std::int64_t now_ns, const reading& r);
  std::vector<row> rows(sort_key key) const;
  std::size_t readings() const noexcept { return readings_; }

private:
  struct tick {
    std::int64_t at_ns = 0;
    std::vector<std::uint64_t> buckets;  ///< events between the previous reading and this one
    std::uint64_t errors = 0;
  };
  struct state {
    operation_totals last;
    std::deque<tick> recent;  ///< within the window
    std::deque<double> trend;
    double rate = 0, error_rate = 0;
  };
  void advance(state& s, std::int64_t now_ns, double seconds, const operation_totals& now) const;

  view_options options_;
  std::map<std::string, state, std::less<>> operations_;
  std::int64_t last_ns_ = 0;
  std::size_t readings_ = 0;
};

}  // namespace perftrack::top
