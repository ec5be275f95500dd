#!/usr/bin/env bash
# Power and false alarms of the gate on a real slowdown, in Google Benchmark
# form: examples/work_bench built at 100% and 115% of its work per iteration,
# run alternately (base, slow, base, slow, ...) with Google Benchmark's own
# repetitions, each slow run compared with the base run before it (should be
# critical) and each base run with the previous base run (A/A: should be quiet).
#   scripts/power.sh [--pairs N] [--repetitions R] [--out DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pairs=10
repetitions=10
out=""
while (($#)); do
  case "$1" in
    --pairs) pairs="$2"; shift ;;
    --repetitions) repetitions="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "usage: scripts/power.sh [--pairs N] [--repetitions R] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $out ]] || out=$(mktemp -d)
mkdir -p "$out"
"$root/scripts/setup.sh"
build_preset release perftrack work_bench_100 work_bench_115 >/dev/null
bin="$root/build/bin/perftrack"
work="$root/build/examples/work_bench"
run() {  # run BUILD NAME
  "$work/work_bench_$1" --benchmark_repetitions="$repetitions" --benchmark_format=json \
    >"$out/$2.json" 2>/dev/null
}
# verdicts BASE CURRENT: "critical warning inconclusive unchanged total" over the timed rows.
verdicts() {
  "$bin" compare --results "$2" --baseline "$1" --fail-on never --json "$out/report.json" \
    >/dev/null 2>&1
  jq -r '[.results[] | select(.metric == "real_time" or .metric == "cpu_time") | .severity]
    | [(map(select(. == "critical")) | length), (map(select(. == "warning")) | length),
       (map(select(. == "inconclusive")) | length), (map(select(. == "unchanged")) | length),
       length] | @tsv' "$out/report.json"
}
echo "power.sh: results in $out" >&2
run 100 base0
caught=0 rows=0 alarms=0 aa_rows=0
printf '| pair | +15%%: critical | warning | inconclusive | unchanged | of | A/A: critical | warning | of |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for ((i = 1; i <= pairs; i++)); do
  run 115 "slow$i"
  run 100 "base$i"
  IFS=$'\t' read -r c w n u t < <(verdicts "$out/base$((i - 1)).json" "$out/slow$i.json")
  IFS=$'\t' read -r ac aw _ _ at < <(verdicts "$out/base$((i - 1)).json" "$out/base$i.json")
  printf '| %d | %d | %d | %d | %d | %d | %d | %d | %d |\n' "$i" "$c" "$w" "$n" "$u" "$t" "$ac" "$aw" "$at"
  caught=$((caught + c)) rows=$((rows + t)) alarms=$((alarms + ac + aw)) aa_rows=$((aa_rows + at))
done
echo
echo "+15% work flagged critical: $caught of $rows timed rows; A/A alarms: $alarms of $aa_rows"
