#!/usr/bin/env bash
# Runs the cluster benchmark (bench/cluster.py): 1, 2 and 3 nodes behind HAProxy, a forwarded
# turn against a local one, and failover time over repeated kill -9, with PostgreSQL, Redis and
# HAProxy started here from Debian's packages. Everything stays on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec /usr/bin/python3 bench/cluster.py "$@"
