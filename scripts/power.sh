#!/usr/bin/env bash
# Power and false alarms of the gate on a real slowdown, in Google Benchmark
# form: examples/work_bench built at 100% and 115% of its work per iteration.
# A run of one build is --processes processes of the program, each with
# --repetitions Google Benchmark repetitions, interleaved with the other
# build's (base, slow, base, slow, ...), pooled by repeating --results. Each
# slow run is compared with the base run before it (should be critical) and
# each base run with the previous base run (A/A: should be quiet).
# --processes 1 is Google Benchmark's usual way: every repetition in one process.
#   scripts/power.sh [--pairs N] [--processes P] [--repetitions R] [--out DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pairs=10
processes=5
repetitions=2
out=""
while (($#)); do
  case "$1" in
    --pairs) pairs="$2"; shift ;;
    --repetitions) repetitions="$2"; shift ;;
    --processes) processes="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "usage: scripts/power.sh [--pairs N] [--processes P] [--repetitions R] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $out ]] || out=$(mktemp -d)
mkdir -p "$out"
"$root/scripts/setup.sh"
build_preset release perftrack work_bench_100 work_bench_115 >/dev/null
bin="$root/build/bin/perftrack"
work="$root/build/examples/work_bench"
# run NAME: both builds, process by process, interleaved (base then slow) so
# both see the same machine states: NAME-base-K.json and NAME-slow-K.json.
run() {
  for ((k = 1; k <= processes; k++)); do
    for build in 100 115; do
      "$work/work_bench_$build" --benchmark_repetitions="$repetitions" --benchmark_format=json \
        >"$out/$1-$build-$k.json" 2>/dev/null
    done
  done
}
# runs NAME BUILD: the --results (or --baseline) arguments of a run's processes.
runs() {
  local flag="$3"
  for ((k = 1; k <= processes; k++)); do printf '%s\n%s\n' "$flag" "$out/$1-$2-$k.json"; done
}
# verdicts BASE_RUN BASE_BUILD CUR_RUN CUR_BUILD: "critical warning inconclusive
# unchanged total" over the timed rows.
verdicts() {
  local args=()
  mapfile -t args < <(runs "$1" "$2" --baseline; runs "$3" "$4" --results)
  "$bin" compare "${args[@]}" --fail-on never --json "$out/report.json" >/dev/null 2>&1
  jq -r '[.results[] | select(.metric == "real_time" or .metric == "cpu_time") | .severity]
    | [(map(select(. == "critical")) | length), (map(select(. == "warning")) | length),
       (map(select(. == "inconclusive")) | length), (map(select(. == "unchanged")) | length),
       length] | @tsv' "$out/report.json"
}
echo "power.sh: results in $out" >&2
run r0
caught=0 rows=0 alarms=0 aa_rows=0 caught_prev=0
printf '| run | +15%%, same run: critical | warning | inconclusive | unchanged | of | +15%% vs the previous run: critical | A/A (previous run): critical | warning | of |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for ((i = 1; i <= pairs; i++)); do
  run "r$i"
  # The slow build against the base build of the same run (interleaved), and
  # the base build against the previous run's (A/A, minutes apart).
  IFS=$'\t' read -r c w n u t < <(verdicts "r$i" 100 "r$i" 115)
  IFS=$'\t' read -r pc _ _ _ _ < <(verdicts "r$((i - 1))" 100 "r$i" 115)
  IFS=$'\t' read -r ac aw _ _ at < <(verdicts "r$((i - 1))" 100 "r$i" 100)
  printf '| %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n' "$i" "$c" "$w" "$n" "$u" "$t" "$pc" \
    "$ac" "$aw" "$at"
  caught=$((caught + c)) rows=$((rows + t)) alarms=$((alarms + ac + aw)) aa_rows=$((aa_rows + at))
  caught_prev=$((caught_prev + pc))
done
echo
echo "+15% work flagged critical: $caught of $rows timed rows in the same run, $caught_prev of $rows against the previous run; A/A alarms: $alarms of $aa_rows"
