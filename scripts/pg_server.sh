#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks: its own cluster in a
# temporary directory, listening on 127.0.0.1 only, on a free port.
#
#   scripts/pg_server.sh start STATE_DIR [--owner PID] [-c name=value]...   prints the URL
#   scripts/pg_server.sh stop STATE_DIR      stops it and deletes its cluster
#   scripts/pg_server.sh halt STATE_DIR      stops it, keeping the cluster (fault tests)
#   scripts/pg_server.sh resume STATE_DIR    starts a halted one again on its port
#   scripts/pg_server.sh renew STATE_DIR     a fresh cluster in its place: same URL, no old state
#
# STATE_DIR keeps the URL (STATE_DIR/url) and where the cluster lives, so `stop`
# finds it. PostgreSQL refuses to run as root, so as root the cluster belongs to
# the `postgres` user and its programs run through runuser. Extra `-c` settings go
# to the server (the tests use synchronous_commit=off; benchmarks state theirs).
# With --owner PID a detached watcher stops the server once that process is
# gone, however it ended (SIGKILL included), so no server outlives its user.
set -euo pipefail

usage() {
  echo "usage: $0 start STATE_DIR [--owner PID] [-c name=value]... | stop|halt|resume|renew STATE_DIR" >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
action=$1
state=$2
shift 2

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bin" || ! -x "$bin/pg_ctl" ]]; then
  echo "pg_server: PostgreSQL is not installed: run scripts/setup.sh (apt-get install postgresql)" >&2
  exit 1
fi

as_owner=()
if [[ $(id -u) -eq 0 ]]; then as_owner=(runuser -u postgres --); fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
  [[ -f "$state/cluster" ]] || return 0
  local cluster
  cluster=$(cat "$state/cluster")
  if [[ -d "$cluster/db" ]]; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/db" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf -- "$cluster"
  rm -f -- "$state/cluster" "$state/url" "$state/settings" "$state/owner"
}

cluster_of() {
  [[ -f "$state/cluster" ]] || { echo "pg_server: no server in $state: start one" >&2; exit 1; }
  cat "$state/cluster"
}

halt() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$(cluster_of)/db" -m fast -w stop >/dev/null
}

resume() {
  local cluster
  cluster=$(cluster_of)
  "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/db" -l "$cluster/server.log" -w -t 60 start >/dev/null
}

# watch_owner PID CLUSTER: in the background, detached from the caller's
# terminal and pipes, waits until PID is gone, then stops the server if the
# state directory still names CLUSTER (not a later server started there).
watch_owner() {
  local script
  script=$(realpath "$0")
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null && [[ -d "$2" ]]; do sleep 1; done
    [[ "$(cat "$4/cluster" 2>/dev/null)" == "$2" ]] && exec "$3" stop "$4"
    exit 0' watcher "$1" "$2" "$script" "$(realpath "$state")" </dev/null >/dev/null 2>&1 &
}

# new_cluster: initdb in a fresh temporary folder, named in STATE_DIR/cluster.
new_cluster() {
  mkdir -p "$state"
  local cluster
  cluster=$(mktemp -d /tmp/perftrack-pg.XXXXXX)
  chmod 755 "$cluster"
  echo "$cluster" >"$state/cluster"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$cluster"; fi
  if ! "${as_owner[@]}" "$bin/initdb" -D "$cluster/db" -U postgres -A trust -E UTF8 \
      --no-sync >"$cluster/initdb.log" 2>&1; then
    echo "pg_server: initdb failed:" >&2
    tail -n 20 "$cluster/initdb.log" >&2
    stop
    exit 1
  fi
  # Settings live in the cluster, so `resume` starts it the same way.
  echo "include_if_exists = 'perftrack.conf'" | "${as_owner[@]}" tee -a "$cluster/db/postgresql.conf" >/dev/null
}

# launch PORT SETTING...: starts the cluster on 127.0.0.1:PORT; prints the URL.
launch() {
  local cluster port=$1
  shift
  cluster=$(cluster_of)
  printf '%s\n' "listen_addresses = '127.0.0.1'" "port = $port" \
    "unix_socket_directories = '$cluster'" "max_connections = 200" "$@" \
    | "${as_owner[@]}" tee "$cluster/db/perftrack.conf" >/dev/null
  : >"$state/settings"
  if [[ $# -gt 0 ]]; then printf '%s\n' "$@" >"$state/settings"; fi
  "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/db" -l "$cluster/server.log" -w -t 60 \
    start >/dev/null 2>&1 || return 1
  local url="postgresql://postgres@127.0.0.1:$port/postgres"
  echo "$url" >"$state/url"
  if [[ -s "$state/owner" ]]; then watch_owner "$(cat "$state/owner")" "$cluster"; fi
  echo "$url"
}

start() {
  stop  # a server left over from an interrupted run
  local extra=() setting
  rm -f -- "$state/owner"
  new_cluster
  while [[ $# -gt 0 ]]; do
    [[ ( "$1" == -c || "$1" == --owner ) && $# -ge 2 ]] || usage
    if [[ "$1" == --owner ]]; then
      echo "$2" >"$state/owner"
    else
      setting=$2
      extra+=("${setting%%=*} = '${setting#*=}'")
    fi
    shift 2
  done
  # The port may be taken between choosing and binding it: try a few.
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    launch "$port" "${extra[@]}" && return 0
    echo "pg_server: start on port $port failed (attempt $attempt):" >&2
    tail -n 5 "$(cluster_of)/server.log" >&2 || true
  done
  stop
  exit 1
}

# renew: the running server replaced by a fresh one (a new cluster) on the
# same port, with the same settings and owner: the same URL, none of the
# old server's state.
renew() {
  local url port owner settings=()
  url=$(cat "$state/url" 2>/dev/null) || { echo "pg_server: no server in $state: start one" >&2; exit 1; }
  port=${url##*:}
  port=${port%%/*}
  owner=$(cat "$state/owner" 2>/dev/null || true)
  if [[ -f "$state/settings" ]]; then mapfile -t settings <"$state/settings"; fi
  stop
  new_cluster
  if [[ -n "$owner" ]]; then echo "$owner" >"$state/owner"; fi
  if ! launch "$port" "${settings[@]}"; then
    echo "pg_server: restart on port $port failed:" >&2
    tail -n 5 "$(cluster_of)/server.log" >&2 || true
    stop
    exit 1
  fi
}

case "$action" in
  start) start "$@" ;;
  stop) stop ;;
  renew) renew >/dev/null ;;
  halt) halt ;;
  resume) resume ;;
  *) usage ;;
esac
