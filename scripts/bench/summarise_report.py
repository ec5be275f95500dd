"""Times `perftrack report` next to jq and DuckDB computing the same statistics,
checks that they agree, and measures perftrack's memory per record."""
import argparse
import json
import os
import statistics
import subprocess
import time

p = argparse.ArgumentParser()
for flag in ("--perftrack", "--data", "--jq-data", "--jq-program", "--duckdb", "--since", "--until"):
    p.add_argument(flag, required=True)
p.add_argument("--runs", type=int, default=3)
a = p.parse_args()


def timed(cmd, runs):
    """Median wall time over `runs` runs, and the last run's stdout."""
    times, out = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        out = r.stdout
    return statistics.median(times), out


def max_rss_kib(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, check=True, capture_output=True, text=True)
    return int(r.stderr.strip().splitlines()[-1])


size = os.path.getsize(a.data)
jq_size = os.path.getsize(a.jq_data)
pt_cmd = [a.perftrack, "report", "monthly", "--file", a.data, "--since", a.since, "--until", a.until,
          "--now", a.until, "--format", "json"]
pt_time, pt_out = timed(pt_cmd, a.runs)
pt = json.loads(pt_out)

dd_cmd = ["node", a.duckdb, a.data, a.since, a.until]
dd_time, dd_out = timed(dd_cmd, a.runs)
dd = json.loads(dd_out)

jq_cmd = ["jq", "-s", "--arg", "since", a.since, "--arg", "until", a.until, "-f", a.jq_program, a.jq_data]
jq_time, jq_out = timed(jq_cmd, a.runs)  # the same method as the others: median of --runs
jq = json.loads(jq_out)
pt_small = json.loads(subprocess.run([a.perftrack, "report", "monthly", "--file", a.jq_data, "--since", a.since,
                                      "--until", a.until, "--now", a.until, "--format", "json"],
                                     check=True, capture_output=True, text=True).stdout)


def by_op(doc):
    return {o["operation"]: o for o in doc["operations"]}


FIELDS = ("count", "successes", "avg_ms", "p50_ms", "p95_ms", "p99_ms", "min_ms", "max_ms")


def disagreements(x, y):
    """Every field of every operation that differs (averages to 1e-9 relative)."""
    bx, by = by_op(x), by_op(y)
    out = []
    if set(bx) != set(by):
        out.append("operations differ: %s" % sorted(set(bx) ^ set(by)))
    for k in set(bx) & set(by):
        for f in FIELDS:
            if f not in bx[k] or f not in by[k]:
                out.append("%s: %s missing" % (k, f))
                continue
            vx, vy = float(bx[k][f]), float(by[k][f])
            tolerance = 1e-9 * max(abs(vx), abs(vy)) if f == "avg_ms" else 1e-9
            if abs(vx - vy) > tolerance:
                out.append("%s %s: perftrack %r, other %r" % (k, f, vx, vy))
    return out


gb = 1e9
print(f"== report speed: {size / 1e6:.0f} MB, {pt['total']} records in the window (median of {a.runs} runs, warm cache)")
print("| tool | input (MB) | time (s) | throughput (MB/s) | perftrack is |")
print("|---|---:|---:|---:|---:|")
pt_tp = size / pt_time / 1e6
rows = [("perftrack report (exact p50/p95/p99)", size, pt_time),
        ("DuckDB @duckdb/node-api, quantile_disc", size, dd_time),
        ("jq 1.6 -s (sample)", jq_size, jq_time)]
for name, n, t in rows:
    tp = n / t / 1e6
    ratio = "-" if name.startswith("perftrack") else f"{pt_tp / tp:.1f}x faster"
    print(f"| {name} | {n / 1e6:.0f} | {t:.3f} | {tp:.0f} | {ratio} |")
bad = [("DuckDB", d) for d in disagreements(pt, dd)] + [("jq", d) for d in disagreements(pt_small, jq)]
if bad:
    for tool, d in bad[:20]:
        print(f"DISAGREE with {tool}: {d}")
    raise SystemExit(f"{len(bad)} disagreements: the figures above do not compare the same statistics")
print(f"results agree on every field of every operation ({', '.join(FIELDS)}): DuckDB, and jq on the sample")

# Memory: max RSS with the whole window against a window holding ~1/30 of it.
rss_full = max_rss_kib(pt_cmd)
narrow = [a.perftrack, "report", "monthly", "--file", a.data, "--since", "2026-01-30T00:00:00Z",
          "--until", a.until, "--now", a.until, "--format", "json"]
rss_narrow = max_rss_kib(narrow)
n_narrow = json.loads(subprocess.run(narrow, check=True, capture_output=True, text=True).stdout)["total"]
per_record = (rss_full - rss_narrow) * 1024 / max(pt["total"] - n_narrow, 1)
print(f"memory: max RSS {rss_full / 1024:.0f} MiB for {pt['total']} records, {rss_narrow / 1024:.0f} MiB for "
      f"{n_narrow}; {per_record:.1f} bytes per record in the window (file: {size / 1e6:.0f} MB)")
