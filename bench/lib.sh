# Shared by bench/run_*.sh (sourced, not run): build once, raise the fd limit, start a server
# on a free port and stop it. Never used by tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
OUT=$(mktemp -d)
trap 'kill $(cat "$OUT"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$OUT"' EXIT

# start_bg NAME CMD... : runs CMD with stdout in $OUT/NAME.out, waits for its "listening" line
# and sets PORT to the port printed there.
start_bg() {
  local name=$1; shift
  "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" &
  echo $! > "$OUT/$name.pid"
  for _ in $(seq 1 200); do grep -q listening "$OUT/$name.out" 2>/dev/null && break; sleep 0.05; done
  PORT=$(grep -o '[0-9]*$' "$OUT/$name.out")
}

# start_server CONFIG_JSON : xinyu-server with that config; sets PORT. Load generators send
# far faster than a person types, so the per-user rate limit is off unless the caller sets
# XINYU_LIMITS_CHATS_PER_MINUTE; and every simulated user comes from 127.0.0.1, so the
# connection caps are raised too.
start_server() {
  echo "$1" > "$OUT/config.json"
  XINYU_LIMITS_CHATS_PER_MINUTE=${XINYU_LIMITS_CHATS_PER_MINUTE:-0} \
  XINYU_TRANSPORT_MAX_CONNECTIONS=${XINYU_TRANSPORT_MAX_CONNECTIONS:-100000} \
  XINYU_TRANSPORT_MAX_CONNECTIONS_PER_IP=${XINYU_TRANSPORT_MAX_CONNECTIONS_PER_IP:-100000} \
  XINYU_TRANSPORT_CONNECTIONS_PER_SECOND_PER_IP=${XINYU_TRANSPORT_CONNECTIONS_PER_SECOND_PER_IP:-0} \
    start_bg server build/apps/xinyu-server --config "$OUT/config.json" --port 0
}

stop_bg() { # NAME
  kill "$(cat "$OUT/$1.pid")" 2>/dev/null || true
  wait "$(cat "$OUT/$1.pid")" 2>/dev/null || true
  rm -f "$OUT/$1.pid"
}
