#!/usr/bin/env bash
# Soak: xinyu under steady load (optionally with failure injection) for a bounded time, in
# windows; prints per-window turns/s, TTFT/total percentiles, errors, unanswered chats and RSS.
# Usage: bench/soak.sh [--minutes 2] [--users 200] [--chaos '{"emotion":{"crash_rate":0.05}}']
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec /usr/bin/python3 bench/soak.py "$@"
