#!/usr/bin/env bash
# Installs every Debian 12 package the build, tests and benchmarks need, and the browser tests'
# npm packages (tests/browser, pinned by its package-lock). Idempotent; never downloads
# anything outside Debian's archive and the npm registry.
set -euo pipefail

packages=(
  g++ cmake make ccache pkg-config
  libcaf-dev            # CAF 0.17 actors
  libboost1.81-dev      # Beast / Asio
  librocksdb-dev        # conversation storage
  libpq-dev postgresql  # cluster mode: conversations in PostgreSQL (tests start a throwaway cluster)
  libhiredis-dev redis-server  # cluster mode: users' ownership leases in Redis (tests start one)
  haproxy               # cluster mode: config/haproxy-cluster.cfg, and the e2e test behind it
  nlohmann-json3-dev    # JSON
  libsimdjson-dev       # SSE chunks from the LLM read without a DOM (core/protocol/completion_chunk)
  catch2                # tests (v2)
  libssl-dev            # TLS for upstream LLM endpoints
  libhnswlib-dev        # vector index for memories
  libicu-dev            # NFKC case folding and confusables in the classifiers' text normaliser
  libfasttext-dev fasttext  # optional fastText emotion model (emotion.model, scripts/train_emotion.sh)
  python3-websockets    # bench/ and manual clients (run with /usr/bin/python3)
  python3-websocket     # bench/locustfile.py (websocket-client, works under Locust's gevent)
  python3-locust        # bench/locustfile.py
  python3-fastapi python3-uvicorn python3-httpx  # the seed peer that bench/compare.sh runs
  curl
  nodejs                # tests/web/page_test.js runs the web page's script against a stub DOM
  openssl               # tests: a self-signed certificate for the TLS end-to-end test
  clang-format clang-tidy  # CI: layout and defect checks on changed files
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer targets with ASan+UBSan
  prometheus            # tests/ops: promtool check metrics/rules and a real Prometheus scraping the server
  gnuplot-nox           # bench/: PNG charts of the benchmark tables
  chromium              # tests/browser: the web page in a real browser (driven by playwright-core)
  fonts-wqy-microhei    # tests/browser: a CJK font, so screenshots of Chinese text show glyphs
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi

# tests/browser: playwright-core (drives Debian's /usr/bin/chromium, never downloads a browser)
# and the official openai SDK, at the versions package-lock.json pins. Needs the machine's npm.
browser_dir="$(dirname "$0")/../tests/browser"
if command -v npm >/dev/null; then
  if [ ! -f "$browser_dir/node_modules/.package-lock.json" ] ||
    ! cmp -s "$browser_dir/package-lock.json" "$browser_dir/node_modules/.xinyu-lock"; then
    echo "setup: npm ci in tests/browser"
    (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error &&
      cp package-lock.json node_modules/.xinyu-lock)
  fi
else
  echo "setup: npm not found; the browser and openai SDK tests will fail (install Node.js with npm)" >&2
fi
