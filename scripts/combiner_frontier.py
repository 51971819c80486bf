#!/usr/bin/python3
# Measures a learned crisis combiner (logistic regression over the safety model's probabilities,
# the rules' markers and the evidence) against the shipped hand-written combine(), from
# `xinyu-train --dump FILE`: the rows the thresholds are picked on (train and dev out of fold,
# everyday messages by the shipped model) and the held-out yardstick, scored by the shipped model.
# Choose on the dev columns; the yardstick's are a check, not a choice.
# Analysis only (needs Debian's python3-numpy; no build or test runs it); it must never print a
# message's text, and must never be pointed at a dump made with a test split held out.
import collections, math, sys

import numpy as np


class logistic_regression:
    """L2-regularised logistic regression fitted by Newton's method on standardised features."""

    def __init__(self, c=1.0):
        self.lam = 1.0 / c

    def fit(self, x, y, sw):
        self.mu, self.sd = x.mean(0), x.std(0) + 1e-9
        z = np.hstack([(x - self.mu) / self.sd, np.ones((len(x), 1))])
        w = np.zeros(z.shape[1])
        reg = np.eye(z.shape[1]) * self.lam
        reg[-1, -1] = 0
        for _ in range(30):
            p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
            grad = z.T @ (sw * (p - y)) + reg @ w
            hess = (z * (sw * p * (1 - p))[:, None]).T @ z + reg + np.eye(len(w)) * 1e-6
            step = np.linalg.solve(hess, grad)
            w -= step
            if np.abs(step).max() < 1e-6:
                break
        self.w = w
        return self

    def score(self, x):
        z = np.hstack([(x - self.mu) / self.sd, np.ones((len(x), 1))])
        return 1 / (1 + np.exp(-np.clip(z @ self.w, -30, 30)))


def folds_by_source(sources, k):
    """Whole writers' sets to k folds, largest first onto the smallest (like xinyu-train). The
    everyday messages (source "emotion", scored by the shipped model, not out of fold) are dealt
    round-robin instead: as one set they would all sit in one fold, and the combiner scoring
    them would never have seen one."""
    size, fold = [0] * k, {}
    writers = [s for s in sources if s != "emotion"]
    for s, n in sorted(collections.Counter(writers).items(), key=lambda x: (-x[1], x[0])):
        f = size.index(min(size))
        fold[s], size[f] = f, size[f] + n
    return np.array([fold[s] if s != "emotion" else i % k for i, s in enumerate(sources)])


def main(path, c=1.0):
    rows = [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8")]
    probs = [dict((kv.split("=")[0], float(kv.split("=")[1])) for kv in r[6].split(",") if kv)
             for r in rows]
    labels = sorted({l for p in probs for l in p})
    markers = sorted({t for r in rows for t in r[7].split() if t.startswith("xy")})
    at = {m: i for i, m in enumerate(markers)}

    def features(r, p):
        harm = min(p.get("self_harm", 0) + p.get("violence", 0), 0.9999)
        logit = math.log(max(harm, 1e-4) / (1 - harm))
        found = np.zeros(len(markers))
        for t in r[7].split():
            if t in at:
                found[at[t]] = 1
        evidence = [int(ch) for ch in r[9]]
        return ([p.get(l, 0.0) for l in labels] + [logit, math.log1p(int(r[8]))] + evidence
                + list(found) + list(found * harm) + [e * harm for e in evidence]
                + [e * logit for e in evidence])

    x = np.array([features(r, p) for r, p in zip(rows, probs)])
    crisis = np.array([r[3] == "crisis" for r in rows])
    dev = np.array([r[0] == "dev" for r in rows])
    held = ~dev
    shipped = np.array([r[10] for r in rows])
    benign = np.array([r[4] == "benign" for r in rows])
    everyday = np.array([r[5] == "everyday_emotion" for r in rows])
    budget = benign & ~everyday & np.array([not r[5].startswith("contrast_") for r in rows])
    evidence = np.array([r[9][0] == "1" for r in rows])
    fold = folds_by_source([r[1] for r in rows if r[0] == "dev"], 5)
    score = np.zeros(len(rows))
    xd, yd, sw = x[dev], crisis[dev].astype(float), np.ones(dev.sum())
    out_of_fold = np.zeros(dev.sum())
    for f in range(5):
        m = logistic_regression(c).fit(xd[fold != f], yd[fold != f], sw[fold != f])
        out_of_fold[fold == f] = m.score(xd[fold == f])
    score[dev] = out_of_fold
    score[held] = logistic_regression(c).fit(xd, yd, sw).score(x[held])

    def line(name, said_crisis):
        severe = said_crisis | (shipped == "blocked")  # a crisis refused is caught too
        print(f"{name}: dev crisis {severe[dev & crisis].mean():.3f}, look-alikes severe "
              f"{severe[dev & budget].mean():.3f}, everyday severe {severe[dev & everyday].mean():.3f}"
              f" | held crisis {severe[held & crisis].mean():.3f}, held benign severe "
              f"{severe[held & benign].mean():.3f}")

    line("shipped combine()", shipped == "crisis")
    for tau in np.arange(0.50, 0.96, 0.05):
        line(f"learned, tau {tau:.2f}", score >= tau)
    for tau in np.arange(0.50, 0.96, 0.05):
        line(f"learned where there is crisis evidence, tau {tau:.2f}",
             np.where(evidence, score >= tau, shipped == "crisis"))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: combiner_frontier.py DUMP [C]")
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
