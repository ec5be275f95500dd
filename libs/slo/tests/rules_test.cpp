#include "perftrack/slo/rules.hpp"

#include <gtest/gtest.h>

namespace perftrack::slo {
namespace {

TEST(RulesTest, ThresholdsAreExactDecimalsAndNamesAreEscaped) {
  auto set = parse_objectives(
      "[[objective]]\nname = \"we\\\"ird\\nname\"\nkind = \"success\"\n"
      "operations = [\"a.b|c\", \"d\"]\ntarget = 0.999\n",
      "test");
  ASSERT_TRUE(set) << set.error().message;
  const rule_files files = generate_rules(*set, {});
  EXPECT_NE(files.rules.find("> 0.0144 and"), std::string::npos) << files.rules;
  EXPECT_EQ(files.rules.find("0.01440000"), std::string::npos);
  // The regex alternation escapes the operation's metacharacters, then the
  // PromQL string its backslashes, then the YAML (JSON) string those again.
  EXPECT_NE(files.rules.find(R"(operation=~\"a\\\\.b\\\\|c|d\")"), std::string::npos)
      << files.rules;
  EXPECT_NE(files.rules.find(R"(\"we\\\"ird\\nname\")"), std::string::npos) << files.rules;
  EXPECT_NE(files.rules_test.find("fast burn"), std::string::npos);
  EXPECT_NE(files.alertmanager.find("pagerduty_configs"), std::string::npos);
}

TEST(RulesTest, PromqlStringsAndRegexLiterals) {
  EXPECT_EQ(promql_string("a\"b\\c\nd"), R"("a\"b\\c\nd")");
  EXPECT_EQ(promql_regex_literal("a.b*"), R"(a\.b\*)");
}

}  // namespace
}  // namespace perftrack::slo
