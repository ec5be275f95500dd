#!/usr/bin/python3
"""The regression gate's speed next to its peers on identical input: the Google
Benchmark JSON files that compare_bench wrote (1,000 benchmarks x 30
repetitions, real_time and cpu_time each).

  perftrack compare: Mann-Whitney U + 10,000-resample bootstrap interval + BH,
                     every benchmark and metric, end to end (reading the files)
  compare.py:        Google Benchmark's tool (libbenchmark-tools): U test only
  SciPy:             mannwhitneyu + bootstrap (10,000 resamples, vectorized),
                     the same statistics done per row in Python, every row

Every tool is timed the same way: a separate process (this script again with
--scipy for SciPy), wall time, the median of --runs runs (default 3).
The p-values of perftrack and SciPy must agree on every row (to 1e-9): the
script fails otherwise.

usage: gate_peers.py PERFTRACK DIR [--runs N]
       gate_peers.py --scipy DIR     (the SciPy side, on every row)
"""

import json
import statistics
import subprocess
import sys
import time

import numpy as np
from scipy import stats


def timed(cmd, runs):
    """Median wall time of `runs` runs of `cmd`, and the last run's stdout."""
    times, out = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        times.append(time.perf_counter() - t0)
        out = r.stdout
    return statistics.median(times), out


def load_rows(folder):
    base, cur = folder + "/base.json", folder + "/current.json"
    rows = {}
    for path, side in ((base, 0), (cur, 1)):
        for r in json.load(open(path))["benchmarks"]:
            for metric in ("real_time", "cpu_time"):
                rows.setdefault((r["name"], metric), ([], []))[side].append(r[metric])
    return base, cur, rows


def scipy_side(folder):
    """Every row's U test and bootstrap interval; prints the p-values as JSON."""
    _, _, rows = load_rows(folder)
    p = {}
    for (name, metric), (a, b) in rows.items():
        a, b = np.array(a), np.array(b)
        p[name + "\t" + metric] = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
        stats.bootstrap((a, b), lambda x, y, axis=-1: np.median(y, axis) / np.median(x, axis) - 1,
                        vectorized=True, n_resamples=10000, method="percentile",
                        random_state=np.random.default_rng(1))
    print(json.dumps(p))


def main():
    if sys.argv[1] == "--scipy":
        return scipy_side(sys.argv[2])
    perftrack, folder = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--runs" else 3
    base, cur, rows = load_rows(folder)
    n_rows = len(rows)

    ours, report = timed([perftrack, "compare", "--results", cur, "--baseline", base,
                          "--fail-on", "never", "--json", "-"], runs)
    gbench, _ = timed(["/usr/bin/python3", "/usr/share/benchmark/compare.py", "benchmarks", base,
                       cur], runs)
    scipy_time, scipy_out = timed(["/usr/bin/python3", __file__, "--scipy", folder], runs)

    # The same statistics: every row's p-value, perftrack's against SciPy's.
    theirs = json.loads(scipy_out)
    # --json - prints the report after the console table: the JSON starts at its first "{" line.
    text = report[report.index("\n{") + 1:] if not report.startswith("{") else report
    mine = {r["benchmark"] + "\t" + r["metric"]: r["p_value"] for r in json.loads(text)["results"]}
    bad = [k for k in theirs if k not in mine or mine[k] is None or abs(mine[k] - theirs[k]) > 1e-9]
    if bad:
        for k in bad[:10]:
            print("DISAGREE %s: perftrack %r, SciPy %r" % (k, mine.get(k), theirs[k]))
        raise SystemExit("%d of %d p-values disagree with SciPy" % (len(bad), n_rows))

    print("| tool | what it computes | time for %d rows (median of %d) | perftrack faster by |"
          % (n_rows, runs))
    print("|---|---|---:|---:|")
    print("| perftrack compare | U test + 10,000-resample bootstrap + BH + verdicts | %.2f s | 1.0x |"
          % ours)
    print("| Google Benchmark compare.py | U test only | %.2f s | %.1fx |" % (gbench, gbench / ours))
    print("| SciPy (mannwhitneyu + bootstrap), every row | U test + bootstrap | %.1f s | %.0fx |"
          % (scipy_time, scipy_time / ours))
    print("p-values agree with SciPy on all %d rows (to 1e-9)" % n_rows)


if __name__ == "__main__":
    main()
