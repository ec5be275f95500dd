#!/usr/bin/env bash
# Installs the Debian packages perftrack needs, only those that are missing.
# Fast when everything is present: one dpkg query, no apt-get call.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libsimdjson-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev libpqxx-dev postgresql
  nlohmann-json3-dev libtomlplusplus-dev libmsgpack-cxx-dev libconcurrentqueue-dev libboost-dev
  clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14
  jq
  valgrind  # Callgrind: the instruction counts of perftrack bench (its header is built in)
)
# Independent clients the tests read our output with: Python's websockets (the
# gateway) and Google Benchmark's compare.py (the google-benchmark format).
packages+=(python3-websockets libbenchmark-tools python3-scipy)
# Peers the benchmarks link side by side (docs/performance.md), and the tools
# the benchmark script uses. Node.js (for DuckDB) is set up by scripts/bench.sh.
packages+=(prometheus-cpp-dev libspdlog-dev libcaf-dev python3 time)
# Live monitoring: zlib (gzip scrapes), a real Prometheus and promtool for the
# exporter's tests, mtail as the tailer's peer in its benchmark.
packages+=(zlib1g-dev prometheus mtail)
# SLOs: Alertmanager and amtool check and route the generated configuration;
# libcurl posts alerts.
packages+=(prometheus-alertmanager libcurl4-openssl-dev)
# OpenSLO import and export: yaml-cpp.
packages+=(libyaml-cpp-dev)
# Reports by e-mail: an SMTP sink for the test.
packages+=(python3-aiosmtpd)
# The dashboard: its browser test runs Debian's chromium (puppeteer-core drives
# it); Node.js and npm install web/'s packages (uPlot, embedded at build time).
packages+=(chromium)
# perftrack top: ncurses (wide characters) draws the screen; its test drives it
# in tmux.
packages+=(libncurses-dev tmux)
# perftrack profile: Linux perf samples stacks (cpu-clock); heaptrack records
# allocations by stack.
packages+=(linux-perf heaptrack)
# Continuous profiling reads perf.data itself: ELF symbols (libelf) and
# names demangled as perf does (libiberty).
packages+=(libelf-dev libiberty-dev)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js may come from elsewhere (its own npm inside); Debian's otherwise.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# web/'s npm packages at the versions its package-lock.json pins, installed
# again only when the lock changed.
install_web() {
  local stamp="$root/web/node_modules/.package-lock.json"
  if [[ -f $stamp && ! "$root/web/package-lock.json" -nt $stamp ]]; then return; fi
  echo "setup: installing web/'s npm packages (package-lock.json)" >&2
  (cd "$root/web" && npm ci --silent --no-audit --no-fund >/dev/null)
}

if ((${#missing[@]} == 0)); then
  install_web
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) != 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
# Debian starts the services of packages it installs (prometheus would listen
# on every interface at :9090); the tests start their own on loopback, so
# services are not started while installing (policy-rc.d, exit 101: refused).
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod +x "$policy"
  own_policy=1
fi
trap 'if ((own_policy)); then "${sudo_cmd[@]}" rm -f "$policy"; fi' EXIT
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_web
