#!/usr/bin/env bash
# Runs the bare relay, xinyu and the seed's FastAPI design (../shared/peers/seed_fastapi.py)
# under the same loads against the same mock LLM and prints a side-by-side table (see
# bench/compare.py; --realistic 100,1000,5000,10000,19000 adds the open-loop scenario).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
# the 19 000-connection runs need more descriptors than a login's usual 20 000 hard limit
# (connections in, upstream connections out): raise it where allowed (root), else use it all
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec /usr/bin/python3 bench/compare.py "$@"
