#!/usr/bin/env bash
# Benchmark: persisted latency and sustained turns/s with storage.sync on and off (offline
# provider without pacing, clients wait for `persisted` before their next turn).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

USERS=${USERS:-"100 1000"}
DURATION=${DURATION:-8}
OUT=$(mktemp -d)
trap 'kill $(cat "$OUT"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$OUT"' EXIT

results="$OUT/results.jsonl"
for sync in false true; do
  rm -rf "$OUT/data"
  cat > "$OUT/config.json" <<JSON
{"offline":{"first_token_ms":0,"tokens_per_s":0},"session":{"keep_turns":4},
 "storage":{"path":"$OUT/data","sync":$sync}}
JSON
  build/apps/xinyu-server --config "$OUT/config.json" --port 0 > "$OUT/server.out" 2> "$OUT/server.err" &
  echo $! > "$OUT/pid"
  for _ in $(seq 1 100); do grep -q listening "$OUT/server.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -o '[0-9]*$' "$OUT/server.out")
  for u in $USERS; do
    build/bench/xinyu-load --port "$PORT" --users "$u" --ramp-ms 1000 --duration "$DURATION" \
      --persisted --label "sync-$sync-$u" | tee -a "$results"
  done
  kill "$(cat "$OUT/pid")"; wait "$(cat "$OUT/pid")" 2>/dev/null || true
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\n| run | users | turns | errors | turns/s | total p50/p99 ms | persisted after done p50/p99 ms | persisted after send p50/p99 ms |")
print("| --- | ---: | ---: | ---: | ---: | --- | --- | --- |")
for r in rows:
    d, p, l = r["total_ms"], r["persisted_ms"], r["persist_after_done_ms"]
    print(f'| {r["label"]} | {r["users"]} | {r["turns"]} | {r["errors"] + r["timeouts"]} | {r["turns_per_s"]:.0f} '
          f'| {d["p50"]:.1f} / {d["p99"]:.1f} | {l["p50"]:.2f} / {l["p99"]:.2f} | {p["p50"]:.1f} / {p["p99"]:.1f} |')
PY
