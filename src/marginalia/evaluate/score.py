"""Scores of an extraction against gold records: :func:`score_extraction`.

The scoring rules are those of the gold standard's README (``../shared/eval/README.md``); rows
and papers are matched as in :mod:`marginalia.evaluate.match`.

- Only papers present in the gold papers are scored; extracted rows of other papers are ignored.
- Precision, recall and F1 overall and per ``aspect`` and ``unit``: per-label precision counts
  extracted rows by their predicted label, recall counts gold rows by their gold label.
- Among matched rows: accuracy of ``direction``, ``unit``, ``qualifier`` (empty == null),
  ``scale``, ``aspect``, and of ``benchmark`` where the gold names one (names compared through
  the benchmark registry when one is given, else by case- and punctuation-free key).
- ``hedge_local``: precision, recall and F1 over the ``marginal`` and ``strong`` labels among
  matched rows (micro-averaged, and per label): a row predicted ``none`` where the gold says
  ``marginal`` is a miss of ``marginal``.
- Per paper: accuracy and confusion matrix of ``hedge`` and of ``marginal_sense``; a gold paper
  absent from the extracted papers counts as predicted ``(missing)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from marginalia.corpus.records import normalize_title
from marginalia.errors import MarginaliaError
from marginalia.evaluate.match import ABS_TOL, REL_TOL, RELATIVE_UNITS, match_rows, title_index
from marginalia.registry import name_key
from marginalia.values import is_missing, optional_number, text

if TYPE_CHECKING:
    from marginalia.registry import Registry

ATTRIBUTES = ("direction", "unit", "qualifier", "scale", "aspect", "benchmark", "attribution")
#: a matched row is strictly right when its value (the match itself) and these are right
STRICT = ("direction", "scale", "aspect")
_PAREN_RE = re.compile(r"\s*\([^()]*\)")
_GOLD_LIST_RE = re.compile(r"\s*(?:,\s*(?:and\s+)?|\band\b|/|;)\s*")
HEDGE_LOCAL_LABELS = ("marginal", "strong")
HEDGE_LABELS = ("marginal", "strong", "mixed", "none")
SENSE_LABELS = ("improvement", "statistics", "other", "absent")
ASPECTS = ("performance", "efficiency")
UNITS = ("percent", "points", "ratio", "fraction")
MISSING = "(missing)"


def _records(table: pd.DataFrame | Iterable[dict] | None) -> list[dict]:
    if table is None:
        return []
    if isinstance(table, pd.DataFrame):
        return [
            {k: (None if is_missing(v) else v) for k, v in row.items()}
            for row in table.to_dict(orient="records")
        ]
    return [dict(r) for r in table]


def _prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict[str, Any]:
    precision = tp_pred / n_pred if n_pred else None
    recall = tp_gold / n_gold if n_gold else None
    if precision is None or recall is None or precision + recall == 0:
        f1 = 0.0 if (precision == 0 or recall == 0) else None
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp_pred": tp_pred,
        "n_pred": n_pred,
        "tp_gold": tp_gold,
        "n_gold": n_gold,
    }


def _same_benchmark(gold: Any, pred: Any, registry: Registry | None) -> bool:
    """Same benchmark. A gold naming several ("GSM8K, MATH500, and AIME24") accepts any one
    of them, or a list of them; a parenthesised split note in the gold ("Spider
    (validation)") is ignored when the name alone matches."""
    g, p = text(gold), text(pred)
    if not p:
        return False
    if _one_benchmark(g, p, registry):
        return True
    golds = [x for x in _GOLD_LIST_RE.split(_PAREN_RE.sub("", g)) if x.strip()]
    preds = [x for x in _GOLD_LIST_RE.split(p) if x.strip()]
    if not golds or not preds:
        return False
    return all(any(_one_benchmark(gx, px, registry) for gx in golds) for px in preds)


def _one_benchmark(g: str, p: str, registry: Registry | None) -> bool:
    if registry is not None:
        cg, cp = registry.canonical(g), registry.canonical(p)
        if cg is not None or cp is not None:
            return cg == cp
    return name_key(g) == name_key(p)


def _attribute_correct(attr: str, g: dict, p: dict, registry: Registry | None) -> bool | None:
    """Whether a matched row gets ``attr`` right; None when the attribute is not scored."""
    if attr == "benchmark":
        if not text(g.get("benchmark")):
            return None
        return _same_benchmark(g.get("benchmark"), p.get("benchmark"), registry)
    if attr == "attribution":
        if not text(g.get("attribution")):
            return None  # gold sets made before the field existed
        return text(g.get("attribution")) == (text(p.get("attribution")) or "own")
    return text(g.get(attr)) == text(p.get(attr))


def _paper_label(gpaper: dict) -> Any:
    """How a gold paper is named in listings: its number, else its arXiv id."""
    return gpaper.get("paper") if gpaper.get("paper") is not None else gpaper.get("arxiv_id")


def _hedge_local(value: Any) -> str:
    return text(value) or "none"


def _confusion(pairs: list[tuple[str, str]], labels: Sequence[str]) -> dict[str, Any]:
    gold_labels = list(labels) + sorted({g for g, _ in pairs} - set(labels))
    pred_labels = list(labels) + sorted({p for _, p in pairs} - set(labels))
    matrix = {g: dict.fromkeys(pred_labels, 0) for g in gold_labels}
    for g, p in pairs:
        matrix[g][p] += 1
    correct = sum(1 for g, p in pairs if g == p)
    return {
        "n": len(pairs),
        "correct": correct,
        "accuracy": correct / len(pairs) if pairs else None,
        "labels_gold": gold_labels,
        "labels_pred": pred_labels,
        "matrix": matrix,
    }


def score_extraction(
    effects_df: pd.DataFrame | Iterable[dict],
    papers_df: pd.DataFrame | Iterable[dict],
    gold_effects: pd.DataFrame | Iterable[dict],
    gold_papers: pd.DataFrame | Iterable[dict],
    registry: Registry | None = None,
) -> dict[str, Any]:
    """Score extracted effects and papers against gold records (see the module docstring).

    ``effects_df``/``papers_df`` have the columns of results/effects and results/papers;
    ``gold_effects``/``gold_papers`` are the records of gold_effects.jsonl/gold_papers.jsonl
    (lists of dicts or DataFrames). ``registry`` canonicalizes benchmark names for the
    benchmark accuracy.
    """
    gold_p = _records(gold_papers)
    gold_e = _records(gold_effects)
    pred_e = _records(effects_df)
    pred_p = _records(papers_df)
    index = title_index(gold_p)

    # gold effects by paper key
    gold_by_key: dict[str, list[dict]] = {k: [] for k in index}
    for row in gold_e:
        key = normalize_title(text(row.get("title")))
        if key not in gold_by_key:
            raise MarginaliaError(
                f"gold effects: record of paper {row.get('paper')!r} ({row.get('title')!r}) "
                "has no paper in the gold papers"
            )
        gold_by_key[key].append(row)

    # predicted papers and effects by paper key (ignoring papers outside the gold set)
    title_of_id = {text(p.get("paper_id")): text(p.get("title")) for p in pred_p}
    pred_paper_by_key: dict[str, dict] = {}
    for p in pred_p:
        key = normalize_title(text(p.get("title")))
        if key in index:
            pred_paper_by_key.setdefault(key, p)
    pred_by_key: dict[str, list[dict]] = {k: [] for k in index}
    ignored = 0
    for row in pred_e:
        title = text(row.get("title")) or title_of_id.get(text(row.get("paper_id")), "")
        key = normalize_title(title)
        if key in pred_by_key:
            pred_by_key[key].append(row)
        else:
            ignored += 1

    matched: list[tuple[dict, dict, dict]] = []  # (gold paper, gold row, pred row)
    misses: list[dict] = []
    false_positives: list[dict] = []
    n_gold = n_pred = 0
    for key, gpaper in index.items():
        grows, prows = gold_by_key[key], pred_by_key[key]
        n_gold += len(grows)
        n_pred += len(prows)
        pairs = match_rows(grows, prows)
        gi_used = {gi for gi, _ in pairs}
        pi_used = {pi for _, pi in pairs}
        for gi, pi in pairs:
            matched.append((gpaper, grows[gi], prows[pi]))
        for gi, g in enumerate(grows):
            if gi not in gi_used:
                misses.append(_row_summary(gpaper, g))
        for pi, p in enumerate(prows):
            if pi not in pi_used:
                false_positives.append(_row_summary(gpaper, p))

    tp = len(matched)
    overall = _prf(tp, n_pred, tp, n_gold)
    by_label = {}
    for field, labels in (("aspect", ASPECTS), ("unit", UNITS)):
        all_pred = [p for rows in pred_by_key.values() for p in rows]
        all_gold = [g for rows in gold_by_key.values() for g in rows]
        seen = list(labels) + sorted(
            {text(r.get(field)) for r in all_pred + all_gold} - set(labels) - {""}
        )
        by_label[field] = {
            label: _prf(
                sum(1 for _, _, p in matched if text(p.get(field)) == label),
                sum(1 for p in all_pred if text(p.get(field)) == label),
                sum(1 for _, g, _ in matched if text(g.get(field)) == label),
                sum(1 for g in all_gold if text(g.get(field)) == label),
            )
            for label in seen
        }

    attributes: dict[str, dict[str, Any]] = {}
    attribute_errors: list[dict] = []
    for attr in ATTRIBUTES:
        scored = correct = 0
        for gpaper, g, p in matched:
            ok = _attribute_correct(attr, g, p, registry)
            if ok is None:
                continue
            scored += 1
            correct += int(ok)
            if not ok:
                attribute_errors.append(
                    {
                        "paper": _paper_label(gpaper),
                        "title": text(gpaper.get("title")),
                        "attribute": attr,
                        "gold_span": text(g.get("span")),
                        "pred_span": text(p.get("span")),
                        "gold": text(g.get(attr)),
                        "pred": text(p.get(attr)),
                    }
                )
        attributes[attr] = {
            "n": scored,
            "correct": correct,
            "accuracy": correct / scored if scored else None,
        }

    strict_tp = sum(
        1 for _, g, p in matched if all(_attribute_correct(a, g, p, registry) for a in STRICT)
    )
    strict = _prf(strict_tp, n_pred, strict_tp, n_gold)
    not_own = [
        {
            "paper": _paper_label(gpaper),
            "gold": text(g.get("attribution")),
            "pred": text(p.get("attribution")) or "own",
            "span": text(g.get("span")),
        }
        for gpaper, g, p in matched
        if text(g.get("attribution")) not in ("", "own")
        or text(p.get("attribution")) not in ("", "own")
    ]

    hedge_local = _score_hedge_local(matched)
    hedge = _score_paper_field(index, pred_paper_by_key, "hedge", HEDGE_LABELS)
    sense = _score_paper_field(index, pred_paper_by_key, "marginal_sense", SENSE_LABELS)

    return {
        "counts": {
            "gold_papers": len(index),
            "gold_papers_extracted": len(pred_paper_by_key),
            "gold_effects": n_gold,
            "extracted_effects_scored": n_pred,
            "extracted_effects_ignored": ignored,
            "matched": tp,
        },
        "rules": {
            "abs_tol": ABS_TOL,
            "rel_tol": REL_TOL,
            "relative_units": list(RELATIVE_UNITS),
            "benchmark_registry": registry.path if registry is not None else None,
        },
        "effects": {"overall": overall, "strict": strict, **by_label},
        "attribution_not_own": not_own,
        "attributes": attributes,
        "hedge_local": hedge_local,
        "papers": {"hedge": hedge["summary"], "marginal_sense": sense["summary"]},
        "misses": misses,
        "false_positives": false_positives,
        "attribute_errors": attribute_errors,
        "hedge_disagreements": hedge["disagreements"],
        "sense_disagreements": sense["disagreements"],
    }


def _row_summary(gpaper: dict, row: dict) -> dict[str, Any]:
    out = {
        "paper": _paper_label(gpaper),
        "title": text(gpaper.get("title")),
        "span": text(row.get("span")),
        "delta": optional_number(row.get("delta")),
        "unit": text(row.get("unit")),
        "aspect": text(row.get("aspect")),
    }
    if text(row.get("effect_id")):
        out["effect_id"] = text(row.get("effect_id"))
    return out


def _score_hedge_local(matched: list[tuple[dict, dict, dict]]) -> dict[str, Any]:
    pairs = [
        (_hedge_local(g.get("hedge_local")), _hedge_local(p.get("hedge_local")))
        for *_, g, p in matched
    ]
    per_label = {}
    tp_all = fp_all = fn_all = 0
    for label in HEDGE_LOCAL_LABELS:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if p == label and g != label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        per_label[label] = {**_prf(tp, tp + fp, tp, tp + fn), "tp": tp, "fp": fp, "fn": fn}
    micro = {**_prf(tp_all, tp_all + fp_all, tp_all, tp_all + fn_all)}
    micro.update({"tp": tp_all, "fp": fp_all, "fn": fn_all})
    return {
        "micro": micro,
        "per_label": per_label,
        "confusion": _confusion(pairs, (*HEDGE_LOCAL_LABELS, "none")),
    }


def _score_paper_field(
    index: dict[str, dict], pred_by_key: dict[str, dict], field: str, labels: Sequence[str]
) -> dict[str, Any]:
    pairs = []
    disagreements = []
    for key, gpaper in index.items():
        gold = text(gpaper.get(field))
        ppaper = pred_by_key.get(key)
        pred = MISSING if ppaper is None else (text(ppaper.get(field)) or MISSING)
        pairs.append((gold, pred))
        if gold != pred:
            item = {
                "paper": _paper_label(gpaper),
                "title": text(gpaper.get("title")),
                "gold": gold,
                "pred": pred,
            }
            if field == "hedge":
                item["gold_spans"] = _spans(gpaper.get("hedge_spans"))
                item["pred_spans"] = _spans(None if ppaper is None else ppaper.get("hedge_spans"))
            disagreements.append(item)
    return {"summary": _confusion(pairs, labels), "disagreements": disagreements}


def _spans(value: Any) -> list[str]:
    """hedge_spans as a list: a JSON array string (the papers table) or a list (gold)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return [value] if value else []
        return [str(s) for s in parsed] if isinstance(parsed, list) else [str(parsed)]
    if isinstance(value, Iterable):
        return [str(s) for s in value]
    if is_missing(value):
        return []
    return [str(value)]
