#!/usr/bin/env bash
# Formats C++ files with the root .clang-format: `scripts/format.sh` does the files changed
# since HEAD (staged or not); `--check [BASE]` only reports, for the files that differ from
# BASE (default: the parent of HEAD), and fails when one is not formatted. Never commits.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format is not installed (scripts/setup.sh)"; exit 1; }
if [[ "${1:-}" == "--check" ]]; then
  base="${2:-HEAD~1}"
  git rev-parse -q --verify "$base" >/dev/null || base="$(git rev-list --max-parents=0 HEAD)"
  mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" HEAD -- '*.cpp' '*.hpp')
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
      echo "format: $f is not clang-formatted (run scripts/format.sh)"
      bad=1
    fi
  done
  echo "format: checked ${#files[@]} changed file(s) against $base"
  exit $bad
fi
mapfile -t files < <(git diff --name-only --diff-filter=ACMR HEAD -- '*.cpp' '*.hpp'; git ls-files --others --exclude-standard -- '*.cpp' '*.hpp')
((${#files[@]})) && clang-format -i "${files[@]}"
echo "format: ${#files[@]} file(s)"
