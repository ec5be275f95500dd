// The recorder's resource samples (perf-resources.ndjson) per time column, and
// how each operation's p95 moves with them.

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "columns.hpp"
#include "perftrack/dashboard/dashboard.hpp"
#include "perftrack/store/timestamp.hpp"

namespace perftrack::dashboard {
namespace {

struct sample {
  std::int64_t ns = 0;
  double rss = 0, cpu = 0;
};

using by_process = std::map<std::pair<std::size_t, long>, std::vector<sample>>;

std::optional<sample> parse_sample(const std::string& line, long& pid) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto t = j.find("timestamp");
  const auto p = j.find("pid");
  const auto rss = j.find("rss_bytes");
  const auto cpu = j.find("cpu_seconds");
  if (t == j.end() || !t->is_string() || p == j.end() || !p->is_number_integer() ||
      rss == j.end() || !rss->is_number() || cpu == j.end() || !cpu->is_number()) {
    return std::nullopt;
  }
  const auto ns = store::parse_timestamp(t->get<std::string>());
  if (!ns) return std::nullopt;
  pid = p->get<long>();
  return sample{*ns, rss->get<double>(), cpu->get<double>()};
}

/// Every sample of every file by process (file and pid: pids are reused across
/// machines), in time order.
by_process read_samples(const std::vector<std::filesystem::path>& files, operations_view& v) {
  by_process out;
  for (std::size_t f = 0; f < files.size(); ++f) {
    std::ifstream in(files[f]);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      long pid = 0;
      const auto s = parse_sample(line, pid);
      if (!s) {
        ++v.resource_malformed;
        continue;
      }
      ++v.resource_samples;
      out[{f, pid}].push_back(*s);
    }
  }
  for (auto& [process, samples] : out) {
    std::stable_sort(samples.begin(), samples.end(),
                     [](const sample& a, const sample& b) { return a.ns < b.ns; });
  }
  return out;
}

/// Adds one process's per-column mean of `value(previous, sample)` (skipped
/// when it returns NaN) to `total`.
template <class Value>
void add_process(const operations_view& v, const std::vector<sample>& samples, Value value,
                 std::vector<double>& total) {
  std::vector<double> sum(v.columns, 0);
  std::vector<std::size_t> n(v.columns, 0);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::int64_t offset = samples[i].ns - v.start_ns;
    if (offset < 0) continue;
    const auto c = static_cast<std::size_t>(offset / v.width_ns);
    if (c >= v.columns) continue;
    const double x = value(i == 0 ? nullptr : &samples[i - 1], samples[i]);
    if (std::isnan(x)) continue;
    sum[c] += x;
    ++n[c];
  }
  for (std::size_t c = 0; c < v.columns; ++c) {
    if (n[c] == 0) continue;
    const double mean = sum[c] / static_cast<double>(n[c]);
    total[c] = std::isnan(total[c]) ? mean : total[c] + mean;
  }
}

std::vector<resource_series> per_column(const operations_view& v, const by_process& processes) {
  const double nan = std::nan("");
  resource_series rss{"rss_bytes", std::vector<double>(v.columns, nan)};
  resource_series cpu{"cpu_cores", std::vector<double>(v.columns, nan)};
  for (const auto& [process, samples] : processes) {
    add_process(
        v, samples, [](const sample*, const sample& s) { return s.rss; }, rss.values);
    // CPU seconds per second since the process's previous sample.
    add_process(
        v, samples,
        [nan](const sample* before, const sample& s) {
          if (before == nullptr || s.ns <= before->ns || s.cpu < before->cpu) return nan;
          return (s.cpu - before->cpu) / (static_cast<double>(s.ns - before->ns) / 1e9);
        },
        cpu.values);
  }
  return {rss, cpu};
}

std::vector<resource_correlation> correlate(const operations_view& v) {
  std::vector<resource_correlation> out;
  for (const auto& op : v.list) {
    for (const auto& r : v.resources) {
      if (const auto c = correlate_columns(op.p95, r.values))
        out.push_back({op.name, r.name, c->rho, c->n});
    }
  }
  strongest_first(out);
  return out;
}

}  // namespace

void add_resources(operations_view& v, const std::vector<std::filesystem::path>& files) {
  std::vector<std::filesystem::path> present;
  std::error_code ec;
  for (const auto& f : files) {
    if (std::filesystem::is_regular_file(f, ec)) present.push_back(f);
  }
  if (present.empty() || v.columns == 0) return;
  const auto processes = read_samples(present, v);
  if (processes.empty()) return;
  v.resources = per_column(v, processes);
  v.resource_correlations = correlate(v);
}

}  // namespace perftrack::dashboard
