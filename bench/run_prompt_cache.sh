#!/usr/bin/env bash
# Issue 19 items 1 and 3: old vs new prompt layout over a scripted 200-turn conversation (prefix
# share, prompt tokens, TTFT against mock-llm charging 0.2 ms per uncached prompt token), then
# the token counter's error against real tokenizers. Starts and stops its own mock only.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
TARGET=mock-llm scripts/build.sh >/dev/null
TARGET=xinyu-prompt-cache scripts/build.sh >/dev/null
TARGET=xinyu-token-count scripts/build.sh >/dev/null
log=$(mktemp)
"$build/bench/mock-llm" --port 0 --ttft-ms 20 --token-ms 0 --tokens 2 \
  --prefill-us-per-token "${PREFILL_US:-200}" >"$log" &
mock=$!
trap 'kill $mock 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log")
"$build/bench/xinyu-prompt-cache" --mock "$url/v1" --turns "${TURNS:-200}"
echo
if [ -d bench/tokenizer/node_modules ] || (cd bench/tokenizer && npm install --no-audit --no-fund >/dev/null); then
  node bench/token_count_error.js "$build/bench/xinyu-token-count"
fi
