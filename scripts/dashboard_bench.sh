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

# report reads every record only with its window over them: weekly, ending
# just after the last record (the generator writes 7 days of January).
last=$(tail -n 1 "$work/m.jsonl" | jq -r .timestamp)
now=$(date -u -d "$last + 1 second" +%Y-%m-%dT%H:%M:%SZ)
read_all=$("$pt" report weekly --file "$work/m.jsonl" --format json --now "$now" | jq .total)
wrote=$(wc -l < "$work/m.jsonl")
if [[ $read_all != "$wrote" ]]; then
  echo "dashboard_bench: report read $read_all of $wrote records: not the same work" >&2
  exit 1
fi

echo "== writing speed: interleaved runs, medians of 11 (wall and CPU of each process)"
python3 - "$pt" "$work" "$now" <<'PY'
import resource, statistics as st, subprocess, sys, time
pt, work, now = sys.argv[1:4]
commands = {
    "report weekly (reads the JSONL)": [pt, "report", "weekly", "--file", f"{work}/m.jsonl",
                                        "--format", "json", "--now", now],
    "dashboard --file (the same JSONL)": [pt, "dashboard", "--file", f"{work}/m.jsonl",
                                          "--out", f"{work}/ops.html"],
    "dashboard --history (1,000 x 100)": [pt, "dashboard", "--history", f"{work}/h.db",
                                          "--out", f"{work}/hist.html"],
    "dashboard --history --file": [pt, "dashboard", "--history", f"{work}/h.db", "--file",
                                   f"{work}/m.jsonl", "--out", f"{work}/all.html"],
}
times = {name: ([], []) for name in commands}
for _ in range(11):
    for name, argv in commands.items():
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        times[name][0].append(t1 - t0)
        times[name][1].append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
for name, (wall, cpu) in times.items():
    print(f"perftrack {name}: {st.median(wall):.3f} s wall, {st.median(cpu):.3f} s CPU")
report, ops = list(times)[:2]
print("dashboard --file / report: %.2fx wall, %.2fx CPU" % (
    st.median(times[ops][0]) / st.median(times[report][0]),
    st.median(times[ops][1]) / st.median(times[report][1])))
PY
echo "== the page in headless chromium"
node "$root/tests/dashboard/scale_bench.mjs" "$work/all.html" 5
