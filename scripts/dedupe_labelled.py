#!/usr/bin/python3
# Removes from the given train/dev files every row whose text (NFKC, case and punctuation
# folded) also occurs in a measurement split (test*, holdout*, heldout*) or in the other of
# train/dev.
# Must never print a message: it reports counts only, so the measurement sets stay unseen.
import glob, os, re, sys, unicodedata

def key(text):
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())

def rows(path):
    for line in open(path, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            yield line.rstrip("\n").split("\t")[-1]

def main(data, targets):
    for kind in ("safety", "emotion"):
        d = os.path.join(data, kind)
        measure = set()
        for p in (glob.glob(os.path.join(d, "test*.tsv")) + glob.glob(os.path.join(d, "holdout*.tsv"))
                  + glob.glob(os.path.join(d, "heldout*.tsv"))):
            measure.update(key(t) for t in rows(p))
        split_keys = {"train": set(), "dev": set()}
        for split in split_keys:
            for p in glob.glob(os.path.join(d, split + "*.tsv")):
                if p not in targets:
                    split_keys[split].update(key(t) for t in rows(p))
        for p in targets:
            if os.path.dirname(p) != d:
                continue
            split = "train" if os.path.basename(p).startswith("train") else "dev"
            other = split_keys["dev" if split == "train" else "train"]
            kept, dropped_measure, dropped_other = [], 0, 0
            for line in open(p, encoding="utf-8"):
                if not line.strip() or line.startswith("#"):
                    kept.append(line)
                    continue
                k = key(line.rstrip("\n").split("\t")[-1])
                if k in measure:
                    dropped_measure += 1
                elif k in other:
                    dropped_other += 1
                else:
                    kept.append(line)
                    split_keys[split].add(k)
            open(p, "w", encoding="utf-8").writelines(kept)
            print(f"{p}: dropped {dropped_measure} also in a measurement split, "
                  f"{dropped_other} also in the other split")

if __name__ == "__main__":
    main(sys.argv[1], [os.path.abspath(p) for p in sys.argv[2:]] and sys.argv[2:])
