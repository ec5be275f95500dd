#!/usr/bin/env python3
"""What each benchmark's verdict rests on and the smallest change a run can
call (docs/compare.md), from perftrack compare JSON reports of A/A pairs
(unchanged code on both sides), as a Markdown table.

    scripts/detectable.py REPORT.json [REPORT.json ...]

Per benchmark (and per count metric), over the reports:
- what the verdict rests on: its instruction counts (a counted benchmark's
  timing rows rest on them), an exact count, its samples, or nothing (a peer:
  a reference, not judged);
- the smallest change a run can call: the median of its one-sided 95% worse
  bounds (a timing is "unchanged" only when that bound is below its critical
  threshold); for counts, the largest change between the two sides' medians
  over the reports ("0% (exact)" when none);
- in how many reports the row was inconclusive.

A report is one `perftrack compare --json` output; the rows are grouped by
benchmark and metric, so reports of different runs line up.
"""
import json
import statistics
import sys

TIMINGS = {"latency", "throughput", "time", "memory"}


def load(paths):
    """{(benchmark, metric): [row, ...]} in the order of the reports."""
    rows = {}
    for path in paths:
        with open(path) as f:
            report = json.load(f)
        for r in report["results"]:
            rows.setdefault((r["benchmark"], r["metric"]), []).append(r)
    return rows


def counted_in(rows, benchmark, rs):
    """How many of the reports of rows `rs` counted the benchmark's instructions."""
    return min(len(rows.get((benchmark, "instructions"), [])), len(rs))


def largest_change(rs):
    changes = [abs(r["change"]) for r in rs if r.get("change") is not None]
    return max(changes) if changes else 0.0


def basis(rows, key, rs):
    benchmark, metric = key
    first = rs[0]
    if first.get("peer"):
        return f"not judged: a reference ({first['peer']})"
    if metric in ("instructions", "estimated_cycles"):
        return None  # shown with the benchmark's timing row
    if first.get("test") == "growth":
        return "the growth of its median (any growth critical)"
    if metric not in TIMINGS:
        return f"`{metric}`, compared exactly"
    k = counted_in(rows, benchmark, rs)
    if k:
        if k == len(rs):
            return "its instruction and estimated-cycle counts"
        return f"its counts ({k} of {len(rs)} reports; its samples in the others)"
    n = statistics.median(min(r["n_baseline"], r["n_current"]) for r in rs)
    return f"its {metric} samples ({n:g} a side)"


def smallest(rows, key, rs):
    benchmark, metric = key
    if metric not in TIMINGS:
        change = largest_change(rs)
        return "0% (exact)" if change == 0 else f"{100 * change:.1f}%"
    if counted_in(rows, benchmark, rs) and not rs[0].get("peer"):
        change = largest_change(rows[(benchmark, "instructions")])
        return "<1%" if change < 0.01 else f"{100 * change:.0f}%"
    bounds = [r["worse_bound"] for r in rs if r.get("worse_bound") is not None]
    if not bounds:
        return "-"
    b = statistics.median(bounds)
    return "<1%" if b < 0.01 else f"{100 * b:.0f}%"


def sort_key(entry):
    text, peer = entry[2], entry[1].startswith("not judged")
    exact = text.startswith("0%") or text == "<1%" or text == "-"
    value = 0.0 if exact else float(text.rstrip("%"))
    return (peer, not exact, value)


def main(paths):
    rows = load(paths)
    table = []
    for key, rs in rows.items():
        what = basis(rows, key, rs)
        if what is None:
            continue
        name = key[0] if key[1] in TIMINGS else f"{key[0]} [{key[1]}]"
        inconclusive = sum(r["severity"] == "inconclusive" for r in rs)
        table.append((name, what, smallest(rows, key, rs), f"{inconclusive} of {len(rs)}"))
    table.sort(key=sort_key)
    print("| benchmark | verdict rests on | smallest change a run can call | inconclusive in |")
    print("|---|---|---:|---:|")
    for name, what, change, inconclusive in table:
        print(f"| {name} | {what} | {change} | {inconclusive} |")
    judged = [t for t in table if not t[1].startswith("not judged")]
    settled = sum(t[3].startswith("0 of") for t in judged)
    print(f"\n{len(judged)} judged rows, {settled} never inconclusive, over {len(paths)} reports")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: scripts/detectable.py REPORT.json [REPORT.json ...]")
    main(sys.argv[1:])
