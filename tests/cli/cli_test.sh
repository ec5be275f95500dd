#!/usr/bin/env bash
# End-to-end tests of the real perftrack binary. Usage: cli_test.sh BIN_DIR CASE
# Each case exits 0 on success and prints what differed otherwise.
set -euo pipefail
bin="$1/perftrack"
case_name="$2"
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/data"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_contains() { # haystack needle
  [[ "$1" == *"$2"* ]] || fail "expected to find [$2] in:
$1"
}
run() { # runs perftrack, capturing stdout/stderr/status
  set +e
  "$bin" "$@" >"$work/out" 2>"$work/err"
  status=$?
  set -e
  out="$(cat "$work/out")"
  err="$(cat "$work/err")"
}

ts=(--now 2026-01-08T00:00:00Z --file "$data/typescript-tracker.jsonl")

# perftrack results of one benchmark, decode/json, its samples times FACTOR,
# with the CPU profile in PROFILE-DIR (as perftrack bench --profile stores it).
profiled_results() { # FACTOR PROFILE-DIR
  jq -n --argjson k "$1" --arg p "$2" '{schema_version: 1, tool: {name: "perftrack", version: "0.1.0"},
    environment: {cpu_model: "x", logical_cpus: 2, compiler: "g++", build_type: "Release", flags: "-O3"},
    run: {quick: true, repetitions: 8, processes: 1, warnings: []},
    benchmarks: [{name: "decode/json", category: "decode", kind: "micro", unit: "ns",
      direction: "lower_is_better", status: "ok", iterations: 1000,
      samples: [100, 101, 99, 100, 102, 100, 98, 101] | map(. * $k), profile: $p}]}'
}

case "$case_name" in
report_markdown_reads_typescript_files)
  run report weekly "${ts[@]}"
  [[ $status == 0 ]] || fail "status $status: $err"
  expect_contains "$out" "# Performance Report: weekly (2026-01-01 to 2026-01-08)"
  expect_contains "$out" "| task_claim | 3 | 66.67% | 16.833 | 30.500 | 30.500 | 8.000 | 30.500 |"
  expect_contains "$out" "| tool_bash | 1 | 100.00% | 250.000 |"
  expect_contains "$out" "| 6 | 5 | 1 | 16.67% | 0 |"
  expect_contains "$out" "| 1 | tool_bash | 250.000 | 2026-01-06T13:28:03.000Z |"
  expect_contains "$out" "| task_claim | Error rate | 33.33% | 1.00% |"
  [[ -z "$err" ]] || fail "unexpected stderr: $err"
  ;;
report_json_has_documented_fields)
  run report weekly "${ts[@]}" --format json
  [[ $status == 0 ]] || fail "status $status: $err"
  echo "$out" > report.json
  jq -e '.period.since == "2026-01-01T00:00:00.000Z" and .period.until == "2026-01-08T00:00:00.000Z"' report.json >/dev/null || fail "period: $out"
  jq -e '.total == 6 and .successful == 5 and .failed == 1 and .malformed_lines == 0' report.json >/dev/null || fail "totals: $out"
  jq -e '(.error_rate - (1/6)) | fabs < 1e-12' report.json >/dev/null || fail "error_rate: $out"
  jq -e '.operations[0] | .operation == "task_claim" and .count == 3 and .successes == 2 and .p50_ms == 12 and .p95_ms == 30.5 and .p99_ms == 30.5 and .min_ms == 8 and .max_ms == 30.5' report.json >/dev/null || fail "operations: $out"
  jq -e '.slowest[0] == {"operation":"tool_bash","duration_ms":250,"timestamp":"2026-01-06T13:28:03.000Z"}' report.json >/dev/null || fail "slowest: $out"
  jq -e '[.degradations[] | select(.operation == "task_claim" and .rule == "error_rate")] | length == 1' report.json >/dev/null || fail "degradations: $out"
  ;;
report_linear_percentiles)
  run report weekly "${ts[@]}" --format json --percentile linear
  [[ $status == 0 ]] || fail "status $status: $err"
  # task_claim durations 8, 12, 30.5: linear p95 at h = 1.9 is 12 + 0.9 * 18.5
  echo "$out" | jq -e '.operations[0].p95_ms - 28.65 | fabs < 1e-9' >/dev/null || fail "linear p95: $out"
  ;;
report_trends_shows_daily_sparklines)
  run report trends "${ts[@]}" --days 7
  [[ $status == 0 ]] || fail "status $status: $err"
  expect_contains "$out" "## Trends (P95 per day)"
  expect_contains "$out" "| task_claim | \`·····▅·\` | 30.500 | 30.500 | +0.0% |"
  ;;
report_window_flags)
  run report weekly "${ts[@]}" --since 2026-01-07 --until 2026-01-08 --format json
  [[ $status == 0 ]] || fail "status $status: $err"
  echo "$out" | jq -e '.total == 1 and .operations[0].operation == "leader_election"' >/dev/null || fail "$out"
  ;;
report_empty_window_is_valid)
  run report weekly --now 2030-01-01T00:00:00Z --file "$data/typescript-tracker.jsonl" --format json
  [[ $status == 0 ]] || fail "status $status: $err"
  echo "$out" | jq -e '.total == 0 and .operations == [] and .error_rate == 0' >/dev/null || fail "$out"
  run report monthly --now 2030-01-01T00:00:00Z --file "$data/typescript-tracker.jsonl"
  expect_contains "$out" "No records in this period."
  ;;
report_missing_file_is_one_clear_error)
  run report weekly --file "$work/nope.jsonl"
  [[ $status == 2 ]] || fail "status $status"
  [[ -z "$out" ]] || fail "stdout should be empty: $out"
  [[ $(echo "$err" | wc -l) == 1 ]] || fail "one line expected: $err"
  expect_contains "$err" "error: cannot read $work/nope.jsonl: No such file or directory"
  ;;
report_default_file_comes_from_environment)
  mkdir -p metrics && cp "$data/typescript-tracker.jsonl" metrics/custom.jsonl
  PERFTRACK_DIR=metrics PERFTRACK_FILE=custom.jsonl run report weekly --now 2026-01-08 --format json
  [[ $status == 0 ]] || fail "status $status: $err"
  echo "$out" | jq -e '.total == 6' >/dev/null || fail "$out"
  ;;
report_bad_arguments_exit_2)
  run report yearly
  [[ $status == 2 ]] || fail "period: status $status"
  run report weekly --since yesterday
  [[ $status == 2 ]] || fail "since: status $status"
  expect_contains "$err" "is not a time"
  run report weekly --format html
  [[ $status == 2 ]] || fail "format: status $status"
  ;;
report_skips_and_counts_malformed_lines)
  {
    head -n 2 "$data/typescript-tracker.jsonl"
    echo 'not json at all'
    echo '{"timestamp":"2026-01-06T13:28:00Z","operation_type":"x","duration_ms":"12","success":true}'
    echo '{"timestamp":"2026-01-06T13:28:00Z","duration_ms":12,"success":true}'
    printf '{"timestamp":"2026-01-06T13:28:00Z","operation_type":"bad\xff","duration_ms":1,"success":true}\n'
    echo ''
    echo '{"timestamp":"0","operation_type":"x","duration_ms":1,"success":true}'
    printf '%*s\n' 102400 '' | tr ' ' 'x'
    echo '   '
    sed -n 3p "$data/typescript-tracker.jsonl"
    printf '{"timestamp":"2026-01-06T13:28:00Z","operation_type":"cut'
  } > mixed.jsonl
  run report weekly --now 2026-01-08 --file mixed.jsonl --format json
  [[ $status == 0 ]] || fail "status $status: $err"
  echo "$out" | jq -e '.malformed_lines == 7 and .total == 3' >/dev/null || fail "$out"
  expect_contains "$err" "warning: skipped 7 malformed lines (mixed.jsonl:3: not a JSON object"
  expect_contains "$err" "mixed.jsonl:4: a field has the wrong type"
  expect_contains "$err" "mixed.jsonl:5: missing timestamp"
  ;;
export_csv_rfc4180)
  run export --file "$data/typescript-tracker.jsonl" --until 2026-01-06T13:28:03Z
  [[ $status == 0 ]] || fail "status $status: $err"
  expected=$'timestamp,operation_type,duration_ms,success,session_id,error,context\r
2026-01-06T13:28:00.191Z,agent_register,45.123,true,ses_a1,,"{""agents"":5}"\r
2026-01-06T13:28:01.004Z,task_claim,12,true,ses_a1,,\r
2026-01-06T13:28:02.500Z,task_claim,30.5,false,ses_a2,already claimed,"{""task"":""t-17""}"\r'
  [[ "$out" == "$expected" ]] || fail "csv differs:
$(diff <(echo "$expected") <(echo "$out"))"
  ;;
export_json_array)
  run export --format json --file "$data"
  [[ $status == 0 ]] || fail "status $status: $err"
  echo "$out" | jq -e 'length == 6 and .[5].context.candidates == ["a","b"] and .[3].session_id == null' >/dev/null || fail "$out"
  ;;
prune_removes_only_old_records)
  cp "$data/typescript-tracker.jsonl" m.jsonl
  echo 'garbage stays' >> m.jsonl
  run prune --older-than 1d --now 2026-01-08T00:00:00Z --file m.jsonl
  [[ $status == 0 ]] || fail "status $status: $err"
  expect_contains "$out" "removed 5 records, kept 2"
  [[ $(wc -l < m.jsonl) == 2 ]] || fail "$(cat m.jsonl)"
  grep -q leader_election m.jsonl || fail "lost the new record"
  grep -q 'garbage stays' m.jsonl || fail "lost the undatable line"
  run prune --older-than soon --file m.jsonl
  [[ $status == 2 ]] || fail "bad age: status $status"
  ;;
demo_then_report)
  "$1/agent_demo" 2 200 > demo.txt
  run report weekly --format json
  [[ $status == 0 ]] || fail "status $status: $err"
  echo "$out" | jq -e '.total > 1000 and ([.operations[].operation] | index("task_claim") != null)' >/dev/null || fail "$out"
  ;;
swarm_records_coordination_operations)
  run swarm --agents 4 --duration 2s --processes 2 --store sqlite:state/coord.db
  [[ $status == 0 ]] || fail "status $status: $err"
  [[ $(grep -c '^swarm pid' <<<"$out") == 2 ]] || fail "one line per process expected: $out"
  [[ -f state/coord.db ]] || fail "the store file was not created"
  run report weekly --format json
  [[ $status == 0 ]] || fail "status $status: $err"
  echo "$out" > swarm.json
  jq -e '.total > 100 and .malformed_lines == 0' swarm.json >/dev/null || fail "$out"
  # Every name is one of the 20 coordination operations, and most of them occur.
  jq -e '[.operations[].operation] | all(IN("agent_register","agent_send","agent_messages",
    "agent_status","agent_update_status","agent_set_handoff","task_create","task_update",
    "task_claim","task_list","task_next","task_schedule","task_spawn","message_send",
    "message_read","message_deliver","leader_register","leader_heartbeat","leader_election",
    "leader_failover")) and length >= 15' swarm.json >/dev/null || fail "$(jq -c '[.operations[].operation]' swarm.json)"
  ;;
swarm_bad_store_is_one_clear_error)
  run swarm --agents 1 --duration 1s --store mysql://nowhere
  [[ $status == 2 ]] || fail "status $status"
  expect_contains "$err" "error: unknown store 'mysql://nowhere': use sqlite:PATH"
  ;;
bench_lists_the_suite)
  run bench --list
  [[ $status == 0 ]] || fail "status $status: $err"
  for c in agent_spawn/single message_throughput/simple database/sqlite_query_latency \
      database/postgres_claim_contention task_completion/sqlite leader_election/sqlite_failover \
      websocket/connection_setup websocket/broadcast_latency_1000; do
    expect_contains "$out" "$c"
  done
  run bench --list --category database --filter sqlite
  [[ $(wc -l <<<"$out") == 7 ]] || fail "7 SQLite database benchmarks expected: $out"
  ;;
bench_writes_results_and_google_benchmark_json)
  run bench --quick --quiet --filter '^(database/sqlite_query_latency|message_throughput/simple)$' \
    --format google-benchmark
  [[ $status == 0 ]] || fail "status $status: $err"
  echo "$out" > gb.json
  # Google Benchmark's shape: 8 iteration rows and 4 aggregates per benchmark.
  jq -e '(.benchmarks | length) == 24 and
    ([.benchmarks[] | select(.run_type == "iteration")] | length) == 16 and
    ([.benchmarks[] | .aggregate_name // empty] | sort) == (["cv","cv","mean","mean","median","median","stddev","stddev"]) and
    all(.benchmarks[]; .time_unit == "ns" and (.real_time | type) == "number")' gb.json >/dev/null \
    || fail "not Google Benchmark JSON: $out"
  # Read back by Google Benchmark's own tool (libbenchmark-tools' compare.py).
  compare=/usr/share/benchmark/compare.py
  [[ -f $compare ]] || fail "$compare missing: scripts/setup.sh installs libbenchmark-tools"
  cmp_out=$(/usr/bin/python3 "$compare" benchmarks gb.json gb.json 2>&1) \
    || fail "compare.py could not read the output: $cmp_out"
  expect_contains "$cmp_out" "database/sqlite_query_latency"
  expect_contains "$cmp_out" "message_throughput/simple_mean"
  [[ -f results/latest.json ]] || fail "results/latest.json missing"
  [[ $(ls results/*Z.json | wc -l) == 1 ]] || fail "no timestamped results file: $(ls results)"
  # The 8 repetitions came from 8 processes (the default), merged; their
  # scratch folders are gone.
  jq -e '.schema_version == 1 and (.environment | has("cpu_model") and has("git_sha") and has("build_type"))
    and .run.processes == 8
    and all(.benchmarks[]; (.wall_ns | length) == 8 and (.cpu_ns | length) == 8)
    and ([.benchmarks[] | select(.name == "database/sqlite_query_latency")][0].stats.latency_ns.count > 0)
    and (.benchmarks | length) == 2
    and all(.benchmarks[]; .status == "ok" and (.samples | length) == 8 and .stats.median > 0
            and (.direction | IN("lower_is_better","higher_is_better")))
    and ([.targets[] | select(.status == "pass")] | length) == 3
    and ([.targets[].benchmark] | unique) == ["database/sqlite_query_latency", "message_throughput/simple"]' \
    results/latest.json >/dev/null || fail "$(cat results/latest.json)"
  [[ ! -e results/.processes ]] || fail "the processes' folders were left behind"
  # --processes 1: every repetition in this process, as before.
  run bench --quick --quiet --processes 1 --repetitions 3 --filter '^message_throughput/simple$' \
    --json one.json
  [[ $status == 0 ]] || fail "status $status: $err"
  jq -e '.run.processes == 1 and (.benchmarks[0].samples | length) == 3' one.json >/dev/null \
    || fail "$(cat one.json)"
  ;;
bench_counts_instructions_under_callgrind)
  # A benchmark marked count_instructions gets 5 counts from a Callgrind
  # process; one that is not (simple: multi-threaded) gets none; --no-count
  # times only. The counts of one build agree closely, and the gate reads them.
  run bench --quick --quiet --processes 1 --repetitions 2 \
    --filter '^message_throughput/(encode_decode_binary|simple)$' --json a.json
  [[ $status == 0 ]] || fail "status $status: $err"
  if jq -e '.run.warnings | any(.code == "not_counted" and (.message | contains("sanitizer")))' \
    a.json >/dev/null; then
    echo "a sanitizer build: Valgrind cannot run it, no counts (the release build tests them)"
    exit 0
  fi
  jq -e '([.benchmarks[] | select(.name == "message_throughput/encode_decode_binary")][0].counts
           | .per == "iteration" and (.instructions | length) == 5
             and (.instructions | min) > 100 and (.instructions | max) < 1.01 * (.instructions | min)
             and all(.estimated_cycles[]; . >= 0))
    and ([.benchmarks[] | select(.name == "message_throughput/simple")][0] | has("counts") | not)' \
    a.json >/dev/null || fail "$(jq -c '.benchmarks[] | [.name, .counts]' a.json)"
  [[ ! -e results/.counts ]] || fail "the Callgrind folders were left behind"
  run compare --results a.json --baseline a.json --json report.json
  [[ $status == 0 ]] || fail "status $status: $out $err"
  jq -e '[.results[] | select(.metric == "instructions")][0]
         | .severity == "unchanged" and .unit == "instructions/iteration"' report.json >/dev/null \
    || fail "$(cat report.json)"
  run bench --quick --quiet --processes 1 --repetitions 2 --no-count \
    --filter '^message_throughput/encode_decode_binary$' --json b.json
  [[ $status == 0 ]] || fail "status $status: $err"
  jq -e 'all(.benchmarks[]; has("counts") | not)' b.json >/dev/null || fail "$(cat b.json)"
  # The Callgrind process's flag alone, outside Callgrind, is refused.
  run bench --quick --count-out x.msgpack --filter binary
  [[ $status != 0 ]] || fail "--count-out outside Callgrind was accepted"
  expect_contains "$err" "--count-out is for the Callgrind process"
  ;;
bench_main_runs_a_users_program)
  base="$3" slow="$4"
  "$base" --list >list.txt || fail "--list failed"
  expect_contains "$(cat list.txt)" "work/hash_ids  [micro, ns]"
  "$base" --quick --quiet --filter 'hash|scan' --json base.json >out.txt 2>err.txt \
    || fail "$(cat err.txt)"
  expect_contains "$(cat out.txt)" "| work/hash_ids |"
  if jq -e '.run.warnings | any(.code == "not_counted" and (.message | contains("sanitizer")))' \
    base.json >/dev/null; then
    echo "a sanitizer build: Valgrind cannot run it, no counts (the release build tests them)"
    exit 0
  fi
  # 8 timed repetitions in 8 processes; 5 counted ones (their number is fixed).
  jq -e '.run.processes == 8 and (.benchmarks | length) == 2
    and all(.benchmarks[]; (.samples | length) == 8 and (.counts.instructions | length) == 5)' \
    base.json >/dev/null || fail "$(cat base.json)"
  "$slow" --quick --quiet --filter 'hash|scan' --json slow.json >/dev/null 2>err.txt \
    || fail "$(cat err.txt)"
  # 15% more work: the instruction counts say so, exactly enough to be critical.
  run compare --results slow.json --baseline base.json --json report.json
  [[ $status == 1 ]] || fail "status $status: $out"
  jq -e '[.results[] | select(.metric == "instructions")]
    | length == 2 and all(.[]; .severity == "critical" and .change > 0.14 and .change < 0.16)' \
    report.json >/dev/null || fail "$(jq -c '.results[]' report.json)"
  run compare --results base.json --baseline base.json
  [[ $status == 0 ]] || fail "status $status: $out"
  "$base" --filter '(' >/dev/null 2>err.txt && fail "a bad regex was accepted"
  expect_contains "$(cat err.txt)" "is not a valid regex"
  ;;
bench_stops_its_postgres_server_when_terminated | bench_stops_its_postgres_server_when_killed)
  # SIGTERM (bench's handler) or SIGKILL (pg_server.sh's watcher of bench's
  # PID) while the PostgreSQL server bench started is running: the server is
  # stopped and its cluster deleted, and bench dies of the signal.
  signal=TERM
  [[ $case_name == *killed ]] && signal=KILL
  "$bin" bench --quick --quiet --processes 1 --repetitions 50 --no-count \
    --filter '^database/postgres_(query_latency|insert|transactions)$' --results-dir r \
    >/dev/null 2>err.txt &
  pid=$!
  for _ in $(seq 1 600); do  # polls for the server's URL (up to 60 s)
    [[ -s r/.postgres/url ]] && break
    sleep 0.1
  done
  [[ -s r/.postgres/url ]] || { kill "$pid"; fail "no server started: $(cat err.txt)"; }
  cluster=$(cat r/.postgres/cluster)
  sleep 1  # into the benchmarks
  kill -"$signal" "$pid"
  set +e
  wait "$pid"
  status=$?
  set -e
  expected=$((128 + $(kill -l "$signal")))
  [[ $status == "$expected" ]] || fail "status $status: bench did not die of SIG$signal (finished first?)"
  for _ in $(seq 1 300); do  # the watcher polls each second; pg_ctl stop takes a moment
    [[ -e $cluster ]] || break
    sleep 0.1
  done
  [[ ! -e $cluster ]] || fail "the cluster $cluster is still there"
  ! pgrep -f -- "-D $cluster/db" >/dev/null || fail "the server still runs"
  ;;
bench_gives_each_process_a_fresh_postgres_server)
  # The server bench starts is renewed before each process of the run (a new
  # cluster at the same URL), and none is left at the end.
  "$bin" bench --quick --quiet --processes 3 --repetitions 3 --no-count \
    --filter '^leader_election/postgres_election$' --results-dir r --json run.json \
    >/dev/null 2>err.txt &
  pid=$!
  : >clusters.txt
  while kill -0 "$pid" 2>/dev/null; do  # each server lives for seconds: polls catch all
    cat r/.postgres/cluster >>clusters.txt 2>/dev/null || true  # gone while renewed
    sleep 0.05
  done
  wait "$pid" || fail "bench failed: $(cat err.txt)"
  # Whole lines only: a read may meet the file while it is being written.
  grep -xE '/tmp/perftrack-pg\.[[:alnum:]]+' clusters.txt | sort -u >servers.txt || true
  [[ $(wc -l <servers.txt) == 3 ]] || fail "3 servers expected: $(cat servers.txt)"
  jq -e '.benchmarks[0].status == "ok" and (.benchmarks[0].samples | length) == 3' run.json \
    >/dev/null || fail "$(jq -c '.benchmarks[0] | {status, samples}' run.json)"
  while read -r cluster; do
    [[ ! -e $cluster ]] || fail "the cluster $cluster is still there"
  done <servers.txt
  ;;
count_counts_a_google_benchmark_program)
  base="$3" slow="$4"
  run count --repetitions 3 --json base.json -- "$base"
  if [[ $status != 0 && $err == *"sanitizer build"* ]]; then
    echo "a sanitizer build: Valgrind cannot run it (the release build tests counting)"
    exit 0
  fi
  [[ $status == 0 ]] || fail "status $status: $err"
  # 3 counted repetitions of each of the 3 benchmarks, the warm-up left out.
  jq -e '(.benchmarks | length) == 9 and all(.benchmarks[]; .iterations == 1
    and .instructions > 1e6 and .estimated_cycles >= .instructions and (has("real_time") | not))
    and ([.benchmarks[] | select(.name == "BM_HashIds") | .instructions] | unique | length) == 1' \
    base.json >/dev/null || fail "$(cat base.json)"
  run count --repetitions 3 --json slow.json -- "$slow"
  [[ $status == 0 ]] || fail "status $status: $err"
  run compare --results slow.json --baseline base.json --json report.json
  [[ $status == 1 ]] || fail "status $status: $out"
  jq -e '[.results[] | select(.metric == "instructions")]
    | length == 3 and all(.[]; .severity == "critical" and .change > 0.14)' report.json \
    >/dev/null || fail "$(jq -c '.results[]' report.json)"
  # Not a Google Benchmark program: one clear error.
  run count -- /bin/true
  [[ $status == 2 ]] || fail "status $status"
  expect_contains "$err" "error: /bin/true wrote no Google Benchmark JSON"
  ;;
bench_targets_and_bad_arguments)
  cat > t.toml <<'TOML'
[[target]]
benchmark = "message_throughput/simple"
above = 1e15
description = "impossible"
TOML
  run bench --quick --quiet --filter '^message_throughput/simple$' --targets t.toml --fail-on-target
  [[ $status == 1 ]] || fail "status $status: a failed target with --fail-on-target exits 1"
  expect_contains "$out" "| impossible |"
  expect_contains "$out" "| FAIL |"
  run bench --filter '('
  [[ $status == 2 ]] || fail "status $status for a bad regex"
  expect_contains "$err" "is not a valid regex"
  run bench --quick --targets missing.toml
  [[ $status == 2 ]] || fail "status $status"
  expect_contains "$err" "error: cannot read targets file missing.toml"
  printf '[[target]\n' > bad.toml
  run bench --quick --targets bad.toml
  [[ $status == 2 ]] || fail "status $status"
  expect_contains "$err" "error: bad.toml:1:"
  run bench --filter 'no-such-benchmark'
  [[ $status == 2 ]] || fail "status $status"
  expect_contains "$err" "no benchmark matches"
  ;;
compare_flags_a_regression_and_writes_every_report)
  gb="$here/../../libs/gate/tests/data/google-benchmark.json"
  # BM_Accumulate/16384 (cv well under 1%) made 30% slower.
  jq '.benchmarks |= map(if .run_name == "BM_Accumulate/16384" and .run_type == "iteration"
        then .real_time *= 1.3 | .cpu_time *= 1.3 else . end)' "$gb" > slower.json
  run compare --results slower.json --baseline "$gb" --json report.json --comment comment.md \
    --junit junit.xml
  [[ $status == 1 ]] || fail "status $status: a critical regression exits 1: $out $err"
  expect_contains "$out" "critical     BM_Accumulate/16384 [real_time]"
  expect_contains "$out" "-> FAIL"
  jq -e '.overall_status == "fail" and (.regressions | length) == 2
    and ([.results[] | select(.benchmark == "BM_Accumulate/16384" and .metric == "real_time")][0]
         | .severity == "critical" and .change > 0.25 and .ci_low > 0.2 and .q_value < 0.05
           and .n_baseline == 5 and .n_current == 5)' report.json >/dev/null \
    || fail "JSON report: $(cat report.json)"
  expect_contains "$(cat comment.md)" "## :x: perftrack: critical performance regression"
  expect_contains "$(cat comment.md)" "| Benchmark | Metric | Baseline | Current | Change [95% CI] | Severity |"
  expect_contains "$(cat comment.md)" "<details><summary>All 11 results</summary>"
  expect_contains "$(cat junit.xml)" '<testsuite name="perftrack compare" tests="3" failures="1"'
  run compare --results slower.json --baseline "$gb" --fail-on never
  [[ $status == 0 ]] || fail "status $status with --fail-on never"
  # A report path that is not a regular file (a FIFO here, /dev/null in
  # scripts) is written into, never renamed over.
  mkfifo report.fifo
  cat report.fifo > from-fifo.json &
  run compare --results slower.json --baseline "$gb" --fail-on never --json report.fifo
  wait
  [[ $status == 0 && -p report.fifo ]] || fail "status $status; report.fifo: $(ls -l report.fifo)"
  jq -e '.overall_status == "fail"' from-fifo.json >/dev/null || fail "$(cat from-fifo.json)"
  # --confirm: the flagged benchmark is rerun; a rerun that shows it again fails,
  # one that does not (the machine's luck) passes, and says so.
  run compare --results slower.json --baseline "$gb" --json confirmed.json \
    --confirm "echo {filter} > filter.txt; cp slower.json {out}"
  [[ $status == 1 ]] || fail "status $status: a confirmed regression exits 1: $err"
  [[ $(cat filter.txt) == '^(BM_Accumulate/16384)$' ]] || fail "filter: $(cat filter.txt)"
  jq -e '[.results[] | select(.benchmark == "BM_Accumulate/16384" and .metric == "real_time")][0]
    | .severity == "critical" and (.note | contains("confirmed by a rerun"))' confirmed.json \
    >/dev/null || fail "$(cat confirmed.json)"
  run compare --results slower.json --baseline "$gb" --json unconfirmed.json \
    --confirm "cp '$gb' {out}"
  [[ $status == 0 ]] || fail "status $status: an unconfirmed regression passes: $err"
  jq -e '[.results[] | select(.benchmark == "BM_Accumulate/16384" and .metric == "real_time")][0]
    | .severity != "critical" and (.note | contains("not confirmed by a rerun (first: critical"))' \
    unconfirmed.json >/dev/null || fail "$(cat unconfirmed.json)"
  run compare --results slower.json --baseline "$gb" --confirm "true"
  [[ $status == 2 ]] || fail "status $status: a rerun that writes nothing is an error"
  expect_contains "$err" "wrote no results"
  # Several runs of one side (a program run as several processes): pooled.
  run compare --results slower.json --results slower.json --baseline "$gb" --baseline "$gb" \
    --json pooled.json --fail-on never
  [[ $status == 0 ]] || fail "status $status: $err"
  jq -e '[.results[] | select(.benchmark == "BM_Accumulate/16384" and .metric == "real_time")][0]
    | .n_baseline == 10 and .n_current == 10 and .severity == "critical"' pooled.json >/dev/null \
    || fail "pooled runs: $(cat pooled.json)"
  # pytest-benchmark against itself: nothing changed.
  py="$here/../../libs/gate/tests/data/pytest-benchmark.json"
  run compare --results "$py" --baseline "$py"
  [[ $status == 0 ]] || fail "status $status: $out $err"
  expect_contains "$out" "0 critical, 0 warning"
  ;;
compare_baseline_directory_history_and_bad_input)
  gb="$here/../../libs/gate/tests/data/google-benchmark.json"
  run compare --results "$gb" --baseline-dir base --update-baseline
  [[ $status == 0 ]] || fail "first run: status $status: $err"
  expect_contains "$err" "no baseline in base yet"
  expect_contains "$err" "baseline created"
  [[ -f base/baseline.json && -f base/history.db ]] || fail "baseline directory: $(ls base)"
  run compare --results "$gb" --baseline-dir base --update-baseline
  [[ $status == 0 ]] || fail "second run: status $status: $err"
  expect_contains "$err" "baseline updated"
  run history list --baseline-dir base
  [[ $status == 0 ]] || fail "history list: $err"
  [[ $(grep -c '^| [0-9]' <<<"$out") == 2 ]] || fail "2 runs expected: $out"
  run history trend --baseline-dir base --benchmark BM_StringConcat
  [[ $status == 0 ]] || fail "history trend: $err"
  expect_contains "$out" "BM_StringConcat [real_time]"
  # A critical regression does not replace the baseline unless forced.
  jq '.benchmarks |= map(if .run_type == "iteration" then .real_time *= 2 | .cpu_time *= 2 else . end)' \
    "$gb" > slow.json
  cp base/baseline.json before.json
  run compare --results slow.json --baseline-dir base --update-baseline
  [[ $status == 1 ]] || fail "status $status"
  expect_contains "$err" "baseline not updated"
  cmp -s before.json base/baseline.json || fail "the baseline changed after a critical regression"
  # --require-conclusive: BM_Accumulate/1024 is too noisy to judge -> 3.
  run compare --results "$gb" --baseline "$gb" --require-conclusive
  [[ $status == 3 ]] || fail "status $status: inconclusive with --require-conclusive exits 3"
  # Bad input: a clear error and exit 2, nothing written.
  head -c 500 "$gb" > truncated.json
  run compare --results truncated.json --baseline-dir base --update-baseline
  [[ $status == 2 ]] || fail "status $status"
  expect_contains "$err" "truncated.json: not valid JSON"
  cmp -s before.json base/baseline.json || fail "the baseline changed after bad input"
  run compare --results missing.json --baseline "$gb"
  [[ $status == 2 ]] || fail "status $status"
  expect_contains "$err" "missing.json: no such file"
  echo '{"rows": []}' > wrong.json
  run compare --results wrong.json --baseline "$gb"
  [[ $status == 2 ]] || fail "status $status"
  expect_contains "$err" "not a results file"
  run compare --results "$gb" --baseline "$gb" --baseline-dir base
  [[ $status == 2 ]] || fail "status $status: --baseline and --baseline-dir exclude each other"
  # Another machine: refused, or labelled when allowed.
  jq '.context.num_cpus = 64' "$gb" > other.json
  run compare --results other.json --baseline "$gb"
  [[ $status == 2 ]] || fail "status $status"
  expect_contains "$err" "num_cpus: 2 vs 64"
  run compare --results other.json --baseline "$gb" --allow-cross-machine
  [[ $status == 0 ]] || fail "status $status: $err"
  expect_contains "$out" "different machines or builds"
  # A damaged history: a note, the comparison goes on, the file is left alone.
  printf 'not a database at all, but long enough to be read as one%.0s' {1..100} > base/history.db
  cp base/history.db damaged.db
  run compare --results "$gb" --baseline-dir base
  [[ $status == 0 ]] || fail "status $status: $err"
  expect_contains "$err" "not a usable history database"
  cmp -s damaged.db base/history.db || fail "the damaged history was modified"
  ;;
compare_names_the_frames_that_grew_in_profiles)
  # Two perftrack runs of one benchmark, the second 40% slower, each with a
  # profile (as perftrack bench --profile stores it): the comment names the
  # frame whose share grew and links the differential flame graph it wrote.
  mkdir base-prof head-prof
  printf 'main;run;parse 70\nmain;run;<b>hash 30\n' > base-prof/profile.folded
  printf 'main;run;parse 50\nmain;run;<b>hash 50\n' > head-prof/profile.folded
  profiled_results 1 "$work/base-prof" > base.json
  profiled_results 1.4 "$work/head-prof" > head.json
  run compare --results head.json --baseline base.json --comment comment.md --fail-on never
  [[ $status == 0 ]] || fail "status $status: $err"
  comment="$(cat comment.md)"
  expect_contains "$comment" "### CPU profiles"
  expect_contains "$comment" "| decode/json | critical | [flame graph]($work/head-prof/flamegraph.html) | \\<b\\>hash +20.0 pp ([diff]($work/head-prof/diff.html)) |"
  [[ -s head-prof/diff.html && -s head-prof/diff.md ]] || fail "no diff written: $(ls head-prof)"
  # No profile on the baseline's side: the head's is linked all the same.
  jq 'del(.benchmarks[0].profile)' base.json > base-bare.json
  run compare --results head.json --baseline base-bare.json --comment bare.md --fail-on never
  expect_contains "$(cat bare.md)" "| decode/json | critical | [flame graph]($work/head-prof/flamegraph.html) | no baseline profile |"
  ;;
dashboard_links_the_profiles_of_compared_runs)
  # Two runs of one benchmark, each profiled; the second's profile folder has
  # a name that would break out of an attribute or a link. The page links
  # both flame graphs as percent-encoded file: URLs and a differential flame
  # graph, written beside the page, of the first run against the last.
  mkdir base-prof 'head "prof<x>'
  printf 'main;run;parse 70\nmain;run;hash 30\n' > base-prof/profile.folded
  printf 'main;run;parse 50\nmain;run;hash 50\n' > 'head "prof<x>/profile.folded'
  profiled_results 1 "$work/base-prof" > a.json
  profiled_results 1.4 "$work/head \"prof<x>" > b.json
  run dashboard --results a.json --results b.json --out page.html
  [[ $status == 0 ]] || fail "status $status: $err"
  [[ -s page-profiles/decode_json.diff.html ]] || fail "no diff beside the page: $(ls)"
  grep -q '"href":"page-profiles/decode_json.diff.html"' page.html || fail "the page does not link the diff"
  grep -q "\"file://$work/head%20%22prof%3Cx%3E/flamegraph.html\"" page.html \
    || fail "the head's flame graph is not linked as an encoded file: URL: $(grep -o '"profiles":{[^}]*}' page.html)"
  ;;
ab_runs_interleaved_pairs_and_confirms)
  fake="/usr/bin/python3 $data/fake_bench.py"
  run ab --rounds 4 --confirm --json ab.json \
    --base "$fake base {out} {filter} calls.log" --head "$fake head {out} {filter} calls.log"
  [[ $status == 1 ]] || fail "status $status: BM_Slower is 30% slower: $out $err"
  expect_contains "$out" "critical     BM_Slower [real_time]"
  expect_contains "$out" "confirmed by a rerun"
  # ABBA order, then the confirmation reruns only the flagged benchmark.
  order=$(awk '{print $1}' calls.log | tr '\n' ' ')
  [[ $order == "base head head base base head head base base head head base base head head base " ]] \
    || fail "not ABBA: $order"
  [[ $(grep -c 'BM_Slower' calls.log) == 8 ]] || fail "confirmation runs: $(cat calls.log)"
  jq -e '[.results[] | select(.benchmark == "BM_Stable")] | all(.severity == "unchanged" and .test == "wilcoxon")' \
    ab.json >/dev/null || fail "BM_Stable: $(cat ab.json)"
  run ab --rounds 2 --base "true" --head "true"
  [[ $status == 2 ]] || fail "status $status: a command that writes no results"
  expect_contains "$err" "wrote no results"
  expect_contains "$err" "{out}"
  ;;
*)
  fail "unknown case $case_name"
  ;;
esac
echo "ok: $case_name"
