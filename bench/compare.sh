#!/usr/bin/env bash
# Runs xinyu and the seed's FastAPI design (../shared/peers/seed_fastapi.py) under the same
# loads against the same mock LLM and prints a side-by-side table (see bench/compare.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec /usr/bin/python3 bench/compare.py "$@"
