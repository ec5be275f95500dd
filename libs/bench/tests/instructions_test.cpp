// Instruction counts: reading Callgrind's output, and what counting does
// outside Callgrind. (The counts themselves are checked under Valgrind by the
// CLI test bench_instruction_counts.)

#include "perftrack/bench/instructions.hpp"

#include <gtest/gtest.h>

#include "perftrack/bench/runner.hpp"

namespace perftrack::bench {
namespace {

TEST(InstructionsTest, CostsComeFromTheEventsAndSummaryLines) {
  // As Callgrind 3.19 writes it: trailing zero counts are left out.
  const std::string text =
      "version: 1\ncreator: callgrind-3.19.0\ncmd: perftrack bench\n"
      "desc: LL cache: 8388608 B, 64 B, 16-way associative\n"
      "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
      "fn=(1) main\n5 100 20\n"
      "summary: 12018 2002 2008 2 3 1 2\n"
      "totals: 12018 2002 2008 2 3 1 2\n";
  const auto c = parse_callgrind_costs(text, "callgrind.out.1");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->instructions, 12018);
  // Ir + 10 x (I1mr + D1mr + D1mw) + 100 x (ILmr + DLmr + DLmw)
  EXPECT_EQ(c->estimated_cycles, 12018 + 10 * (2 + 3 + 1) + 100 * 2);
}

TEST(InstructionsTest, TextThatIsNotCallgrindOutputIsAnError) {
  const auto none = parse_callgrind_costs("hello\n", "x.out");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("x.out has no \"events:\""), std::string::npos);
  const auto no_ir = parse_callgrind_costs("events: Dr Dw\nsummary: 1 2\n", "y.out");
  ASSERT_FALSE(no_ir);
  EXPECT_NE(no_ir.error().message.find("no instructions (Ir)"), std::string::npos);
}

TEST(InstructionsTest, CountingOutsideCallgrindIsAnErrorResultNotACrash) {
  registry reg;
  reg.add({.name = "c/counted",
           .category = "c",
           .kind = kind::micro,
           .unit = "ns",
           .body = [](state& s) { do_not_optimize(s.iterations()); },
           .count_instructions = true});
  reg.add(
      {.name = "c/timed", .category = "c", .kind = kind::micro, .unit = "ns", .body = [](state& s) {
         do_not_optimize(s.iterations());
       }});
  run_options o;
  o.repetitions = 2;
  o.callgrind_out = std::filesystem::temp_directory_path() / "perftrack-no-such-callgrind.out";
  o.micro_target = std::chrono::microseconds(10);
  const runner counting(o);
  const suite_config config;
  const auto counted = counting.run(reg.all()[0], config);
  EXPECT_EQ(counted.status, run_status::error);
  EXPECT_NE(counted.reason.find("Callgrind wrote no"), std::string::npos);
  const auto timed = counting.run(reg.all()[1], config);
  EXPECT_EQ(timed.status, run_status::skipped);
  EXPECT_TRUE(timed.counts.empty());
}

}  // namespace
}  // namespace perftrack::bench
