#!/usr/bin/env bash
# Benchmark: xinyu with llm.provider=openai against bench/mock-llm (100 ms to the first token,
# 20 ms per token, 30 tokens) at 100 and 1000 users; reports the server-added TTFT.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

USERS=${USERS:-"100 1000"}
DURATION=${DURATION:-10}
MOCK_TTFT=100
OUT=$(mktemp -d)
trap 'kill $(cat "$OUT"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$OUT"' EXIT

build/bench/mock-llm --port 0 --ttft-ms $MOCK_TTFT --token-ms 20 --tokens 30 > "$OUT/mock.out" &
echo $! > "$OUT/mock.pid"
for _ in $(seq 1 50); do grep -q listening "$OUT/mock.out" 2>/dev/null && break; sleep 0.1; done
MOCK_PORT=$(grep -o '[0-9]*$' "$OUT/mock.out")

cat > "$OUT/config.json" <<JSON
{"llm":{"provider":"openai","endpoints":[{"name":"mock","base_url":"http://127.0.0.1:$MOCK_PORT/v1","model":"mock"}],
        "max_streams":2000,"pool_per_endpoint":2000},
 "session":{"keep_turns":4},"storage":{"path":"$OUT/data"}}
JSON
build/apps/xinyu-server --config "$OUT/config.json" --port 0 > "$OUT/server.out" 2> "$OUT/server.err" &
echo $! > "$OUT/server.pid"
for _ in $(seq 1 100); do grep -q listening "$OUT/server.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -o '[0-9]*$' "$OUT/server.out")

results="$OUT/results.jsonl"
for u in $USERS; do
  build/bench/xinyu-load --port "$PORT" --users "$u" --ramp-ms 2000 --duration "$DURATION" \
    --label "upstream-$u" | tee -a "$results"
done

/usr/bin/python3 - "$results" "$MOCK_TTFT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
mock = float(sys.argv[2])
print("\n| users | turns | errors | turns/s | client TTFT p50/p99 ms | server-added TTFT p50/p99 ms | total p50/p99 ms |")
print("| ---: | ---: | ---: | ---: | --- | --- | --- |")
for r in rows:
    t, d = r["ttft_ms"], r["total_ms"]
    print(f'| {r["users"]} | {r["turns"]} | {r["errors"] + r["timeouts"]} | {r["turns_per_s"]:.0f} '
          f'| {t["p50"]:.1f} / {t["p99"]:.1f} | {t["p50"]-mock:.1f} / {t["p99"]-mock:.1f} | {d["p50"]:.0f} / {d["p99"]:.0f} |')
PY
