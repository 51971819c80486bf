#!/usr/bin/env bash
# Runs clang-tidy (the root .clang-tidy) on the .cpp files that differ from BASE (default: the
# parent of HEAD), or on the files given. Needs a configured build/ (compile_commands.json);
# GCC's precompiled-header flags are stripped for clang. Fails on any finding. Never edits.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-tidy >/dev/null || { echo "tidy: clang-tidy is not installed (scripts/setup.sh)"; exit 1; }
[ -f build/compile_commands.json ] || { echo "tidy: run scripts/build.sh first"; exit 1; }
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
/usr/bin/python3 - "$db" <<'PY'
import json, re, sys
cmds = json.load(open("build/compile_commands.json"))
for c in cmds:
    c["command"] = re.sub(r"-include \S*cmake_pch\.hxx|-Winvalid-pch", "", c["command"])
json.dump(cmds, open(sys.argv[1] + "/compile_commands.json", "w"))
PY
if (($#)) && [[ "$1" != --base ]]; then
  files=("$@")
else
  base="${2:-HEAD~1}"
  git rev-parse -q --verify "$base" >/dev/null || base="$(git rev-list --max-parents=0 HEAD)"
  mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" HEAD -- \
    'core/*.cpp' 'llm/*.cpp' 'storage/*.cpp' 'actors/*.cpp' 'transport/*.cpp' 'apps/*.cpp')
fi
((${#files[@]})) || { echo "tidy: no changed source files"; exit 0; }
echo "tidy: ${#files[@]} file(s)"
log=$(mktemp)
status=0
printf '%s\n' "${files[@]}" | xargs -P "$(nproc 2>/dev/null || echo 2)" -n 4 \
  clang-tidy -p "$db" --quiet --extra-arg=-Wno-unknown-warning-option >"$log" 2>&1 || status=$?
grep -vE "^[0-9]+ warnings? (and [0-9]+ errors? )?generated|^Suppressed|^Use -header-filter" "$log" || true
if ((status != 0)) || grep -qE "(warning|error):" "$log"; then
  echo "tidy: findings above (clang-tidy exit $status)"
  exit 1
fi
echo "tidy: clean"
