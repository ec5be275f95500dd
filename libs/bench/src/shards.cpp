#include "perftrack/bench/shards.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace perftrack::bench {
namespace {

using json = nlohmann::json;

// The kinds and directions by name (benchmark.hpp's name() gives the inverse).
bench::kind kind_of(std::string_view s) {
  for (const auto k : {kind::micro, kind::throughput, kind::latency, kind::memory}) {
    if (name(k) == s) return k;
  }
  throw std::runtime_error("unknown kind '" + std::string(s) + "'");
}

bench::direction direction_of(std::string_view s) {
  return name(direction::higher_is_better) == s ? direction::higher_is_better
                                                : direction::lower_is_better;
}

json to_json(const result& r) {
  json j{{"name", r.name},
         {"category", r.category},
         {"kind", std::string(name(r.kind))},
         {"unit", r.unit},
         {"status", std::string(name(r.status))},
         {"direction", std::string(name(r.direction))},
         {"reason", r.reason},
         {"samples", r.samples},
         {"wall_ns", r.wall_ns},
         {"cpu_ns", r.cpu_ns},
         {"iterations", r.iterations},
         {"latency_count", r.latency_count},
         {"latencies", r.latencies},
         {"counters", r.counters},
         {"peak_rss_bytes", r.peak_rss_bytes},
         {"peer", r.peer}};
  if (!r.counts.empty()) {
    j["counts"] = {{"unit", r.counts.unit},
                   {"instructions", r.counts.instructions},
                   {"estimated_cycles", r.counts.estimated_cycles}};
  }
  return j;
}

result from_json(const json& j) {
  result r;
  r.name = j.at("name").get<std::string>();
  r.category = j.at("category").get<std::string>();
  r.kind = kind_of(j.at("kind").get<std::string>());
  r.unit = j.at("unit").get<std::string>();
  r.direction = direction_of(j.at("direction").get<std::string>());
  r.status = parse_run_status(j.at("status").get<std::string>());
  r.reason = j.at("reason").get<std::string>();
  r.samples = j.at("samples").get<std::vector<double>>();
  r.wall_ns = j.at("wall_ns").get<std::vector<double>>();
  r.cpu_ns = j.at("cpu_ns").get<std::vector<double>>();
  r.iterations = j.at("iterations").get<std::uint64_t>();
  r.latency_count = j.at("latency_count").get<std::size_t>();
  r.latencies = j.at("latencies").get<std::vector<double>>();
  r.counters = j.at("counters").get<std::map<std::string, double>>();
  r.peak_rss_bytes = j.at("peak_rss_bytes").get<double>();
  r.peer = j.at("peer").get<std::string>();
  if (const auto c = j.find("counts"); c != j.end()) {
    r.counts.unit = c->at("unit").get<std::string>();
    r.counts.instructions = c->at("instructions").get<std::vector<double>>();
    r.counts.estimated_cycles = c->at("estimated_cycles").get<std::vector<double>>();
  }
  return r;
}

}  // namespace

std::string encode_shard(const std::vector<result>& results) {
  json doc = json::array();
  for (const auto& r : results) doc.push_back(to_json(r));
  const auto bytes = json::to_msgpack(doc);
  return {bytes.begin(), bytes.end()};
}

expected<std::vector<result>> decode_shard(std::string_view bytes, std::string_view source) {
  try {
    const json doc = json::from_msgpack(bytes.begin(), bytes.end());
    std::vector<result> out;
    for (const auto& j : doc) out.push_back(from_json(j));
    return out;
  } catch (const std::exception& e) {
    return failure{std::string(source) + " is not a shard of perftrack bench: " + e.what() +
                   " (was the process killed while writing it?)"};
  }
}

void merge_into(result& into, const result& part, std::size_t max_latencies) {
  if (into.status != run_status::ok) return;
  if (part.status != run_status::ok) {
    into.status = part.status;
    into.reason = part.reason;
    return;
  }
  const auto append = [](std::vector<double>& to, const std::vector<double>& from) {
    to.insert(to.end(), from.begin(), from.end());
  };
  append(into.samples, part.samples);
  append(into.wall_ns, part.wall_ns);
  append(into.cpu_ns, part.cpu_ns);
  const std::size_t room = max_latencies - std::min(max_latencies, into.latencies.size());
  into.latencies.insert(
      into.latencies.end(), part.latencies.begin(),
      part.latencies.begin() + static_cast<std::ptrdiff_t>(std::min(room, part.latencies.size())));
  into.latency_count += part.latency_count;
  // Micro benchmarks calibrate per process: the samples are per iteration, so
  // they compare; the file keeps the smallest count.
  into.iterations = std::min(into.iterations, part.iterations);
  for (const auto& [k, v] : part.counters) into.counters[k] = v;  // the latest reading
  into.peak_rss_bytes = std::max(into.peak_rss_bytes, part.peak_rss_bytes);
}

std::vector<result> merge_shards(const std::vector<std::vector<result>>& shards,
                                 std::size_t max_latencies) {
  std::vector<result> out;
  for (const auto& shard : shards) {
    for (const auto& part : shard) {
      const auto it = std::find_if(out.begin(), out.end(),
                                   [&](const result& r) { return r.name == part.name; });
      if (it == out.end()) {
        out.push_back(part);
        out.back().latencies.resize(std::min(max_latencies, part.latencies.size()));
      } else {
        merge_into(*it, part, max_latencies);
      }
    }
  }
  for (auto& r : out) {
    if (r.status == run_status::ok && r.kind == kind::latency)
      r.latency = latency_summary(r.latencies);
    r.latencies.clear();
    r.latencies.shrink_to_fit();
    finish(r);
  }
  return out;
}

std::vector<std::string> attach_counts(std::vector<result>& timed,
                                       const std::vector<result>& counted) {
  std::vector<std::string> problems;
  for (const auto& c : counted) {
    const auto it =
        std::find_if(timed.begin(), timed.end(), [&](const result& r) { return r.name == c.name; });
    if (it == timed.end()) continue;
    if (c.status != run_status::ok) {
      problems.push_back(c.name + ": " + c.reason);
    } else if (it->status == run_status::ok) {  // each counted process's, in order
      auto& counts = it->counts;
      counts.unit = c.counts.unit;
      counts.instructions.insert(counts.instructions.end(), c.counts.instructions.begin(),
                                 c.counts.instructions.end());
      counts.estimated_cycles.insert(counts.estimated_cycles.end(),
                                     c.counts.estimated_cycles.begin(),
                                     c.counts.estimated_cycles.end());
    }
  }
  return problems;
}

std::vector<int> repetitions_per_process(int repetitions, int processes) {
  processes = std::clamp(processes, 1, std::max(repetitions, 1));
  std::vector<int> out(static_cast<std::size_t>(processes), repetitions / processes);
  for (int i = 0; i < repetitions % processes; ++i) ++out[static_cast<std::size_t>(i)];
  return out;
}

}  // namespace perftrack::bench
