#!/usr/bin/env python3
"""How the peers' code and ours move together between runs of unchanged code
(docs/compare.md, rule 12): for each pair of perftrack results files, the
median change of the peers' timings and the median change of ours, each as
"slower" (positive: took longer), and over all pairs their correlation and the
slope of ours on the peers' (least squares through the origin).

    scripts/peers_drift.py RUN.json RUN.json [RUN.json ...]

A row is a peer's when the results mark it with "peer" (perftrack bench since
the peers became references); only timings are read (units ns or .../s).
"""
import itertools
import json
import math
import statistics
import sys


def slower_by_benchmark(path):
    """{name: (log slower, is_peer)} of the file's timed benchmarks."""
    out = {}
    with open(path) as f:
        doc = json.load(f)
    for b in doc["benchmarks"]:
        median = (b.get("stats") or {}).get("median")
        timed = b.get("unit") == "ns" or str(b.get("unit", "")).endswith("/s")
        if b.get("status") != "ok" or not timed or not median or median <= 0:
            continue
        sign = 1 if b.get("direction") == "lower_is_better" else -1
        out[b["name"]] = (sign * math.log(median), bool(b.get("peer")))
    return out


def percent(log_change):
    return 100 * math.expm1(log_change)


def main(files):
    runs = {f: slower_by_benchmark(f) for f in files}
    peers_x, ours_y = [], []
    print(f"{'baseline':<28} {'current':<28} {'peers':>8} {'ours':>8}")
    for a, b in itertools.combinations(files, 2):
        common = runs[a].keys() & runs[b].keys()
        peers = [runs[b][k][0] - runs[a][k][0] for k in common if runs[a][k][1]]
        ours = [runs[b][k][0] - runs[a][k][0] for k in common if not runs[a][k][1]]
        if len(peers) < 3 or not ours:
            continue
        x, y = statistics.median(peers), statistics.median(ours)
        peers_x.append(x)
        ours_y.append(y)
        print(f"{a[-28:]:<28} {b[-28:]:<28} {percent(x):+7.1f}% {percent(y):+7.1f}%")
    if len(peers_x) < 3:
        sys.exit("peers_drift.py: fewer than 3 pairs with at least 3 peers' timings each")
    corr = statistics.correlation(peers_x, ours_y)
    slope = sum(x * y for x, y in zip(peers_x, ours_y)) / sum(x * x for x in peers_x)
    print(f"{len(peers_x)} pairs: correlation {corr:.2f}, ours = {slope:.2f} x the peers' drift")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
