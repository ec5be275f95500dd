#!/usr/bin/env bash
# Installs what is missing, builds, and runs every unit and CLI test (ctest).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$root/scripts/setup.sh"
build_preset release
cd "$root/build"
ctest -j "$jobs" --output-on-failure --timeout 300
