#!/usr/bin/env bash
# README command 2: installs what is missing, builds everything and runs the whole test suite
# (unit, actor and end-to-end tests against the real binary) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@"
