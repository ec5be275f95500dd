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

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) != 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
