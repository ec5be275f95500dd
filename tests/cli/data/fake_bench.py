#!/usr/bin/python3
"""A stand-in for a build's benchmark binary in perftrack ab's test: writes
Google Benchmark JSON with 10 repetitions of BM_Stable (same on both sides) and
BM_Slower (30% slower on the head side), honouring a name filter, and logs
each invocation so the test can check the ABBA order.

usage: fake_bench.py base|head OUT FILTER LOG
"""
import json
import random
import re
import sys

side, out, name_filter, log = sys.argv[1:5]
with open(log, "a") as f:
    f.write("%s %s\n" % (side, name_filter))
calls = sum(1 for _ in open(log))
rng = random.Random(calls)  # deterministic per invocation
rows = []
for name, base, head in (("BM_Stable", 100.0, 100.0), ("BM_Slower", 100.0, 130.0)):
    if not re.search(name_filter, name):
        continue
    center = base if side == "base" else head
    for i in range(10):
        t = center * (1 + rng.gauss(0, 0.01))
        rows.append({"name": name, "run_name": name, "run_type": "iteration",
                     "repetitions": 10, "repetition_index": i, "threads": 1,
                     "iterations": 1000, "real_time": t, "cpu_time": t, "time_unit": "ns"})
json.dump({"context": {"num_cpus": 2}, "benchmarks": rows}, open(out, "w"))
