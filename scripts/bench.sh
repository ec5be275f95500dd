#!/usr/bin/env bash
# Runs perftrack's speed benchmarks side by side with the peers named in
# docs/performance.md and prints tables with ratios.
#   scripts/bench.sh [--quick] [--size BYTES] [recorder|report|actor|store|gate|serve]...
# recorder: recording cost vs prometheus-cpp and spdlog (Google Benchmark).
# report:   report speed on a generated file vs jq and DuckDB, and memory per record.
# actor:    the actor core vs CAF 0.17 (ping-pong, counting, ring, fork-join, spawn, memory).
# store:    task_claim throughput and leader failover, SQLite and a PostgreSQL server
#           started here (scripts/pg_server.sh), at two durability settings.
# gate:     perftrack compare on 1,000 benchmarks x 30 samples vs Google Benchmark's
#           compare.py and SciPy.
# serve:    the scrape vs prometheus-cpp (serialising, HTTP on loopback, recording
#           with the exporter on), and perftrack serve's tailer vs mtail 3.0.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
quick=0
size=1000000000
parts=()
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --size) size="$2"; shift ;;
    recorder|report|actor|store|gate|serve) parts+=("$1") ;;
    *) echo "usage: scripts/bench.sh [--quick] [--size BYTES] [recorder|report|actor|store|gate|serve]..." >&2; exit 2 ;;
  esac
  shift
done
[[ ${#parts[@]} -gt 0 ]] || parts=(recorder report actor store gate serve)
out="$root/.bench"
mkdir -p "$out"

"$root/scripts/setup.sh"
build_preset release perftrack recorder_bench generate_metrics actor_bench store_bench \
  compare_bench serve_bench >/dev/null

bench_gate() {
  echo "== regression gate: 1,000 benchmarks x 30 samples x 10,000 resamples"
  "$root/build/libs/gate/compare_bench" --out "$out/gate"
  local runs=3
  ((quick)) && runs=1
  /usr/bin/python3 "$root/scripts/bench/gate_peers.py" "$root/build/bin/perftrack" "$out/gate" \
    --runs "$runs"
}

bench_recorder() {
  local reps=10
  ((quick)) && reps=3
  echo "== recording cost (median of $reps repetitions; ns per record)"
  "$root/build/libs/recorder/recorder_bench" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true --benchmark_out="$out/recorder.json" \
    --benchmark_out_format=json >/dev/null
  python3 "$root/scripts/bench/summarise_recorder.py" "$out/recorder.json"
}

bench_report() {
  local data="$out/metrics-$size.jsonl"
  [[ -f "$data" ]] || "$root/build/bin/generate_metrics" "$data" --bytes "$size" --days 30 --end 2026-01-31
  local since=2026-01-01T00:00:00.000Z until=2026-01-31T00:00:00.000Z
  local runs=3
  ((quick)) && runs=1
  cat "$data" >/dev/null  # warm the page cache: every tool reads from memory
  if ! command -v npm >/dev/null 2>&1; then
    # The image may ship Node.js outside dpkg; install Debian's only if absent.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if [[ ! -d "$out/node/node_modules/@duckdb/node-api" ]]; then
    mkdir -p "$out/node"
    cp "$root/scripts/bench/package.json" "$out/node/"
    (cd "$out/node" && npm install --silent --no-audit --no-fund >/dev/null)
  fi
  cp "$root/scripts/bench/duckdb_report.mjs" "$out/node/"
  local jq_size=$((size < 50000000 ? size : 50000000))
  head -c "$jq_size" "$data" | sed '$d' >"$out/jq-sample.jsonl"
  python3 "$root/scripts/bench/summarise_report.py" \
    --perftrack "$root/build/bin/perftrack" --data "$data" --jq-data "$out/jq-sample.jsonl" \
    --jq-program "$root/scripts/bench/jq_report.jq" --duckdb "$out/node/duckdb_report.mjs" \
    --since "$since" --until "$until" --runs "$runs"
}

bench_actor() {
  local reps=5
  ((quick)) && reps=1
  echo "== actor core vs CAF"
  "$root/build/libs/suite/actor_bench" --repetitions "$reps"
}

bench_store() {
  local tasks=20000
  ((quick)) && tasks=5000
  echo "== coordination store: task_claim and leader failover"
  local url
  url=$("$root/scripts/pg_server.sh" start "$out/postgres")
  trap '"$root/scripts/pg_server.sh" stop "$out/postgres"' EXIT
  # The server's defaults (fsync on, synchronous_commit=on), then commits that
  # return before their WAL reaches the disk (synchronous_commit=off).
  "$root/build/libs/coord/store_bench" --tasks "$tasks" --postgres "$url" \
    --postgres "$url?options=-csynchronous_commit%3Doff"
  "$root/scripts/pg_server.sh" stop "$out/postgres"
  trap - EXIT
}

bench_serve() {
  local rounds=7 runs=3 seconds=10 bytes=300000000
  ((quick)) && rounds=3 runs=1 seconds=5 bytes=50000000
  echo "== the scrape: perftrack vs prometheus-cpp 1.0"
  "$root/build/bin/serve_bench" --rounds "$rounds"
  local data="$out/serve-$bytes.jsonl"
  [[ -f "$data" ]] || "$root/build/bin/generate_metrics" "$data" --bytes "$bytes" >/dev/null
  cat "$data" >/dev/null  # warm the page cache: both tools read from memory
  /usr/bin/python3 "$root/scripts/bench/serve_peers.py" --perftrack "$root/build/bin/perftrack" \
    --data "$data" --mtail-prog "$root/scripts/bench" --runs "$runs" --seconds "$seconds"
}

for part in "${parts[@]}"; do "bench_$part"; done
