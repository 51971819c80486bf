#!/usr/bin/env bash
# Benchmark: xinyu-server with the offline provider, pacing off and on, at 10/100/1000 users.
# Prints one JSON line per run and a table. Starts and stops its own server on a free port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

USERS=${USERS:-"10 100 1000"}
OUT=$(mktemp -d)
trap 'kill $(cat "$OUT"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$OUT"' EXIT

start_server() { # $1 = config json
  echo "$1" > "$OUT/config.json"
  build/apps/xinyu-server --config "$OUT/config.json" --port 0 > "$OUT/server.out" 2> "$OUT/server.err" &
  echo $! > "$OUT/pid"
  for _ in $(seq 1 100); do
    grep -q listening "$OUT/server.out" 2>/dev/null && break
    sleep 0.1
  done
  PORT=$(grep -o '[0-9]*$' "$OUT/server.out")
}
stop_server() { kill "$(cat "$OUT/pid")"; wait "$(cat "$OUT/pid")" 2>/dev/null || true; }

results="$OUT/results.jsonl"
for pacing in off on; do
  if [ "$pacing" = off ]; then
    cfg='{"offline":{"first_token_ms":0,"tokens_per_s":0},"session":{"keep_turns":4}}'
  else
    cfg='{"offline":{"first_token_ms":150,"tokens_per_s":30},"session":{"keep_turns":4}}'
  fi
  start_server "$cfg"
  for u in $USERS; do
    if [ "$pacing" = off ]; then args=(--duration 8); else args=(--turns 3); fi
    build/bench/xinyu-load --port "$PORT" --users "$u" --ramp-ms 1000 --label "pacing-$pacing-$u" "${args[@]}" \
      | tee -a "$results"
  done
  stop_server
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\n| run | users | turns | errors | turns/s | TTFT p50/p95/p99 ms | total p50/p95/p99 ms |")
print("| --- | ---: | ---: | ---: | ---: | --- | --- |")
for r in rows:
    t, d = r["ttft_ms"], r["total_ms"]
    print(f'| {r["label"]} | {r["users"]} | {r["turns"]} | {r["errors"] + r["timeouts"]} | {r["turns_per_s"]:.0f} '
          f'| {t["p50"]:.1f} / {t["p95"]:.1f} / {t["p99"]:.1f} | {d["p50"]:.1f} / {d["p95"]:.1f} / {d["p99"]:.1f} |')
PY
