#!/usr/bin/env bash
# README command 1: installs what is missing, builds, and starts xinyu-server with the embedded
# defaults (dev mode on 127.0.0.1:8080, offline LLM). Extra arguments go to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_TESTING="${BUILD_TESTING:-OFF}" bash scripts/build.sh
exec build/apps/xinyu-server "$@"
