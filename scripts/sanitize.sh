#!/usr/bin/env bash
# Builds the tests and the server with sanitizers into build-asan/ ("asan": ASan+UBSan) or
# build-tsan/ ("tsan") and runs the suite there. Reuses build/models (run scripts/build.sh
# first). Never touches build/.
# TSan runs the tests whose processes have no actor system (core, storage, quality, transport):
# Debian's libcaf_core is not built with TSan, so TSan cannot see the happens-before of a CAF
# message and reports every hand-over between actors; actor, chaos and e2e tests run under
# ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:?usage: scripts/sanitize.sh asan|tsan [ctest args]}"
shift
case "$kind" in
  asan) flags="address,undefined"; opt="-O0"; tests=(-LE 'lint|package') ;;
  tsan) flags="thread"; opt="-O1"; tests=(-R '^(core|storage|quality|transport)$') ;;
  *) echo "sanitize: unknown kind '$kind' (asan or tsan)"; exit 2 ;;
esac
[ -f build/models/safety.bin ] || { echo "sanitize: build/models missing: run scripts/build.sh"; exit 1; }
dir="build-$kind"
# -Werror stays with the main build: at -O1 with sanitizers GCC 12 warns falsely inside
# <regex> (maybe-uninitialized), and warnings are the main build's job.
# ASan+UBSan at -O0: it compiles in about half the time of -O1 (the build is most of the
# phase; its tests mostly wait on sockets and child processes). It checks the same kinds of
# error; one that only optimised code shows is left to TSan (-O1) and the main build.
# TSan stays at -O1: its quality test program is CPU-bound (the models).
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$opt -g1 -DNDEBUG" -DXINYU_SANITIZE="$flags" \
  -DXINYU_PRETRAINED_MODELS="$PWD/build/models" -DXINYU_WERROR=OFF \
  -DBUILD_TESTING=ON >/dev/null
if [[ "$kind" == tsan ]]; then
  targets=(xinyu_core_tests xinyu_storage_tests xinyu_quality_tests xinyu_transport_tests)
else
  targets=(xinyu-server xinyu_core_tests xinyu_storage_tests xinyu_actor_tests xinyu_chaos_tests
           xinyu_e2e_tests xinyu_quality_tests xinyu_ops_tests mock-llm xinyu_engine_tests
           xinyu_transport_tests)
fi
cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/scripts/ubsan.supp"
# detect_deadlocks=0: hnswlib keeps one mutex per element (thousands), past what TSan's lock
# graph tracks, and its reports then come without stacks; data races are still reported.
export TSAN_OPTIONS="halt_on_error=1 detect_deadlocks=0 suppressions=$PWD/scripts/tsan.supp"
cd "$dir"
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "${tests[@]}" "$@"
