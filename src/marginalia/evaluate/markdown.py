"""Readable markdown tables of a :func:`marginalia.evaluate.score_extraction` result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marginalia.values import text


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _cell(value: Any) -> str:
    return text(value).replace("|", "\\|").replace("\n", " ")


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
        _prf_row("strict (value, direction, scale, aspect)", result["effects"]["strict"]),
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
        note = {
            "benchmark": " (where the gold names one)",
            "attribution": " (where the gold has one)",
        }.get(attr, "")
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
        "Matched rows that are not the paper's own result (gold or extracted), one by one",
        result["attribution_not_own"],
        ("paper", "gold", "pred", "span"),
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
