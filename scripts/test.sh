#!/usr/bin/env bash
# README command 2: installs what is missing, builds everything and runs the whole test suite
# (unit, actor, end-to-end and operations tests against the real binary) with ctest, then
# the fuzz targets for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@")
# the parsers under libFuzzer with ASan+UBSan, 20 s each (docs/fuzzing.md); only for a whole
# run: a run of chosen tests (arguments given) skips it
if (($# == 0)); then
  bash scripts/fuzz.sh
fi
