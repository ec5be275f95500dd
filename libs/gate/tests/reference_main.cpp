// Prints the gate's statistics for data sets read from stdin, so that
// scipy_reference.py can check them against SciPy's. Input: {"cases": [{"a":
// [...], "b": [...], "table": [a, b, c, d] (optional)}]}; output: one object per
// case.

#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "perftrack/gate/statistics.hpp"

int main() {
  using json = nlohmann::json;
  using namespace perftrack::gate;
  const std::string text{std::istreambuf_iterator<char>(std::cin),
                         std::istreambuf_iterator<char>()};
  const json in = json::parse(text);
  json out = json::array();
  for (const auto& c : in["cases"]) {
    const auto a = c.at("a").template get<std::vector<double>>();
    const auto b = c.at("b").template get<std::vector<double>>();
    json r;
    const auto mwu = mann_whitney_u(a, b);
    r["mwu_p"] = mwu.p_value;
    r["mwu_u"] = mwu.statistic;
    r["mwu_exact"] = mwu.exact;
    if (a.size() == b.size()) {
      const auto w = wilcoxon_signed_rank(a, b);
      r["wilcoxon_p"] = w.p_value;
      r["wilcoxon_t"] = w.statistic;
      r["wilcoxon_exact"] = w.exact;
    }
    r["hd_a"] = harrell_davis_median(a);
    r["hd_b"] = harrell_davis_median(b);
    const auto ci = bootstrap_median_ratio(a, b, seed_for("reference"));
    r["ratio"] = ci.estimate;
    r["ci_low"] = ci.low;
    r["ci_high"] = ci.high;
    if (c.contains("table")) {
      const auto t = c.at("table").template get<std::vector<std::int64_t>>();
      r["fisher_p"] = fisher_exact(t[0], t[1], t[2], t[3]);
    }
    out.push_back(r);
  }
  std::cout << out.dump() << '\n';
}
