#!/usr/bin/env bash
# perftrack dashboard at the scale of issue 15 (docs/performance.md,
# "Dashboard"): a history of 1,000 benchmarks x 100 runs recorded by perftrack
# compare, and 1,000,000 recorded operations; times perftrack dashboard against
# perftrack report reading the same JSONL, then opens the page in headless
# chromium (first chart, JS heap).
#
#     scripts/dashboard_bench.sh [RECORDS]      (default 1000000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib.sh"
cd "$root"
build_preset release >/dev/null
records="${1:-1000000}"
work="$(mktemp -d)"
# DASHBOARD_BENCH_KEEP=1 keeps the history, the JSONL and the pages (printed).
if [[ -n "${DASHBOARD_BENCH_KEEP:-}" ]]; then echo "work: $work"; else trap 'rm -rf "$work"' EXIT; fi
pt="$root/build/bin/perftrack"

echo "== history: 1,000 benchmarks x 100 runs (perftrack compare --history)"
python3 - "$work" <<'PY'
import json, math, sys
work = sys.argv[1]
for run in range(100):
    benchmarks = []
    for b in range(1000):
        center = 1000 * (1 + b % 17) * (1.3 if (b % 100 == 0 and run >= 50) else 1)
        samples = [center * (1 + 0.01 * math.sin(run * 3.1 + b * 0.7 + k)) for k in range(5)]
        benchmarks.append({"name": f"cat{b // 100}/bench_{b}", "kind": "latency", "unit": "ns",
                           "status": "ok", "samples": samples})
    doc = {"schema_version": 1, "environment": {"cpu_model": "bench", "git_sha": f"{run:040x}",
           "time": f"2026-01-01T00:{run // 60:02d}:{run % 60:02d}Z"}, "run": {"quick": True},
           "benchmarks": benchmarks}
    with open(f"{work}/r{run}.json", "w") as f:
        json.dump(doc, f)
PY
start=$(date +%s.%N)
for run in $(seq 0 99); do
  "$pt" compare --results "$work/r$run.json" --baseline "$work/r0.json" --history "$work/h.db" \
    --fail-on never >/dev/null
done
echo "recorded in $(echo "$(date +%s.%N) - $start" | bc) s"

echo "== $records recorded operations"
bytes=$((records * 156))
"$root/build/bin/generate_metrics" "$work/m.jsonl" --bytes "$bytes" --days 7 | tail -1

timed() {  # best of 3 wall-clock seconds of a command
  local best=
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    local t; t=$(echo "$e - $s" | bc)
    if [[ -z $best ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
  done
  echo "$best"
}
report=$(timed "$pt" report weekly --file "$work/m.jsonl" --format json)
dash_ops=$(timed "$pt" dashboard --file "$work/m.jsonl" --out "$work/ops.html")
dash_all=$(timed "$pt" dashboard --history "$work/h.db" --file "$work/m.jsonl" --out "$work/all.html")
dash_hist=$(timed "$pt" dashboard --history "$work/h.db" --out "$work/hist.html")
echo "perftrack report weekly (reads the JSONL): ${report} s"
echo "perftrack dashboard --file (the same JSONL): ${dash_ops} s"
echo "perftrack dashboard --history (1,000 x 100): ${dash_hist} s"
echo "perftrack dashboard --history --file: ${dash_all} s (best of 3 each)"
echo "== the page in headless chromium"
node "$root/tests/dashboard/scale_bench.mjs" "$work/all.html" 5
