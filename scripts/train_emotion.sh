#!/usr/bin/env bash
# Trains a fastText emotion classifier for emotion.model from a labelled CSV.
#   scripts/train_emotion.sh INPUT.csv OUTPUT [EPOCHS]
# INPUT.csv: one "label,text" per line (label: joy sadness anxiety anger fear loneliness
# neutral; the text may contain commas; lines starting with '#' are skipped). Writes
# OUTPUT.bin (and OUTPUT.vec); set emotion.model to OUTPUT.bin. Raw text is used as is: the
# character n-grams (-minn 1 -maxn 3) let one model read Chinese without word segmentation.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 INPUT.csv OUTPUT [EPOCHS]" >&2
  exit 2
fi
input=$1
output=$2
epochs=${3:-40}
command -v fasttext >/dev/null || { echo "train_emotion: the fasttext command is missing (scripts/setup.sh installs it)" >&2; exit 2; }
[ -r "$input" ] || { echo "train_emotion: cannot read $input" >&2; exit 2; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk 'BEGIN { ok = "joy sadness anxiety anger fear loneliness neutral" }
     /^#/ || NF == 0 { next }
     {
       i = index($0, ",")
       label = substr($0, 1, i - 1); text = substr($0, i + 1)
       if (i == 0 || index(" " ok " ", " " label " ") == 0 || text == "") {
         printf "train_emotion: line %d: want \"label,text\" with a known label\n", NR > "/dev/stderr"
         bad = 1; next
       }
       gsub(/[\r\n]/, " ", text)
       print "__label__" label " " tolower(text)
     }
     END { exit bad }' "$input" > "$tmp"
# -thread 1 keeps training deterministic for a given input
fasttext supervised -input "$tmp" -output "$output" -epoch "$epochs" -lr 0.5 -wordNgrams 2 \
  -minn 1 -maxn 3 -dim 50 -bucket 200000 -thread 1 -verbose 0
echo "train_emotion: wrote $output.bin"
