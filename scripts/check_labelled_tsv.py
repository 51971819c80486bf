#!/usr/bin/python3
# Checks a labelled-data TSV for xinyu (scripts/check_labelled_tsv.py FILE safety|emotion): column count,
# Must never print message text from any file other than the one it is given.
import sys, unicodedata, re
path, kind = sys.argv[1], sys.argv[2]  # kind: safety | emotion
levels = {"ok", "caution", "crisis", "blocked"}
cats = {"self_harm", "violence", "sexual_minors", "distress", "pii", "prompt_injection", "harassment", "benign"}
labels = {"joy", "sadness", "anxiety", "anger", "fear", "loneliness", "neutral"}
seen, bad, n = {}, 0, 0
for i, line in enumerate(open(path, encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    f = line.split("\t")
    want = 6 if kind == "safety" else 5
    if len(f) != want:
        print(f"line {i}: {len(f)} columns, want {want}"); bad += 1; continue
    if f[1] not in ("en", "zh"):
        print(f"line {i}: lang {f[1]!r}"); bad += 1
    if kind == "safety":
        if f[2] not in levels: print(f"line {i}: level {f[2]!r}"); bad += 1
        if f[3] not in cats: print(f"line {i}: category {f[3]!r}"); bad += 1
    else:
        if f[2] not in labels: print(f"line {i}: label {f[2]!r}"); bad += 1
    key = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", f[-1]).casefold())
    if key in seen:
        print(f"line {i}: duplicate of line {seen[key]}"); bad += 1
    seen[key] = i
    n += 1
print(f"{path}: {n} rows, {bad} problems")
sys.exit(1 if bad else 0)
