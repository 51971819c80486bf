#!/usr/bin/env bash
# Benchmark: xinyu-server with the offline provider, pacing off and on, at 10/100/1000 users.
# Prints one JSON line per run and a table. Starts and stops its own server on a free port.
source "$(dirname "$0")/lib.sh"

USERS=${USERS:-"10 100 1000"}
results="$OUT/results.jsonl"
for pacing in off on; do
  if [ "$pacing" = off ]; then
    cfg='{"offline":{"first_token_ms":0,"tokens_per_s":0},"session":{"keep_turns":4},"storage":{"path":"'"$OUT/data-$pacing"'"}}'
  else
    cfg='{"offline":{"first_token_ms":150,"tokens_per_s":30},"session":{"keep_turns":4},"storage":{"path":"'"$OUT/data-$pacing"'"}}'
  fi
  start_server "$cfg"
  for u in $USERS; do
    if [ "$pacing" = off ]; then args=(--duration 8); else args=(--turns 3); fi
    build/bench/xinyu-load --port "$PORT" --users "$u" --ramp-ms 1000 --label "pacing-$pacing-$u" "${args[@]}" \
      | tee -a "$results"
  done
  stop_bg server
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
