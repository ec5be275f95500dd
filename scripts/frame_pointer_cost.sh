#!/usr/bin/env bash
# What keeping frame pointers costs perftrack's own Release build
# (docs/performance.md, "Frame pointers"): perftrack built without them
# (build-nofp/, PERFTRACK_FRAME_POINTERS=OFF) against the Release build
# (build/, with them), the quick suite run by perftrack ab, interleaved ABBA
# and compared paired. Prints ab's verdicts and the geometric mean of the
# benchmarks' median ratios (with / without; > 1: slower with them).
#
#     scripts/frame_pointer_cost.sh [ROUNDS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds="${1:-4}"
build_preset release perftrack >/dev/null
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$root/build-nofp" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPERFTRACK_FRAME_POINTERS=OFF -DPERFTRACK_BUILD_TESTS=OFF -DPERFTRACK_BUILD_BENCHMARKS=OFF \
  "${launcher[@]}" >/dev/null
cmake --build "$root/build-nofp" -j "$jobs" --target perftrack >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
run() { # perftrack binary
  echo "'$1' bench --quick --quiet --no-count --processes 1 --filter {filter} --results-dir '$work/r' --json {out}"
}
status=0
"$root/build/bin/perftrack" ab --base "$(run "$root/build-nofp/bin/perftrack")" \
  --head "$(run "$root/build/bin/perftrack")" --rounds "$rounds" --fail-on never \
  --json "$work/ab.json" || status=$?
python3 "$root/scripts/ab_cost.py" "$work/ab.json" "frame pointers"
exit "$status"
