#!/usr/bin/env bash
# Configures and builds xinyu into build/ (RelWithDebInfo, ccache when present); TARGET picks
# one target (default: everything); BUILD_DIR another build folder (default build/, used by
# parallel work trees). Never installs packages: run scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "${BUILD_DIR:-build}" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DBUILD_TESTING=ON \
  -DXINYU_WERROR="${XINYU_WERROR:-OFF}" >/dev/null
cmake --build "${BUILD_DIR:-build}" -j "$jobs" ${TARGET:+--target "$TARGET"}
