#!/usr/bin/env bash
# README command 1: installs what is missing, builds, and starts xinyu-server with the embedded
# defaults (dev mode on 127.0.0.1:8080, offline LLM). Extra arguments go to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# only the server is built, in the same build tree as the tests (no reconfiguration, so a
# later ctest never runs stale test binaries)
TARGET=xinyu-server bash scripts/build.sh
exec build/apps/xinyu-server "$@"
