#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang with ASan+UBSan) into build-fuzz/ and runs
# each for FUZZ_SECONDS (default 20; one target per core at a time) from its seed corpus in
# tests/fuzz/corpus/; fails on any finding (crash, sanitizer report, leak, timeout) and leaves
# the reproducer in build-fuzz/findings/. Never writes into tests/fuzz: new corpus entries go
# to build-fuzz/.
#   scripts/fuzz.sh                 # every target, 20 s each (the test command runs this)
#   FUZZ_SECONDS=600 scripts/fuzz.sh sse token   # longer, some targets (docs/fuzzing.md)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-20}"
targets=("$@")
((${#targets[@]})) || targets=(client_frame http_api sse token key_codec config)
command -v clang++ >/dev/null || { echo "fuzz: clang++ missing: run scripts/setup.sh"; exit 1; }
cmake -S tests/fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-fuzz -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p build-fuzz/findings
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# each target gets its whole FUZZ_SECONDS on a core of its own
fuzz_one() {
  local t=$1 work="build-fuzz/corpus/$1" log="build-fuzz/fuzz_$1.log"
  mkdir -p "$work"
  # -timeout: one input taking 10 s is a finding; -rss_limit_mb bounds memory per input
  local rc=0
  "build-fuzz/fuzz_$t" "$work" "tests/fuzz/corpus/$t" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/findings/$t-" >"$log" 2>&1 || rc=$?
  echo "$rc" >"build-fuzz/fuzz_$t.rc"
}
for t in "${targets[@]}"; do
  [ -x "build-fuzz/fuzz_$t" ] || { echo "fuzz: no target '$t'"; exit 2; }
done
jobs_max=$(nproc 2>/dev/null || echo 2)
for t in "${targets[@]}"; do
  rm -f "build-fuzz/fuzz_$t.rc"
  while (($(jobs -rp | wc -l) >= jobs_max)); do
    wait -n || true
  done
  fuzz_one "$t" &
done
wait
failed=()
for t in "${targets[@]}"; do
  log="build-fuzz/fuzz_$t.log"
  if [[ "$(cat "build-fuzz/fuzz_$t.rc" 2>/dev/null)" == 0 ]]; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz: $t: no finding in ${seconds} s ($runs inputs)"
  else
    echo "fuzz: $t: FINDING (log: $log; reproducer: build-fuzz/findings/$t-*)"
    tail -40 "$log"
    failed+=("$t")
  fi
done
((${#failed[@]} == 0)) || { echo "fuzz: findings in ${failed[*]}"; exit 1; }
