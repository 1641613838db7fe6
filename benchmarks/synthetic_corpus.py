"""A synthetic corpus with planted comparisons: for scale runs and extraction recall at scale.

Each paper's abstract mixes the phrasings of real ML abstracts (a problem sentence, a method
sentence, result sentences in several forms, a closing sentence) with 1-3 planted comparisons
on proportion benchmarks of the registry. The true improvements follow the model of DESIGN.md
§4 (a population mean, paper and benchmark effects, a comparison term); the reported value
adds the benchmark's sampling noise at its test-set size; the size word is chosen after
seeing the reported value ("marginally" below 1 pp, "significantly" above 4 pp), as authors
do. Some abstracts carry a number about prior work (which must not be extracted as the
paper's own). Deterministic by seed.

    .venv/bin/python benchmarks/synthetic_corpus.py --papers 5000 --seed 1 --out /tmp/syn
    .venv/bin/python benchmarks/synthetic_corpus.py --papers 2000 --check   # recall report

Writes ``corpus.jsonl`` (a `type: file` source, format jsonl: paper_id, title, abstract, year)
and ``planted.jsonl`` (one row per planted comparison: paper_id, benchmark, baseline,
treatment, delta, hedge, theta). ``--check`` extracts the corpus and reports the share of
planted comparisons found (same paper, delta within 0.05) and, of those, linked to their
benchmark, and how many prior-work numbers entered as the paper's own.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from marginalia.registry import load_registry  # noqa: E402

PROBLEMS = [
    "Large language models still struggle with multi-step reasoning.",
    "Fine-tuning large models is expensive and often unstable.",
    "Retrieval-augmented systems remain brittle when the retrieved context is noisy.",
    "Vision-language models often fail on compositional questions.",
    "Existing methods for long-context modelling trade accuracy for memory.",
]
METHODS = [
    "We propose {m}, a simple method that {what}.",
    "In this paper we introduce {m}, which {what}.",
    "We present {m}: it {what}.",
]
WHATS = [
    "reweights training examples by their difficulty",
    "adds a lightweight verifier to the decoding loop",
    "distils a teacher's intermediate reasoning into a smaller student",
    "aligns visual and textual tokens with a contrastive objective",
    "prunes redundant attention heads during training",
]
CLOSING = [
    "Code and models are publicly available.",
    "We release our code to facilitate future research.",
    "These results suggest a promising direction for efficient training.",
]
PRIOR = [
    "Prior work reported accuracies of {a:.1f}% on this task.",
    "Earlier studies observed drops of {a:.0f}% under distribution shift.",
]
NAMES = ["ReVer", "DistilStep", "AlignCLIP", "HeadPrune", "ReWeight", "LoCo", "StepWise", "Sparrow"]


def _result_sentence(rng: np.random.Generator, bench: str, b: float, t: float, word: str) -> str:
    d = t - b
    adverb = f"{word} " if word else ""
    forms = [
        f"On {bench}, our method {adverb}improves accuracy from {b:.1f}% to {t:.1f}%.",
        f"It {adverb}outperforms the strongest baseline by {d:.1f} points on {bench}.",
        f"Our approach {adverb}raises {bench} accuracy from {b:.1f} to {t:.1f}.",
        f"On {bench} it {adverb}improves accuracy by {d:.1f} percentage points.",
    ]
    if d < 0:
        forms = [
            f"On {bench}, accuracy {adverb}drops from {b:.1f}% to {t:.1f}%.",
            f"On {bench} it trails the baseline by {-d:.1f} points.",
        ]
    return forms[int(rng.integers(len(forms)))]


def _word(y: float, rng: np.random.Generator) -> tuple[str, str]:
    """The size word chosen after seeing the reported gain y (pp): (hedge class, word)."""
    if y < 1.0 and rng.random() < 0.7:
        return "marginal", str(rng.choice(["marginally", "slightly"]))
    if y > 4.0 and rng.random() < 0.7:
        return "strong", str(rng.choice(["significantly", "substantially"]))
    return "none", ""


def generate(
    n_papers: int, seed: int, registry_path: Path = REPO / "config" / "benchmarks.yaml"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(corpus, planted) for ``n_papers`` synthetic papers."""
    rng = np.random.default_rng(seed)
    reg = load_registry(registry_path)
    benches = [
        n
        for n in reg.names
        if reg.get(n).get("metric_kind") == "proportion"
        and reg.get(n).get("n")
        # names the extractor must find as written: plain, unambiguous spellings
        and " " not in n
    ]
    bench_effect = {b: rng.normal(0, 1.0) for b in benches}
    base_level = {b: float(rng.uniform(35, 85)) for b in benches}
    mu, tau_paper, tau_effect = 2.0, 1.5, 1.0
    rows, planted = [], []
    for i in range(n_papers):
        pid = f"syn:{seed}:{i:06d}"
        u = rng.normal(0, tau_paper)
        k = int(rng.integers(1, 4))
        chosen = rng.choice(len(benches), size=k, replace=False)
        sentences = [str(rng.choice(PROBLEMS))]
        if rng.random() < 0.15:
            sentences.append(str(rng.choice(PRIOR)).format(a=float(rng.uniform(20, 80))))
        name = str(rng.choice(NAMES))
        sentences.append(str(rng.choice(METHODS)).format(m=name, what=rng.choice(WHATS)))
        for j in chosen:
            bench = benches[int(j)]
            n = float(reg.get(bench)["n"])
            p = base_level[bench] / 100
            se = 100 * math.sqrt(2 * p * (1 - p) / n)
            theta = mu + u + bench_effect[bench] + rng.normal(0, tau_effect)
            y = round(theta + rng.normal(0, se), 1)
            b = round(base_level[bench] + rng.normal(0, 2), 1)
            t = round(min(max(b + y, 0.0), 99.9), 1)
            y = round(t - b, 1)
            if y == 0:
                t, y = round(b + 0.1, 1), 0.1
            hedge, word = _word(y, rng)
            sentences.append(_result_sentence(rng, bench, b, t, word))
            planted.append(
                {
                    "paper_id": pid,
                    "benchmark": bench,
                    "baseline": b,
                    "treatment": t,
                    "delta": y,
                    "hedge": hedge,
                    "theta": theta,
                }
            )
        sentences.append(str(rng.choice(CLOSING)))
        rows.append(
            {
                "paper_id": pid,
                "title": f"{name}: synthetic paper {i}",
                "abstract": " ".join(sentences),
                "year": 2025,
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(planted)


def check(corpus: pd.DataFrame, planted: pd.DataFrame) -> dict[str, float]:
    """Recall of the planted comparisons by the extractor, benchmark links, prior-work leaks."""
    from marginalia.extract import extract_corpus

    reg = load_registry(REPO / "config" / "benchmarks.yaml")
    effects, _ = extract_corpus(corpus.assign(source="synthetic"), registry=reg)
    own = effects[effects["attribution"] == "own"]
    found = linked = 0
    by_paper = {pid: g for pid, g in own.groupby("paper_id")}
    for r in planted.itertuples():
        g = by_paper.get(r.paper_id)
        if g is None:
            continue
        hit = g[(g["delta"].astype(float).abs() - abs(r.delta)).abs() < 0.051]
        if len(hit):
            found += 1
            linked += int((hit["benchmark"] == r.benchmark).any())
    prior = corpus["abstract"].str.contains("Prior work reported|Earlier studies observed")
    leaked = own[own["paper_id"].isin(corpus.loc[prior, "paper_id"])]
    leaked = leaked[leaked["span"].str.contains(r"accuracies of|drops of", regex=True)]
    return {
        "papers": len(corpus),
        "planted": len(planted),
        "recall": found / max(len(planted), 1),
        "benchmark_linked_of_found": linked / max(found, 1),
        "prior_work_numbers_as_own": len(leaked),
        "extracted_own": len(own),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--papers", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--check", action="store_true", help="extract and report recall")
    args = ap.parse_args()
    corpus, planted = generate(args.papers, args.seed)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        corpus.to_json(args.out / "corpus.jsonl", orient="records", lines=True)
        planted.to_json(args.out / "planted.jsonl", orient="records", lines=True)
        print(f"wrote {len(corpus)} papers, {len(planted)} planted comparisons to {args.out}")
    if args.check:
        print(json.dumps(check(corpus, planted), indent=2))


if __name__ == "__main__":
    main()
