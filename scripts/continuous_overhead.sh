#!/usr/bin/env bash
# What continuous profiling costs (docs/performance.md, "Continuous
# profiling"): perftrack bench --quick without and with `perftrack profile cpu
# --continuous` sampling every CPU at 19 Hz in 10 s windows beside it, run by
# perftrack ab (interleaved ABBA, compared paired). Prints ab's verdicts, the
# geometric mean of the benchmarks' median cost ratios (with / without), and
# the profiler's own CPU time (perftrack, perf record and perf script, from
# /usr/bin/time) as a share of the machine's CPU time while it ran.
#
#     scripts/continuous_overhead.sh [ROUNDS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds="${1:-3}"
build_preset release perftrack >/dev/null
bin="$root/build/bin/perftrack"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bench="'$bin' bench --quick --quiet --no-count --processes 1 --filter {filter} --results-dir '$work/r' --json {out}"
# The profiler in the background for the length of one bench run; its CPU
# time (user, system) and wall time appended to cpu.log. GNU time ignores
# SIGINT: the profiler under it is the one told to stop.
with="/usr/bin/time -a -o '$work/cpu.log' -f '%e %U %S' '$bin' profile cpu --continuous --out '$work/ring' \
  >/dev/null 2>&1 & p=\$!; sleep 1; $bench; s=\$?; kill -INT \$(pgrep -P \$p); wait \$p; exit \$s"
status=0
"$bin" ab --base "$bench" --head "$with" --rounds "$rounds" --fail-on never --json "$work/ab.json" \
  || status=$?
python3 "$root/scripts/ab_cost.py" "$work/ab.json" "continuous profiling"
python3 - "$work/cpu.log" "$(nproc)" <<'PY'
import sys
runs = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip() and l[0].isdigit()]
wall = sum(r[0] for r in runs); cpu = sum(r[1] + r[2] for r in runs); cores = int(sys.argv[2])
print(f"profiler CPU: {cpu:.2f} s over {wall:.1f} s of {len(runs)} runs on {cores} cores = "
      f"{100 * cpu / (wall * cores):.2f}% of the machine ({100 * cpu / wall:.2f}% of one core)")
PY
exit "$status"
