# Shared by the scripts: configure and build a CMake preset, quietly, with ccache.
# shellcheck shell=bash

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"
# Let ccache share results between checkouts at different paths (CI clones).
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true

# build_preset PRESET [TARGET...]
build_preset() {
  local preset="$1"
  shift
  local launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  cmake --preset "$preset" -S "$root" "${launcher[@]}" >/dev/null
  local dir
  dir="$(preset_dir "$preset")"
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$dir" -j "$jobs" "${targets[@]}"
}

preset_dir() {
  case "$1" in
    release) echo "$root/build" ;;
    *) echo "$root/build-$1" ;;
  esac
}

# gate_against_perf BIN RESULTS WORK [COMPARE-OPTION...]: this project's CI gate
# (docs/compare.md, "CI of this project"): RESULTS against perf/baseline.json,
# with a copy of perf/history.db for the noise floors, --fail-on critical, and
# each flagged benchmark confirmed by a rerun of 10 processes (beside the
# peers', for the machine's drift). Returns compare's exit code.
gate_against_perf() {
  local bin="$1" results="$2" work="$3"
  shift 3
  cp "$root/perf/history.db" "$work/history.db"
  "$bin" compare --results "$results" --baseline "$root/perf/baseline.json" \
    --history "$work/history.db" --fail-on critical --allow-cross-machine \
    --confirm "'$bin' bench --quick --quiet --repetitions 10 --filter {filter} --json {out} --results-dir '$work/confirm' >/dev/null" \
    "$@"
}
