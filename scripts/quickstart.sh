#!/usr/bin/env bash
# The main job on the embedded defaults: install what is missing, build, run an
# instrumented multi-agent program that writes memory/perf-metrics.jsonl, then
# print the weekly report of that file.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$root/scripts/setup.sh"
build_preset release perftrack agent_demo
cd "$root"
build/bin/agent_demo
build/bin/perftrack report weekly
