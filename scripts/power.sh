#!/usr/bin/env bash
# Power and false alarms of the gate on a real slowdown: examples/work_bench
# built at 100% and 115% of its work per iteration, in both forms.
#   Google Benchmark form: a run of one build is --processes processes of the
#   program, each with --repetitions Google Benchmark repetitions, interleaved
#   with the other build's (base, slow, base, slow, ...), pooled by repeating
#   --results, with each build's instruction counts (`perftrack count`; not
#   with --no-count). --processes 1 is Google Benchmark's usual way.
#   perftrack form: a run is the program's own `--quick` run (perftrack's
#   harness: 8 processes of one repetition, then instruction counts under
#   Callgrind; with --no-count timed only), base then slow.
# Each slow run is compared with the base run of the same round and of the
# round before (should be critical), and each base run with the previous base
# run (A/A: should be quiet). Counted per benchmark: critical when any of its
# rows is; an A/A alarm when any row warns or fails.
#   scripts/power.sh [--pairs N] [--form google-benchmark|perftrack|both] [--no-count]
#                    [--processes P] [--repetitions R] [--out DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pairs=10
processes=5
repetitions=2
form=both
count=1
out=""
while (($#)); do
  case "$1" in
    --pairs) pairs="$2"; shift ;;
    --form) form="$2"; shift ;;
    --no-count) count=0 ;;
    --repetitions) repetitions="$2"; shift ;;
    --processes) processes="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "usage: scripts/power.sh [--pairs N] [--form google-benchmark|perftrack|both] [--no-count] [--processes P] [--repetitions R] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $out ]] || out=$(mktemp -d)
mkdir -p "$out"
"$root/scripts/setup.sh"
build_preset release perftrack work_bench_100 work_bench_115 work_bench_perftrack_100 \
  work_bench_perftrack_115 >/dev/null
bin="$root/build/bin/perftrack"
work="$root/build/examples/work_bench"

# run_gb NAME: both Google Benchmark builds, process by process, interleaved
# (base then slow) so both see the same machine states: NAME-100-K.json, NAME-115-K.json.
run_gb() {
  for ((k = 1; k <= processes; k++)); do
    for build in 100 115; do
      "$work/work_bench_$build" --benchmark_repetitions="$repetitions" --benchmark_format=json \
        >"$out/$1-$build-$k.json" 2>/dev/null
    done
  done
  if ((count)); then  # the instruction counts of each build, pooled with its timings
    for build in 100 115; do
      "$bin" count --json "$out/$1-$build-count.json" -- "$work/work_bench_$build" 2>/dev/null
    done
  fi
}
# run_pt NAME: both perftrack builds, base then slow: NAME-100-1.json, NAME-115-1.json.
run_pt() {
  local no_count=()
  ((count)) || no_count=(--no-count)
  for build in 100 115; do
    "$work/work_bench_perftrack_$build" --quick --quiet "${no_count[@]}" \
      --json "$out/$1-$build-1.json" >/dev/null
  done
}
# files RUN BUILD FLAG: the --results (or --baseline) arguments of a run's processes.
files() {
  for f in "$out/$1-$2-"*.json; do printf '%s\n%s\n' "$3" "$f"; done
}
# verdicts BASE_RUN BASE_BUILD CUR_RUN CUR_BUILD: "critical alarmed benchmarks"
# (a benchmark is critical when any of its judged rows is; alarmed when any
# warns or fails).
verdicts() {
  local args=()
  mapfile -t args < <(files "$1" "$2" --baseline; files "$3" "$4" --results)
  # The verdicts are read from the JSON; the exit status (1 on a regression)
  # is not the point here.
  "$bin" compare "${args[@]}" --json "$out/report.json" >/dev/null 2>&1 || true
  jq -r '[.results[] | select(.metric != "iterations")] | group_by(.benchmark)
    | [(map(select(any(.[]; .severity == "critical"))) | length),
       (map(select(any(.[]; .severity == "critical" or .severity == "warning"))) | length),
       length] | @tsv' "$out/report.json"
}

measure() {  # measure FORM RUNNER
  local name=$1 runner=$2
  local caught=0 caught_prev=0 alarms=0 n=0
  echo "power.sh: $name form, results in $out" >&2
  "$runner" "$name-r0"
  printf '\n%s form\n\n| round | +15%%, same round: critical | +15%% vs the previous round: critical | A/A (previous round): alarms | benchmarks |\n|---|---:|---:|---:|---:|\n' "$name"
  for ((i = 1; i <= pairs; i++)); do
    "$runner" "$name-r$i"
    IFS=$'\t' read -r c _ t < <(verdicts "$name-r$i" 100 "$name-r$i" 115)
    IFS=$'\t' read -r pc _ _ < <(verdicts "$name-r$((i - 1))" 100 "$name-r$i" 115)
    IFS=$'\t' read -r _ aw _ < <(verdicts "$name-r$((i - 1))" 100 "$name-r$i" 100)
    printf '| %d | %d | %d | %d | %d |\n' "$i" "$c" "$pc" "$aw" "$t"
    caught=$((caught + c)) caught_prev=$((caught_prev + pc)) alarms=$((alarms + aw)) n=$((n + t))
  done
  echo
  echo "$name form: +15% work flagged critical in $caught of $n benchmark comparisons (same round), $caught_prev of $n (previous round); A/A alarms: $alarms of $n"
}

[[ $form == google-benchmark || $form == both ]] && measure google-benchmark run_gb
[[ $form == perftrack || $form == both ]] && measure perftrack run_pt
exit 0
