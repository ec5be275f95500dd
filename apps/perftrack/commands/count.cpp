#include "commands/count.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands/common.hpp"
#include "perftrack/bench/harness.hpp"
#include "perftrack/bench/instructions.hpp"

namespace perftrack::cli::count_command {

CLI::App* add(CLI::App& app, options& o) {
  CLI::App* cmd = app.add_subcommand(
      "count", "Count a Google Benchmark program's instructions per iteration under Callgrind");
  cmd->add_option("--repetitions", o.repetitions, "Counted repetitions per benchmark (default 5)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--json", o.json, "Write the counts here (default: standard output)");
  cmd->add_option("program", o.program, "The program and its arguments, after --")->required();
  return cmd;
}

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The costs of the benchmark loops, in order: Callgrind's dumps taken when a
// loop ends (before FinishKeepRunning), each from the loop's start (the dump
// after StartKeepRunning resets the count).
expected<std::vector<bench::callgrind_costs>> loop_costs(const fs::path& dir) {
  std::vector<bench::callgrind_costs> out;
  for (int k = 1;; ++k) {
    const fs::path dump = dir / fmt::format("callgrind.out.{}", k);
    if (!fs::exists(dump)) break;
    const std::string text = read_text(dump);
    if (text.find("Trigger: --dump-before=benchmark::State::FinishKeepRunning") ==
        std::string::npos)
      continue;
    auto c = bench::parse_callgrind_costs(text, dump.string());
    if (!c) return failure{c.error().message};
    out.push_back(c.value());
  }
  return out;
}

// Google Benchmark's iteration rows with the counts per iteration in place of
// the times (which mean nothing under Valgrind); each benchmark's first
// repetition is its warm-up and is left out.
expected<json> with_counts(json doc, const std::vector<bench::callgrind_costs>& costs) {
  json rows = json::array();
  std::size_t k = 0;
  for (auto& row : doc["benchmarks"]) {
    if (row.value("run_type", "iteration") != "iteration") continue;
    if (row.value("threads", 1) != 1)
      return failure{row.value("name", "?") +
                     " runs on several threads: only single-threaded "
                     "benchmarks can be counted"};
    if (k >= costs.size()) break;
    const auto& c = costs[k++];
    if (row.value("repetition_index", 0) == 0) continue;
    const double iterations = std::max(1.0, row.value("iterations", 1.0));
    json out = {{"name", row["name"]},
                {"run_name", row.value("run_name", row["name"].get<std::string>())},
                {"run_type", "iteration"},
                {"repetitions", row.value("repetitions", 1) - 1},
                {"repetition_index", row.value("repetition_index", 1) - 1},
                {"threads", 1},
                {"iterations", iterations},
                {"instructions", c.instructions / iterations},
                {"estimated_cycles", c.estimated_cycles / iterations}};
    rows.push_back(std::move(out));
  }
  if (k != costs.size() || rows.empty()) {
    return failure{fmt::format(
        "the program's {} benchmark runs and Callgrind's {} loop dumps do not pair up: is it a "
        "Google Benchmark program, with single-threaded benchmarks?",
        k, costs.size())};
  }
  doc["benchmarks"] = std::move(rows);
  doc["context"]["counted_by"] = "perftrack count (Callgrind)";
  return doc;
}

}  // namespace

int run(const options& o, std::ostream& out, std::ostream& err) {
  if (!bench::valgrind_can_run_this_build())
    return fail(err, "this perftrack is a sanitizer build; count with a release build");
  const fs::path dir = fs::temp_directory_path() / fmt::format("perftrack-count-{}", ::getpid());
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::vector<std::string> args{"valgrind"};
  for (auto& a : bench::callgrind_arguments(dir / "callgrind.out", true))
    args.push_back(std::move(a));
  args.insert(args.end(), {"--dump-after=benchmark::State::StartKeepRunning*",
                           "--dump-before=benchmark::State::FinishKeepRunning*"});
  args.insert(args.end(), o.program.begin(), o.program.end());
  // One iteration per repetition (min_time 0), one more repetition as warm-up.
  args.insert(
      args.end(),
      {"--benchmark_min_time=0", fmt::format("--benchmark_repetitions={}", o.repetitions + 1),
       "--benchmark_out_format=json", "--benchmark_out=" + (dir / "gb.json").string()});
  const std::string ended = bench::run_process("valgrind", args);
  const auto cleanup = [&] { fs::remove_all(dir, ec); };
  if (!ended.empty()) {
    const std::string log = read_text(dir / "callgrind.out.log");
    cleanup();
    return fail(err, fmt::format("{} under Callgrind {}{}", o.program[0], ended,
                                 log.empty() ? "" : ": " + log.substr(0, 500)));
  }
  json doc;
  try {
    doc = json::parse(read_text(dir / "gb.json"));
  } catch (const std::exception& e) {
    cleanup();
    return fail(err, fmt::format("{} wrote no Google Benchmark JSON ({})", o.program[0], e.what()));
  }
  auto costs = loop_costs(dir);
  cleanup();
  if (!costs) return fail(err, costs.error().message);
  auto counted = with_counts(std::move(doc), costs.value());
  if (!counted) return fail(err, counted.error().message);
  const std::string text = counted.value().dump(2) + "\n";
  if (o.json.empty()) {
    out << text;
  } else {
    std::ofstream f(o.json);
    f << text;
    if (!f) return fail(err, "cannot write " + o.json);
  }
  return exit_ok;
}

}  // namespace perftrack::cli::count_command
