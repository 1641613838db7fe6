"""Score extracted effects and paper hedges against hand-annotated gold files.

The scoring rules are those of the gold standard's README (``../shared/eval/README.md``):

- Papers are matched by normalized title (:func:`marginalia.corpus.records.normalize_title`).
  Only papers present in the gold papers are scored; extracted rows of other papers are ignored.
- An extracted row matches a gold row of the same paper when ``delta`` agrees within 0.01, or,
  when the gold unit is ``ratio`` or ``fraction``, within 1% relative
  (``|pred - gold| <= 0.01 * max(|pred|, |gold|)``). Each gold row matches at most one
  extracted row and vice versa: candidate pairs are taken greedily by closeness
  (``|pred - gold|`` divided by the pair's tolerance), ties broken by same unit, then by larger
  span overlap (longest common substring over the shorter span), then by file order.
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

:func:`score_extraction` returns a JSON-serializable dict; :func:`render_markdown` turns it into
tables. ``python -m marginalia.evaluate --corpus ... --gold ...`` extracts a corpus and scores it.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import sys
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from marginalia.corpus.records import normalize_title
from marginalia.errors import MarginaliaError
from marginalia.registry import name_key

if TYPE_CHECKING:
    from marginalia.registry import Registry

ABS_TOL = 0.01
REL_TOL = 0.01
RELATIVE_UNITS = ("ratio", "fraction")
ATTRIBUTES = ("direction", "unit", "qualifier", "scale", "aspect", "benchmark")
HEDGE_LOCAL_LABELS = ("marginal", "strong")
HEDGE_LABELS = ("marginal", "strong", "mixed", "none")
SENSE_LABELS = ("improvement", "statistics", "other", "absent")
ASPECTS = ("performance", "efficiency")
UNITS = ("percent", "points", "ratio", "fraction")
MISSING = "(missing)"
_EPS = 1e-9


# --------------------------------------------------------------------------- small helpers


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    """Label as a string: missing values and empty strings become ''."""
    return "" if _is_missing(value) else str(value).strip()


def _float(value: Any) -> float | None:
    if _is_missing(value):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _records(table: pd.DataFrame | Iterable[dict] | None) -> list[dict]:
    if table is None:
        return []
    if isinstance(table, pd.DataFrame):
        return [
            {k: (None if _is_missing(v) else v) for k, v in row.items()}
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


def tolerance(gold_delta: float, pred_delta: float, gold_unit: str) -> float:
    """Largest |pred - gold| that still matches (absolute 0.01; 1% relative for ratio/fraction)."""
    if gold_unit in RELATIVE_UNITS:
        return REL_TOL * max(abs(gold_delta), abs(pred_delta))
    return ABS_TOL


def deltas_agree(gold_delta: Any, pred_delta: Any, gold_unit: str) -> bool:
    g, p = _float(gold_delta), _float(pred_delta)
    if g is None or p is None:
        return False
    return abs(p - g) <= tolerance(g, p, gold_unit) + _EPS


def span_overlap(a: Any, b: Any) -> float:
    """Longest common substring of two spans over the shorter length (0..1; 1 = containment)."""
    a, b = _text(a), _text(b)
    if not a or not b:
        return 0.0
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size / min(len(a), len(b))


# --------------------------------------------------------------------------- matching


def match_rows(gold_rows: Sequence[dict], pred_rows: Sequence[dict]) -> list[tuple[int, int]]:
    """One-to-one matches ``(gold_index, pred_index)`` between the rows of one paper."""
    candidates = []
    for gi, g in enumerate(gold_rows):
        g_delta, g_unit = _float(g.get("delta")), _text(g.get("unit"))
        if g_delta is None:
            continue
        for pi, p in enumerate(pred_rows):
            p_delta = _float(p.get("delta"))
            if p_delta is None or not deltas_agree(g_delta, p_delta, g_unit):
                continue
            tol = tolerance(g_delta, p_delta, g_unit)
            closeness = abs(p_delta - g_delta) / tol if tol > 0 else 0.0
            same_unit = 0 if _text(p.get("unit")) == g_unit else 1
            overlap = span_overlap(g.get("span"), p.get("span"))
            candidates.append((round(closeness, 9), same_unit, -overlap, gi, pi))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for *_, gi, pi in candidates:
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def _title_index(gold_papers: list[dict]) -> dict[str, dict]:
    index: dict[str, dict] = {}
    for row in gold_papers:
        title = _text(row.get("title"))
        if not title:
            raise MarginaliaError(f"gold papers: record {row.get('paper')!r} has no title")
        key = normalize_title(title)
        if key in index:
            raise MarginaliaError(
                f"gold papers: papers {index[key].get('paper')!r} and {row.get('paper')!r} "
                f"have the same normalized title {key!r}; titles must identify papers"
            )
        index[key] = row
    return index


def _same_benchmark(gold: Any, pred: Any, registry: Registry | None) -> bool:
    g, p = _text(gold), _text(pred)
    if not p:
        return False
    if registry is not None:
        cg, cp = registry.canonical(g), registry.canonical(p)
        if cg is not None or cp is not None:
            return cg == cp
    return name_key(g) == name_key(p)


def _attribute_correct(attr: str, g: dict, p: dict, registry: Registry | None) -> bool | None:
    """Whether a matched row gets ``attr`` right; None when the attribute is not scored."""
    if attr == "benchmark":
        if not _text(g.get("benchmark")):
            return None
        return _same_benchmark(g.get("benchmark"), p.get("benchmark"), registry)
    return _text(g.get(attr)) == _text(p.get(attr))


def _hedge_local(value: Any) -> str:
    return _text(value) or "none"


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


# --------------------------------------------------------------------------- scoring


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
    index = _title_index(gold_p)

    # gold effects by paper key
    gold_by_key: dict[str, list[dict]] = {k: [] for k in index}
    for row in gold_e:
        key = normalize_title(_text(row.get("title")))
        if key not in gold_by_key:
            raise MarginaliaError(
                f"gold effects: record of paper {row.get('paper')!r} ({row.get('title')!r}) "
                "has no paper in the gold papers"
            )
        gold_by_key[key].append(row)

    # predicted papers and effects by paper key (ignoring papers outside the gold set)
    title_of_id = {_text(p.get("paper_id")): _text(p.get("title")) for p in pred_p}
    pred_paper_by_key: dict[str, dict] = {}
    for p in pred_p:
        key = normalize_title(_text(p.get("title")))
        if key in index:
            pred_paper_by_key.setdefault(key, p)
    pred_by_key: dict[str, list[dict]] = {k: [] for k in index}
    ignored = 0
    for row in pred_e:
        title = _text(row.get("title")) or title_of_id.get(_text(row.get("paper_id")), "")
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
            {_text(r.get(field)) for r in all_pred + all_gold} - set(labels) - {""}
        )
        by_label[field] = {
            label: _prf(
                sum(1 for _, _, p in matched if _text(p.get(field)) == label),
                sum(1 for p in all_pred if _text(p.get(field)) == label),
                sum(1 for _, g, _ in matched if _text(g.get(field)) == label),
                sum(1 for g in all_gold if _text(g.get(field)) == label),
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
                        "paper": gpaper.get("paper"),
                        "title": _text(gpaper.get("title")),
                        "attribute": attr,
                        "gold_span": _text(g.get("span")),
                        "pred_span": _text(p.get("span")),
                        "gold": _text(g.get(attr)),
                        "pred": _text(p.get(attr)),
                    }
                )
        attributes[attr] = {
            "n": scored,
            "correct": correct,
            "accuracy": correct / scored if scored else None,
        }

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
        "effects": {"overall": overall, **by_label},
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
        "paper": gpaper.get("paper"),
        "title": _text(gpaper.get("title")),
        "span": _text(row.get("span")),
        "delta": _float(row.get("delta")),
        "unit": _text(row.get("unit")),
        "aspect": _text(row.get("aspect")),
    }
    if _text(row.get("effect_id")):
        out["effect_id"] = _text(row.get("effect_id"))
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
        gold = _text(gpaper.get(field))
        ppaper = pred_by_key.get(key)
        pred = MISSING if ppaper is None else (_text(ppaper.get(field)) or MISSING)
        pairs.append((gold, pred))
        if gold != pred:
            item = {
                "paper": gpaper.get("paper"),
                "title": _text(gpaper.get("title")),
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
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, Iterable):
        return [str(s) for s in value]
    return [str(value)]


# --------------------------------------------------------------------------- markdown


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _cell(text: Any) -> str:
    return _text(text).replace("|", "\\|").replace("\n", " ")


def _prf_row(label: str, m: dict[str, Any]) -> str:
    return (
        f"| {label} | {_fmt(m['precision'])} | {_fmt(m['recall'])} | {_fmt(m['f1'])} | "
        f"{m['tp_pred']}/{m['n_pred']} | {m['tp_gold']}/{m['n_gold']} |"
    )


def _confusion_table(conf: dict[str, Any]) -> list[str]:
    preds = conf["labels_pred"]
    lines = [
        "| gold \\ predicted | " + " | ".join(preds) + " |",
        "|---|" + "---:|" * len(preds),
    ]
    for g in conf["labels_gold"]:
        lines.append(f"| {g} | " + " | ".join(str(conf["matrix"][g][p]) for p in preds) + " |")
    return lines


def render_markdown(result: dict[str, Any]) -> str:
    """Readable tables of a :func:`score_extraction` result (results/evaluation/extraction.md)."""
    c = result["counts"]
    out = [
        "# Extraction evaluation",
        "",
        f"Gold papers: {c['gold_papers']} ({c['gold_papers_extracted']} found in the extracted "
        f"papers). Gold effects: {c['gold_effects']}. Extracted effects of gold papers: "
        f"{c['extracted_effects_scored']} (other papers' rows ignored: "
        f"{c['extracted_effects_ignored']}). Matched: {c['matched']}.",
        "",
        "Matching: same paper (normalized title), |delta difference| <= "
        f"{result['rules']['abs_tol']} ({', '.join(result['rules']['relative_units'])}: within "
        f"{result['rules']['rel_tol']:.0%} relative), one-to-one.",
        "",
        "## Effects",
        "",
        "Per-label precision counts extracted rows by their predicted label; recall counts gold "
        "rows by their gold label.",
        "",
        "| rows | precision | recall | F1 | matched/extracted | matched/gold |",
        "|---|---:|---:|---:|---:|---:|",
        _prf_row("all", result["effects"]["overall"]),
    ]
    for field in ("aspect", "unit"):
        for label, m in result["effects"][field].items():
            out.append(_prf_row(f"{field} = {label}", m))
    out += [
        "",
        "## Attributes of matched rows",
        "",
        "| attribute | accuracy | correct/scored |",
        "|---|---:|---:|",
    ]
    for attr, m in result["attributes"].items():
        note = " (where the gold names one)" if attr == "benchmark" else ""
        out.append(f"| {attr}{note} | {_fmt(m['accuracy'])} | {m['correct']}/{m['n']} |")
    hl = result["hedge_local"]
    out += [
        "",
        "## hedge_local (matched rows)",
        "",
        "Scored over the labels marginal and strong: a row predicted none where the gold says "
        "marginal is a miss.",
        "",
        "| label | precision | recall | F1 | tp | fp | fn |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, m in [("micro (marginal + strong)", hl["micro"]), *hl["per_label"].items()]:
        out.append(
            f"| {label} | {_fmt(m['precision'])} | {_fmt(m['recall'])} | {_fmt(m['f1'])} | "
            f"{m['tp']} | {m['fp']} | {m['fn']} |"
        )
    out += ["", *_confusion_table(hl["confusion"])]
    for field in ("hedge", "marginal_sense"):
        conf = result["papers"][field]
        out += [
            "",
            f"## Paper {field}",
            "",
            f"Accuracy {_fmt(conf['accuracy'])} ({conf['correct']}/{conf['n']} papers).",
            "",
            *_confusion_table(conf),
        ]
    out += _list_section(
        "Misses (gold rows not extracted)",
        result["misses"],
        ("paper", "span", "delta", "unit", "aspect"),
    )
    out += _list_section(
        "False positives (extracted rows of gold papers with no gold row)",
        result["false_positives"],
        ("paper", "span", "delta", "unit", "aspect"),
    )
    out += _list_section(
        "Attribute errors of matched rows",
        result["attribute_errors"],
        ("paper", "attribute", "gold", "pred", "gold_span", "pred_span"),
    )
    out += _list_section(
        "Paper hedge disagreements",
        result["hedge_disagreements"],
        ("paper", "title", "gold", "pred", "gold_spans", "pred_spans"),
    )
    out += _list_section(
        "marginal_sense disagreements",
        result["sense_disagreements"],
        ("paper", "title", "gold", "pred"),
    )
    return "\n".join(out) + "\n"


def _list_section(heading: str, rows: list[dict], columns: Sequence[str]) -> list[str]:
    out = ["", f"## {heading} ({len(rows)})", ""]
    if not rows:
        return [*out, "None."]
    out.append("| " + " | ".join(columns) + " |")
    out.append("|" + "---|" * len(columns))
    for row in rows:
        cells = []
        for col in columns:
            value = row.get(col)
            if isinstance(value, list):
                value = "; ".join(value)
            cells.append(_cell(_fmt(value, 4) if isinstance(value, float) else value))
        out.append("| " + " | ".join(cells) + " |")
    return out


# --------------------------------------------------------------------------- command line


def read_gold(gold_dir: str | Path) -> tuple[list[dict], list[dict]]:
    """The records of ``gold_effects.jsonl`` and ``gold_papers.jsonl`` in ``gold_dir``."""
    from marginalia.tables import read_jsonl

    gold_dir = Path(gold_dir)
    out = []
    for name in ("gold_effects.jsonl", "gold_papers.jsonl"):
        path = gold_dir / name
        if not path.is_file():
            raise MarginaliaError(
                f"gold file {str(path)!r} does not exist; --gold (config key "
                "evaluation.gold_dir) must name a folder with gold_effects.jsonl and "
                "gold_papers.jsonl"
            )
        try:
            out.append(read_jsonl(path))
        except json.JSONDecodeError as exc:
            raise MarginaliaError(f"gold file {str(path)!r}, line {exc.lineno}: {exc.msg}") from exc
    return out[0], out[1]


def read_corpus(path: str | Path) -> pd.DataFrame:
    """Corpus table of a local paper list (any format the `file` source reads)."""
    from marginalia.corpus import corpus_table
    from marginalia.corpus.files import read_file_source

    source = {"name": Path(path).stem, "type": "file", "path": str(path)}
    if Path(path).suffix == ".txt":
        source["format"] = "listing"
    return corpus_table([read_file_source(source)], shards=1)


def run_extractor(corpus: pd.DataFrame, registry: Registry) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Call marginalia.extract.extract_corpus and return (effects, papers)."""
    from marginalia import extract

    fn = getattr(extract, "extract_corpus", None)
    if fn is None:
        raise MarginaliaError("marginalia.extract.extract_corpus is not available yet")
    params = inspect.signature(fn).parameters
    kwargs = {"registry": registry} if "registry" in params else {}
    out = fn(corpus, **kwargs)
    if isinstance(out, dict):
        return out["effects"], out["papers"]
    effects, papers = out
    return effects, papers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m marginalia.evaluate",
        description="Extract effects from a corpus file and score them against gold files.",
    )
    parser.add_argument("--corpus", required=True, help="paper list (listing .txt, .jsonl, ...)")
    parser.add_argument("--gold", required=True, help="folder with gold_effects/papers.jsonl")
    parser.add_argument("--benchmarks", default="config/benchmarks.yaml", help="registry YAML")
    parser.add_argument("--json", help="also write the full result as JSON to this path")
    parser.add_argument("--md", help="also write the markdown to this path")
    args = parser.parse_args(argv)
    from marginalia.registry import load_registry
    from marginalia.tables import atomic_write_text, write_json

    try:
        registry = load_registry(args.benchmarks)
        gold_effects, gold_papers = read_gold(args.gold)
        corpus = read_corpus(args.corpus)
        effects, papers = run_extractor(corpus, registry)
        result = score_extraction(effects, papers, gold_effects, gold_papers, registry)
    except MarginaliaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    text = render_markdown(result)
    if args.json:
        write_json(args.json, result)
    if args.md:
        atomic_write_text(args.md, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
