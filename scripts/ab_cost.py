#!/usr/bin/env python3
"""What a change costs, from a `perftrack ab --json` report (base: without
it, head: with it): the geometric mean of the benchmarks' median cost ratios
(head / base; a time that grew and a throughput that fell are both a cost),
and the five largest. Used by scripts/frame_pointer_cost.sh and
scripts/continuous_overhead.sh.

    ab_cost.py AB.json LABEL
"""
import json
import math
import sys

report, label = sys.argv[1], sys.argv[2]
rows = [r for r in json.load(open(report))["results"]
        if isinstance(r.get("change"), (int, float)) and r["change"] > -1]
ratios = [(1 + r["change"]) if r["direction"] == "lower_is_better" else 1 / (1 + r["change"])
          for r in rows]
g = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
worst = sorted(zip(ratios, [r["benchmark"] for r in rows]), reverse=True)[:5]
print(f"{label}: geometric mean cost ratio {g:.4f} ({100 * (g - 1):+.2f}%) over {len(ratios)} benchmarks")
print("largest: " + ", ".join(f"{b} {100 * (x - 1):+.1f}%" for x, b in worst))
