#!/usr/bin/env bash
# Benchmark: xinyu with llm.provider=openai against bench/mock-llm (100 ms to the first token,
# 20 ms per token, 30 tokens) at 100 and 1000 users; reports the server-added TTFT.
source "$(dirname "$0")/lib.sh"

USERS=${USERS:-"100 1000"}
DURATION=${DURATION:-10}
MOCK_TTFT=100

start_bg mock build/bench/mock-llm --port 0 --ttft-ms $MOCK_TTFT --token-ms 20 --tokens 30
MOCK_PORT=$PORT
start_server "{\"llm\":{\"provider\":\"openai\",\"endpoints\":[{\"name\":\"mock\",\"base_url\":\"http://127.0.0.1:$MOCK_PORT/v1\",\"model\":\"mock\"}],
  \"max_streams\":2000,\"pool_per_endpoint\":2000},\"session\":{\"keep_turns\":4},\"storage\":{\"path\":\"$OUT/data\"}}"

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
