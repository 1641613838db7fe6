"""Would a learned component beat the rules? Two leave-one-batch-out baselines in numpy.

Both train on all development batches of the unseen set but one
(``tests/data/eval/unseen/development*``) and score that one, with logistic regression (L2, by
default with lambda = 0.003; plain gradient descent; deterministic):

1. **paper hedge** (none / strong / marginal / mixed) from the abstract's unigrams and bigrams
   seen in at least 3 training abstracts, optionally with the rules' own label and cue counts as
   features (``--rule-weight``: the value of the rules'-label feature; 0 leaves it out). Printed
   per batch next to the rules' accuracy on the same batch.
2. **comparison or not** for the numbers the rules consider and reject (not inside an extracted
   row, not a year or bare count): positive when a gold row that the extractor missed covers the
   number and has its value, negative when no gold row covers it. Scored by ranking all
   held-out numbers: how many true comparisons are among the top k.

The final test is never read. Not part of the test gate (pytest collects tests/ only); nothing
here is used by the package. Results: docs/measurements.md ("Would a learned component close
the gap?").

    .venv/bin/python benchmarks/learned_baseline.py
    .venv/bin/python benchmarks/learned_baseline.py --rule-weight 1
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
UNSEEN = REPO / "tests" / "data" / "eval" / "unseen"
PARTS = tuple(sorted(p.name for p in UNSEEN.glob("development*") if p.is_dir()))
HEDGES = ("none", "strong", "marginal", "mixed")
_WORD = re.compile(r"[a-z][a-z\-]+")
_TOKEN = re.compile(r"[a-z]+")


def _words(s: str) -> set[str]:
    w = _WORD.findall(s.lower())
    return set(w) | {a + "_" + b for a, b in zip(w, w[1:], strict=False)}


def _softmax_fit(x: np.ndarray, y: np.ndarray, k: int, lam: float, iters: int) -> np.ndarray:
    """Weights (with a bias row) of L2-regularized multinomial logistic regression."""
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros((x.shape[1], k))
    target = np.eye(k)[y]
    penalty = np.ones((x.shape[1], 1))
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(iters):
        z = x @ w
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        w -= 0.5 * (x.T @ (p - target) / len(x) + lam * penalty * w)
    return w


def _scores(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.hstack([x, np.ones((len(x), 1))]) @ w


def _matrix(feats: list[set[str]], vocab: dict[str, int]) -> np.ndarray:
    m = np.zeros((len(feats), len(vocab)))
    for i, f in enumerate(feats):
        for name in f:
            j = vocab.get(name)
            if j is not None:
                m[i, j] = 1.0
    return m


def _vocab(feats: list[set[str]], min_count: int) -> dict[str, int]:
    df = collections.Counter(f for fs in feats for f in fs)
    return {f: j for j, f in enumerate(sorted(f for f, c in df.items() if c >= min_count))}


def load_parts(registry) -> dict[str, dict]:
    """Per batch: the abstracts with their gold paper hedge and rows, and the extractor's rows
    and paper hedge."""
    from marginalia.corpus.records import normalize_title
    from marginalia.evaluate.cli import read_corpus, read_gold, run_extractor

    out = {}
    for part in PARTS:
        gold_effects, gold_papers = read_gold(UNSEEN / part)
        corpus = read_corpus(UNSEEN / part / "corpus.jsonl")
        effects, papers = run_extractor(corpus, registry)
        hedge = {normalize_title(g["title"]): g["hedge"] for g in gold_papers}
        rows = collections.defaultdict(list)
        for g in gold_effects:
            rows[normalize_title(g["title"])].append(g)
        pred = collections.defaultdict(list)
        for r in effects.to_dict("records"):
            pred[normalize_title(r["title"])].append(r)
        out[part] = {
            "papers": [
                (normalize_title(t), t, a)
                for t, a in zip(corpus.title, corpus.abstract, strict=True)
            ],
            "hedge": hedge,
            "gold": rows,
            "pred": pred,
        }
    return out


def paper_hedge(parts: dict[str, dict], rule_weight: float, lam: float, iters: int) -> None:
    from marginalia.extract.hedge_cues import read_cues
    from marginalia.extract.hedges import paper_hedge_of

    data = {}
    for part, d in parts.items():
        rows = []
        for key, title, abstract in d["papers"]:
            doc = read_cues(abstract)
            rule, _spans, _sense = paper_hedge_of(title, doc)
            kinds = collections.Counter(c.kind for c in doc.cues if c.paper)
            rows.append((_words(title + " . " + abstract), rule, kinds, d["hedge"][key]))
        data[part] = rows
    print(f"paper hedge, rule weight {rule_weight} (learned / rules, per held-out batch):")
    for held in PARTS:
        train = [r for p in PARTS if p != held for r in data[p]]
        test = data[held]
        vocab = _vocab([r[0] for r in train], 3)

        def design(rows, vocab=vocab):
            x = _matrix([r[0] for r in rows], vocab)
            extra = np.zeros((len(rows), len(HEDGES) + 2))
            for i, (_w, rule, kinds, _y) in enumerate(rows):
                extra[i, HEDGES.index(rule)] = rule_weight
                extra[i, len(HEDGES)] = min(kinds.get("strong", 0), 3) * (rule_weight > 0)
                extra[i, len(HEDGES) + 1] = min(kinds.get("marginal", 0), 3) * (rule_weight > 0)
            return np.hstack([x, extra])

        y = np.array([HEDGES.index(r[3]) for r in train])
        w = _softmax_fit(design(train), y, len(HEDGES), lam, iters)
        guess = _scores(design(test), w).argmax(1)
        truth = np.array([HEDGES.index(r[3]) for r in test])
        rules = np.mean([r[1] == r[3] for r in test])
        print(f"  {held:15s} {np.mean(guess == truth):.3f} / {rules:.3f}")


def _number_features(text: str, q) -> set[str]:
    left = _TOKEN.findall(text[max(0, q.start - 60) : q.start].lower())[-8:]
    right = _TOKEN.findall(text[q.end : q.end + 40].lower())[:5]
    f = {"L_" + w for w in left} | {"R_" + w for w in right}
    f |= {"L1_" + w for w in left[-1:]} | {"R1_" + w for w in right[:1]}
    f |= {f"family_{q.family}", f"kind_{q.kind}", f"sign_{bool(q.sign)}", f"pp_{q.pp}"}
    return f


def comparison_gate(parts: dict[str, dict], lam: float, iters: int) -> None:
    from marginalia.evaluate.match import deltas_agree, match_rows
    from marginalia.extract.numbers import find_quantities, tex_shadow
    from marginalia.extract.singles import bare_hopeless

    feats, labels, batch = [], [], []
    for part, d in parts.items():
        for key, _title, abstract in d["papers"]:
            gold, pred = d["gold"].get(key, []), d["pred"].get(key, [])
            matched = {g for g, _p in match_rows(gold, pred)}
            spans = []
            for gi, g in enumerate(gold):
                i = abstract.find(g["span"])
                if i >= 0:
                    spans.append((i, i + len(g["span"]), gi in matched, g))
            shadow = tex_shadow(abstract)
            for q in find_quantities(abstract):
                if bare_hopeless(shadow, q) or any(p["start"] <= q.start < p["end"] for p in pred):
                    continue
                inside = [s for s in spans if s[0] <= q.start < s[1]]
                if any(s[2] for s in inside):
                    continue  # part of a row the extractor got
                if not inside:
                    label = 0
                elif any(
                    deltas_agree(s[3]["delta"], v, s[3]["unit"])
                    for s in inside
                    for v in (q.value, -q.value)
                ):
                    label = 1
                else:
                    continue  # inside a missed row, but not its value (a level of a pair)
                feats.append(_number_features(shadow, q))
                labels.append(label)
                batch.append(part)
    y = np.array(labels)
    score = np.zeros(len(y))
    for held in PARTS:
        tr = [i for i, p in enumerate(batch) if p != held]
        te = [i for i, p in enumerate(batch) if p == held]
        vocab = _vocab([feats[i] for i in tr], 2)
        w = _softmax_fit(_matrix([feats[i] for i in tr], vocab), y[tr], 2, lam, iters)
        s = _scores(_matrix([feats[i] for i in te], vocab), w)
        score[te] = s[:, 1] - s[:, 0]
    order = np.argsort(-score, kind="stable")
    print(f"comparison or not: {int(y.sum())} comparisons among {len(y)} rejected numbers")
    for k in (5, 10, 15, 20, 30, 40):
        hit = int(y[order[:k]].sum())
        print(f"  top {k:2d}: {hit} comparisons (precision {hit / k:.2f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rule-weight", type=float, default=0.0)
    ap.add_argument("--lam", type=float, default=0.003)
    ap.add_argument("--iters", type=int, default=1500)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    from marginalia.registry import load_registry

    parts = load_parts(load_registry(REPO / "config" / "benchmarks.yaml"))
    paper_hedge(parts, args.rule_weight, args.lam, args.iters)
    comparison_gate(parts, args.lam, args.iters)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
