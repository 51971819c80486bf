#!/usr/bin/env bash
# Benchmark: persisted latency and sustained turns/s with storage.sync on and off (offline
# provider without pacing, clients wait for `persisted` before their next turn).
source "$(dirname "$0")/lib.sh"

USERS=${USERS:-"100 1000"}
DURATION=${DURATION:-8}

results="$OUT/results.jsonl"
for sync in false true; do
  rm -rf "$OUT/data"
  start_server "{\"offline\":{\"first_token_ms\":0,\"tokens_per_s\":0},\"session\":{\"keep_turns\":4},
    \"storage\":{\"path\":\"$OUT/data\",\"sync\":$sync}}"
  for u in $USERS; do
    build/bench/xinyu-load --port "$PORT" --users "$u" --ramp-ms 1000 --duration "$DURATION" \
      --persisted --label "sync-$sync-$u" | tee -a "$results"
  done
  stop_bg server
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
