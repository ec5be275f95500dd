// The gate's speed goal: 1,000 benchmarks x 30 samples x 10,000 bootstrap
// resamples in under 2 s on 2 cores. Times compare() in process (median of 5)
// and writes the same data as Google Benchmark JSON (30 iteration rows per
// benchmark and side), so that scripts/bench/gate_peers.py can time
// `perftrack compare` end to end and the peers on identical input.
//
//   compare_bench [--benchmarks N] [--samples N] [--resamples N] [--out DIR]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "perftrack/gate/compare.hpp"

namespace {

using namespace perftrack::gate;

void write_google_benchmark(const result_set& r, const std::filesystem::path& file) {
  std::ofstream out(file);
  out << "{\n  \"context\": {\"num_cpus\": 2, \"library_build_type\": \"release\"},\n"
         "  \"benchmarks\": [\n";
  bool first = true;
  for (const auto& b : r.benchmarks) {
    const auto& s = b.metrics.front().samples;
    for (std::size_t i = 0; i < s.size(); ++i) {
      out << (first ? "" : ",\n") << "    {\"name\": \"" << b.name << "\", \"run_name\": \""
          << b.name << "\", \"run_type\": \"iteration\", \"repetitions\": " << s.size()
          << ", \"repetition_index\": " << i << ", \"threads\": 1, \"iterations\": 1000"
          << ", \"real_time\": " << s[i] << ", \"cpu_time\": " << s[i]
          << ", \"time_unit\": \"ns\"}";
      first = false;
    }
  }
  out << "\n  ]\n}\n";
}

}  // namespace

int main(int argc, char** argv) {
  int benchmarks = 1000, samples = 30, resamples = 10'000;
  std::filesystem::path out_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--benchmarks")
      benchmarks = std::atoi(argv[i + 1]);
    else if (flag == "--samples")
      samples = std::atoi(argv[i + 1]);
    else if (flag == "--resamples")
      resamples = std::atoi(argv[i + 1]);
    else if (flag == "--out")
      out_dir = argv[i + 1];
    else {
      std::fprintf(stderr,
                   "usage: compare_bench [--benchmarks N] [--samples N] "
                   "[--resamples N] [--out DIR]\n");
      return 2;
    }
  }
  // A suite like a real one: 5% cv, a few real changes.
  std::mt19937_64 g(7);
  std::normal_distribution<double> noise(0, 0.05);
  result_set base, cur;
  base.format = cur.format = "perftrack";
  for (int b = 0; b < benchmarks; ++b) {
    benchmark_result x;
    x.name = "suite/benchmark_" + std::to_string(b);
    x.category = "suite";
    metric m;
    m.name = "real_time";
    m.unit = "ns";
    x.metrics.push_back(m);
    benchmark_result y = x;
    const double center = 1000.0 * (1 + b % 17);
    const double shift = b % 50 == 0 ? 1.15 : 1.0;
    for (int s = 0; s < samples; ++s) {
      x.metrics[0].samples.push_back(center * std::exp(noise(g)));
      y.metrics[0].samples.push_back(center * shift * std::exp(noise(g)));
    }
    base.benchmarks.push_back(std::move(x));
    cur.benchmarks.push_back(std::move(y));
  }
  compare_options o;
  o.config.resamples = resamples;
  o.config.max_cv = 1;  // every row through the whole pipeline
  std::vector<double> seconds;
  comparison c;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    c = compare(base, cur, o);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf(
      "compare(): %d benchmarks x %d samples x %d resamples: median %.3f s, min %.3f s "
      "(5 runs); %zu critical, %zu unchanged\n",
      benchmarks, samples, resamples, seconds[2], seconds[0], c.count(severity::critical),
      c.count(severity::unchanged));
  if (!out_dir.empty()) {
    std::filesystem::create_directories(out_dir);
    write_google_benchmark(base, out_dir / "base.json");
    write_google_benchmark(cur, out_dir / "current.json");
  }
  return 0;
}
