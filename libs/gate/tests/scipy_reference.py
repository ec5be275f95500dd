#!/usr/bin/python3
"""The gate's statistics against SciPy (Debian's python3-scipy) on fixed data
sets: Mann-Whitney U, Wilcoxon signed-rank, Harrell-Davis medians, the
bootstrap interval of the ratio of medians, Fisher's exact test.

usage: scipy_reference.py PATH/TO/perftrack_gate_reference
"""

import json
import random
import subprocess
import sys

import numpy as np
from scipy import stats
from scipy.stats import mstats


def data_sets():
    rng = random.Random(20261123)
    cases = []
    # Small samples without ties (exact tests), sizes 3-8.
    for n1, n2 in [(3, 3), (5, 8), (8, 8), (4, 7)]:
        cases.append({"a": [round(rng.gauss(100, 5), 6) for _ in range(n1)],
                      "b": [round(rng.gauss(104, 5), 6) for _ in range(n2)]})
    # Larger samples (normal approximation), with and without ties.
    for n, shift, digits in [(10, 1.05, 6), (20, 1.00, 6), (30, 1.10, 0), (25, 0.97, 1)]:
        cases.append({"a": [round(rng.gauss(100, 8), digits) for _ in range(n)],
                      "b": [round(rng.gauss(100 * shift, 8), digits) for _ in range(n)]})
    # Paired samples for Wilcoxon with ties and zeros (approximation).
    base = [float(rng.randint(90, 110)) for _ in range(15)]
    cases.append({"a": base, "b": [x + rng.choice([-2, -1, 0, 1, 2, 3]) for x in base]})
    # Every sample size the gate meets: 5, 50, 2,000 (the largest resampled
    # side) and 100,000 (the exact median distribution), skewed like latencies.
    for n, shift in [(5, 1.08), (50, 1.03), (2000, 1.33), (100000, 1.01)]:
        cases.append({"a": [round(rng.lognormvariate(4.6, 0.3), 3) for _ in range(n)],
                      "b": [round(rng.lognormvariate(4.6, 0.3) * shift, 3) for _ in range(n)]})
    tables = [[8, 2, 1, 5], [3, 97, 12, 88], [0, 50, 4, 46], [10, 10, 10, 10]]
    for case, table in zip(cases, tables):
        case["table"] = table
    return cases


def hd_vectorized(x, axis):
    x = np.sort(x, axis=axis)
    n = x.shape[axis]
    a = (n + 1) / 2
    edges = stats.beta.cdf(np.arange(n + 1) / n, a, a)
    w = np.diff(edges)
    shape = [1] * x.ndim
    shape[axis] = n
    return np.sum(x * w.reshape(shape), axis=axis)


def main():
    cases = data_sets()
    out = subprocess.run([sys.argv[1]], input=json.dumps({"cases": cases}), capture_output=True,
                         text=True, check=True)
    ours = json.loads(out.stdout)
    failures = []

    def close(name, got, want, rel=1e-9, abs_=1e-12):
        if abs(got - want) > max(abs_, rel * abs(want)):
            failures.append("%s: perftrack %.12g, SciPy %.12g" % (name, got, want))

    for i, (case, r) in enumerate(zip(cases, ours)):
        a, b = np.array(case["a"]), np.array(case["b"])
        label = "case %d (n=%d/%d)" % (i, len(a), len(b))
        method = "exact" if r["mwu_exact"] else "asymptotic"
        ref = stats.mannwhitneyu(a, b, alternative="two-sided", method=method,
                                 use_continuity=True)
        close(label + " Mann-Whitney U", r["mwu_u"], ref.statistic)
        close(label + " Mann-Whitney p (" + method + ")", r["mwu_p"], ref.pvalue)
        if "wilcoxon_p" in r:
            mode = "exact" if r["wilcoxon_exact"] else "approx"
            ref = stats.wilcoxon(a, b, zero_method="wilcox", correction=False, mode=mode)
            close(label + " Wilcoxon T", r["wilcoxon_t"], ref.statistic)
            close(label + " Wilcoxon p (" + mode + ")", r["wilcoxon_p"], ref.pvalue)
        close(label + " Harrell-Davis median a", r["hd_a"],
              float(mstats.hdquantiles(a, prob=[0.5])[0]), rel=1e-7)
        close(label + " Harrell-Davis median b", r["hd_b"],
              float(mstats.hdquantiles(b, prob=[0.5])[0]), rel=1e-7)

        def ratio(x, y, axis=-1):
            return hd_vectorized(y, axis) / hd_vectorized(x, axis) - 1

        close(label + " ratio of medians", r["ratio"], ratio(a, b), rel=1e-7)
        if len(a) <= 2000:
            ci = stats.bootstrap((a, b), ratio, paired=False, vectorized=True,
                                 n_resamples=10000, method="percentile",
                                 random_state=np.random.default_rng(7))
        else:
            # Resampling 100,000 values 10,000 times is too slow for a unit
            # test: 1,000 resamples of the sample median (which the gate draws
            # from exactly above 2,000 values), in batches.
            def median_ratio(x, y, axis=-1):
                return np.median(y, axis=axis) / np.median(x, axis=axis) - 1
            ci = stats.bootstrap((a, b), median_ratio, paired=False, vectorized=True,
                                 n_resamples=1000, batch=50, method="percentile",
                                 random_state=np.random.default_rng(7))
        lo, hi = ci.confidence_interval.low, ci.confidence_interval.high
        # Different random streams: the bounds agree to a tenth of the width.
        tolerance = 0.1 * (hi - lo) + 1e-9
        close(label + " bootstrap low", r["ci_low"], lo, rel=0, abs_=tolerance)
        close(label + " bootstrap high", r["ci_high"], hi, rel=0, abs_=tolerance)
        if "table" in case:
            t = case["table"]
            _, p = stats.fisher_exact([[t[0], t[1]], [t[2], t[3]]])
            close(label + " Fisher exact p", r["fisher_p"], p, rel=1e-9)

    checked = len(cases)
    if failures:
        print("\n".join(failures))
        print("%d disagreements with SciPy %s" % (len(failures), __import__("scipy").__version__))
        sys.exit(1)
    print("%d data sets agree with SciPy %s" % (checked, __import__("scipy").__version__))


if __name__ == "__main__":
    main()
