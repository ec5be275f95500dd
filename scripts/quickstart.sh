#!/usr/bin/env bash
# The main job on the embedded defaults: install what is missing, build, and run
# perftrack bench (the agent suite against the reference runtime, with SQLite and
# a throwaway local PostgreSQL server), writing results/latest.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$root/scripts/setup.sh"
build_preset release perftrack
cd "$root"
build/bin/perftrack bench
