#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Metrics as Prometheus sees them, and their text formats: the model every
/// collector fills and the writers turn into a scrape. No I/O.
namespace perftrack::exposition {

enum class metric_type { counter, gauge, histogram };

/// A series' labels, escaped once when made: the text between the braces, e.g.
/// `operation="task_claim"`. Label values may hold any text: invalid UTF-8
/// becomes U+FFFD, and backslashes, quotes and newlines are escaped, so no
/// value can break a scrape.
class label_set {
public:
  label_set() = default;
  label_set(std::initializer_list<std::pair<std::string_view, std::string_view>> labels);
  /// Appends one label; `name` must match [a-zA-Z_][a-zA-Z0-9_]*.
  label_set& add(std::string_view name, std::string_view value);
  const std::string& text() const noexcept { return text_; }
  bool empty() const noexcept { return text_.empty(); }

private:
  std::string text_;
};

/// A histogram's upper bounds (ascending, finite, without +Inf) with their
/// `le` texts formatted once. Shared by the series of a family.
class bucket_layout {
public:
  explicit bucket_layout(std::vector<double> bounds);
  const std::vector<double>& bounds() const noexcept { return bounds_; }
  /// The `le` value of bound i, in OpenMetrics' canonical form ("0.005",
  /// "1.0", "30.0"), the same in both formats so a series keeps one name.
  const std::string& le(std::size_t i) const noexcept { return le_[i]; }
  /// The index of the first bound >= v (bounds().size() for +Inf).
  std::size_t bucket_of(double v) const noexcept;

private:
  std::vector<double> bounds_;
  std::vector<std::string> le_;
};

struct series {
  label_set labels;
  /// A counter's or gauge's value.
  double value = 0;
  /// A histogram's cumulative counts, one per bound (observations <= bound).
  std::vector<std::uint64_t> cumulative;
  /// A histogram's observation count: its +Inf bucket and its _count, written
  /// from this one number so the two always agree.
  std::uint64_t count = 0;
  double sum = 0;
};

/// One metric family. `name` is the full name of its samples: counters end in
/// `_total` (the OpenMetrics writer strips it for the family's TYPE line).
struct family {
  std::string name;
  std::string help;
  metric_type type = metric_type::gauge;
  /// The base unit the name ends with ("seconds", "bytes"), or empty.
  std::string unit;
  /// Histograms only.
  std::shared_ptr<const bucket_layout> layout;
  std::vector<series> samples;
};

/// A family of one unlabelled sample: most process and runtime gauges.
inline family single(std::string name, std::string help, metric_type type, double value,
                     std::string unit = {}) {
  family f{.name = std::move(name), .help = std::move(help), .type = type, .unit = std::move(unit)};
  f.samples.push_back({.value = value});
  return f;
}

/// The label set's text for one label.
inline label_set one_label(std::string_view name, std::string_view value) {
  return label_set{{name, value}};
}

}  // namespace perftrack::exposition
