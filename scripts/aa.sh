#!/usr/bin/env bash
# A/A: the regression gate on unchanged code, measured the way users and CI use
# it (docs/compare.md, "Measured on this machine"). Runs `perftrack bench
# --quick` (or full) again and again with one build, then:
#   - back-to-back pairs at compare's defaults, no history (a user's first CI run);
#   - CI-style: each later run against a baseline, with a history of the first
#     runs for the noise floors and --fail-on critical; with --ci-perf, exactly
#     .ci/run's gate instead: against perf/baseline.json and perf/history.db,
#     flagged benchmarks confirmed by a rerun (no history runs then).
# --append-perf records each run in perf/history.db afterwards, so that its
# noise floors come from runs of several sessions (docs/compare.md, "CI of this
# project").
# Prints the false alarms, the inconclusive share and the exit codes.
#   scripts/aa.sh [--runs N] [--history-runs K] [--full] [--out DIR] [--bin PATH] [--write-perf]
#                 [--ci-perf] [--append-perf]
# --write-perf stores the history runs as perf/history.db and the third as
# perf/baseline.json (CI's reference on this machine).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=20
history_runs=6
mode=(--quick)
out=""
bin="$root/build/bin/perftrack"
write_perf=0
ci_perf=0
append_perf=0
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --history-runs) history_runs="$2"; shift ;;
    --full) mode=() ;;
    --out) out="$2"; shift ;;
    --bin) bin="$2"; shift ;;
    --write-perf) write_perf=1 ;;
    --ci-perf) ci_perf=1 ;;
    --append-perf) append_perf=1 ;;
    *) echo "usage: scripts/aa.sh [--runs N] [--history-runs K] [--full] [--out DIR] [--bin PATH] [--write-perf] [--ci-perf] [--append-perf]" >&2; exit 2 ;;
  esac
  shift
done
((ci_perf || history_runs >= 3)) || { echo "aa.sh: --history-runs must be at least 3" >&2; exit 2; }
((ci_perf)) && history_runs=0
[[ -n $out ]] || out=$(mktemp -d)
mkdir -p "$out"
echo "aa.sh: results in $out" >&2

bench() {  # bench NAME: one run, timed, into $out/NAME.json
  local t0=$SECONDS
  (cd "$out" && "$bin" bench "${mode[@]}" --quiet --results-dir "runs/$1" --json "$1.json" \
    >/dev/null 2>"$1.err") || true
  echo "aa.sh: $1 took $((SECONDS - t0)) s" >&2
}

# summary FILE: "critical warning inconclusive judged" of a compare --json report
# (judged: every metric but the peers' references).
summary() {
  jq -r '[.summary.critical, .summary.warning, .summary.inconclusive,
          .summary.total - (.summary.reference // 0)] | @tsv' "$1"
}

# ci RUN: the CI-style comparison of run RUN into $out/ciRUN.json; its exit code.
ci() {
  if ((ci_perf)); then
    mkdir -p "$out/gate$1"
    gate_against_perf "$bin" "$out/r$1.json" "$out/gate$1" --json "$out/ci$1.json" \
      >/dev/null 2>&1
  else
    cp "$out/history.db" "$out/history-copy.db"
    "$bin" compare --results "$out/r$1.json" --baseline "$out/h3.json" \
      --history "$out/history-copy.db" --fail-on critical --json "$out/ci$1.json" >/dev/null 2>&1
  fi
}

for ((i = 1; i <= history_runs; i++)); do bench "h$i"; done
for ((i = 1; i <= history_runs; i++)); do
  # Recording the runs in the history is the point; their verdicts are not.
  "$bin" compare --results "$out/h$i.json" --baseline "$out/h3.json" --history "$out/history.db" \
    >/dev/null 2>&1 || true
done

printf '| run | CI-style exit | critical | warning | inconclusive | of judged | back-to-back exit | critical | warning | inconclusive |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
previous=""
((history_runs)) && previous="$out/h$history_runs.json"
for ((i = 1; i <= runs; i++)); do
  bench "r$i"
  set +e
  ci "$i"
  ci_rc=$?
  pair_rc=-
  pc=- pw=- pn=-
  if [[ -n $previous ]]; then
    "$bin" compare --results "$out/r$i.json" --baseline "$previous" --json "$out/pair$i.json" \
      >/dev/null 2>&1
    pair_rc=$?
    IFS=$'\t' read -r pc pw pn _ < <(summary "$out/pair$i.json")
  fi
  set -e
  IFS=$'\t' read -r c w n t < <(summary "$out/ci$i.json")
  printf '| %d | %d | %d | %d | %d | %d | %s | %s | %s | %s |\n' "$i" "$ci_rc" "$c" "$w" "$n" "$t" \
    "$pair_rc" "$pc" "$pw" "$pn"
  previous="$out/r$i.json"
done

if ((write_perf && !ci_perf)); then
  cp "$out/h3.json" "$root/perf/baseline.json"
  cp "$out/history.db" "$root/perf/history.db"
  echo "aa.sh: wrote perf/baseline.json and perf/history.db" >&2
fi

if ((append_perf)); then
  for ((i = 1; i <= runs; i++)); do
    "$bin" compare --results "$out/r$i.json" --baseline "$root/perf/baseline.json" \
      --history "$root/perf/history.db" --allow-cross-machine --fail-on never >/dev/null 2>&1
  done
  echo "aa.sh: recorded $runs runs in perf/history.db" >&2
fi
