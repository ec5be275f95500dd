// Writes a realistic metrics file for the report benchmarks: the 20 coordination
// operations with log-normal durations, about 1% failures, sessions and contexts,
// timestamps spread evenly over the days before --end. Deterministic for a seed.
//
//   generate_metrics OUT.jsonl --bytes 1000000000 [--days 30] [--end 2026-01-31] [--seed 1]

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "perftrack/store/timestamp.hpp"

namespace {

struct op_profile {
  const char* name;
  double median_ms;
  double sigma;
  double failure_rate;
};

constexpr op_profile profiles[] = {
    {"agent_register", 4.0, 0.6, 0.002},
    {"agent_send", 0.8, 0.5, 0.005},
    {"agent_messages", 1.2, 0.5, 0.001},
    {"agent_status", 0.6, 0.4, 0.001},
    {"agent_update_status", 1.5, 0.5, 0.002},
    {"agent_set_handoff", 2.0, 0.5, 0.001},
    {"task_create", 3.0, 0.6, 0.004},
    {"task_update", 2.5, 0.6, 0.003},
    {"task_claim", 5.0, 0.8, 0.02},
    {"task_list", 7.0, 0.7, 0.001},
    {"task_next", 4.5, 0.7, 0.01},
    {"task_schedule", 2.2, 0.5, 0.002},
    {"task_spawn", 6.0, 0.7, 0.005},
    {"message_send", 0.9, 0.5, 0.004},
    {"message_read", 0.7, 0.5, 0.001},
    {"message_deliver", 3.5, 0.9, 0.015},
    {"leader_register", 8.0, 0.5, 0.002},
    {"leader_heartbeat", 1.1, 0.4, 0.003},
    {"leader_election", 45.0, 0.9, 0.03},
    {"leader_failover", 120.0, 0.8, 0.05},
};
// How often each operation happens relative to the others.
constexpr double weights[] = {1, 12, 10, 4, 6, 1, 8, 8, 10, 3, 6, 2, 3, 12, 12, 6, 1, 8, 1, 1};

struct options {
  const char* out_path = nullptr;
  std::uint64_t bytes = 100'000'000;
  std::int64_t days = 30;
  std::int64_t end = *perftrack::store::parse_timestamp("2026-01-31T00:00:00Z");
  std::uint64_t seed = 1;
};

/// The options, or nullopt after printing what is wrong.
std::optional<options> parse_args(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(
        stderr, "usage: generate_metrics OUT.jsonl --bytes N [--days D] [--end DATE] [--seed S]\n");
    return std::nullopt;
  }
  options o;
  o.out_path = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* v = argv[i + 1];
    const char* v_end = v + std::strlen(v);
    if (flag == "--bytes") std::from_chars(v, v_end, o.bytes);
    if (flag == "--days") std::from_chars(v, v_end, o.days);
    if (flag == "--seed") std::from_chars(v, v_end, o.seed);
    if (flag == "--end") {
      const auto t = perftrack::store::parse_timestamp(std::string(v) + "T00:00:00Z");
      if (!t) {
        std::fprintf(stderr, "error: --end takes a date like 2026-01-31\n");
        return std::nullopt;
      }
      o.end = *t;
    }
  }
  return o;
}

/// Draws records: an operation by weight, a log-normal duration, a failure by
/// the operation's rate.
class generator {
public:
  explicit generator(std::uint64_t seed)
      : rng_(seed), pick_(std::begin(weights), std::end(weights)) {}

  /// Appends record number `n`, stamped `t`, as one line.
  void append(std::string& buf, std::uint64_t n, std::int64_t t) {
    const op_profile& op = profiles[pick_(rng_)];
    const double ms = op.median_ms * std::exp(op.sigma * normal_(rng_));
    const bool ok = unit_(rng_) >= op.failure_rate;
    char ts[perftrack::store::timestamp_length];
    perftrack::store::format_timestamp(t, ts);
    char dur[32];
    std::snprintf(dur, sizeof dur, "%.3f", ms);
    const auto session = static_cast<unsigned>(n % 64);
    buf += "{\"timestamp\":\"";
    buf.append(ts, sizeof ts);
    buf += "\",\"operation_type\":\"";
    buf += op.name;
    buf += "\",\"duration_ms\":";
    buf += dur;
    buf += ok ? ",\"success\":true" : ",\"success\":false";
    buf += ",\"session_id\":\"ses_";
    buf += std::to_string(1000 + session);
    buf += ok ? "\",\"error\":null" : "\",\"error\":\"lease expired before completion\"";
    if (n % 4 == 0) {
      buf += ",\"context\":{\"agents\":";
      buf += std::to_string(2 + session % 30);
      buf += ",\"priority\":\"high\"}";
    }
    buf += "}\n";
  }

private:
  std::mt19937_64 rng_;
  std::discrete_distribution<std::size_t> pick_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

}  // namespace

int main(int argc, char** argv) {
  const auto o = parse_args(argc, argv);
  if (!o) return 2;
  std::FILE* out = std::fopen(o->out_path, "wb");
  if (out == nullptr) {
    std::perror(o->out_path);
    return 1;
  }
  generator gen(o->seed);
  // Timestamps advance with the bytes written, so records spread evenly over the
  // span whatever their size.
  const std::int64_t span = o->days * 86'400'000'000'000LL;
  const std::int64_t start = o->end - span;
  std::string buf;
  buf.reserve(1 << 22);
  std::uint64_t written = 0;
  std::uint64_t records = 0;
  while (written + buf.size() < o->bytes) {
    const double progress =
        static_cast<double>(written + buf.size()) / static_cast<double>(o->bytes);
    gen.append(buf, records++,
               start + static_cast<std::int64_t>(progress * static_cast<double>(span)));
    if (buf.size() >= (1 << 22)) {
      written += std::fwrite(buf.data(), 1, buf.size(), out);
      buf.clear();
    }
  }
  written += std::fwrite(buf.data(), 1, buf.size(), out);
  if (std::fclose(out) != 0) {
    std::perror(o->out_path);
    return 1;
  }
  std::printf("%llu records, %llu bytes\n", static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(written));
  return 0;
}
