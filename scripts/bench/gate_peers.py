#!/usr/bin/python3
"""The regression gate's speed next to its peers on identical input: the Google
Benchmark JSON files that compare_bench wrote (1,000 benchmarks x 30
repetitions, real_time and cpu_time each).

  perftrack compare: Mann-Whitney U + 10,000-resample bootstrap interval + BH,
                     every benchmark and metric, end to end (reading the files)
  compare.py:        Google Benchmark's tool (libbenchmark-tools): U test only
  SciPy:             mannwhitneyu + bootstrap (10,000 resamples, vectorized),
                     the same statistics done per row in Python

usage: gate_peers.py PERFTRACK DIR [--scipy-rows N]
"""

import json
import subprocess
import sys
import time

import numpy as np
from scipy import stats


def timed(cmd, runs):
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    perftrack, folder = sys.argv[1], sys.argv[2]
    scipy_rows = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--scipy-rows" else 200
    base, cur = folder + "/base.json", folder + "/current.json"
    rows = {}
    for path, side in ((base, 0), (cur, 1)):
        for r in json.load(open(path))["benchmarks"]:
            for metric in ("real_time", "cpu_time"):
                rows.setdefault((r["name"], metric), ([], []))[side].append(r[metric])
    n_rows = len(rows)

    ours = timed([perftrack, "compare", "--results", cur, "--baseline", base], 3)
    gbench = timed(["/usr/bin/python3", "/usr/share/benchmark/compare.py", "benchmarks", base, cur],
                   1)
    # SciPy on a subset of rows, scaled to all of them.
    keys = list(rows)[:scipy_rows]
    t0 = time.perf_counter()
    for k in keys:
        a, b = np.array(rows[k][0]), np.array(rows[k][1])
        stats.mannwhitneyu(a, b, alternative="two-sided")
        stats.bootstrap((a, b), lambda x, y, axis=-1: np.median(y, axis) / np.median(x, axis) - 1,
                        vectorized=True, n_resamples=10000, method="percentile",
                        random_state=np.random.default_rng(1))
    scipy_all = (time.perf_counter() - t0) * n_rows / len(keys)

    print("| tool | what it computes | time for %d rows | perftrack faster by |" % n_rows)
    print("|---|---|---:|---:|")
    print("| perftrack compare | U test + 10,000-resample bootstrap + BH + verdicts | %.2f s | 1.0x |"
          % ours)
    print("| Google Benchmark compare.py | U test only | %.2f s | %.1fx |" % (gbench, gbench / ours))
    print("| SciPy (mannwhitneyu + bootstrap), %d rows scaled | U test + bootstrap | %.1f s | %.0fx |"
          % (len(keys), scipy_all, scipy_all / ours))


if __name__ == "__main__":
    main()
