"""The paper cards of the report: each abstract with its comparisons and hedge cues marked.

Spans are placed by :mod:`marginalia.report.highlight`; each mark carries a tooltip with the
comparison's numbers, and spans or cues not found in the abstract become warnings on the card.
"""

from __future__ import annotations

import re

from marginalia.extract.effects import unread_numbers
from marginalia.report.highlight import Span, highlight, locate
from marginalia.report.load import Inputs
from marginalia.report.rows import FLAGS
from marginalia.report.values import anchor, fmt, integer, json_list, records
from marginalia.values import text

__all__ = ["paper_cards"]


def _effect_tooltip(row: dict) -> str:
    parts = [f"“{row['span']}”"]
    amount = fmt(row["delta"], 2, signed=row["unit"] in ("percent", "points"))
    what = f"Δ = {amount} {row['unit']}".rstrip()
    if row["scale"]:
        what += f" ({row['scale']})"
    if row["qualifier"]:
        what += f", {row['qualifier'].replace('_', ' ')}"
    parts.append(what)
    hedge = f"hedge: {row['hedge_local']}"
    if row["hedge_local_span"]:
        hedge += f" (“{row['hedge_local_span']}”)"
    parts.append(hedge)
    bench = " · ".join(x for x in (row["benchmark"], row["metric"]) if x)
    if bench:
        parts.append(bench)
    theta = row["claim"]
    if theta["theta_mean"] is not None:
        parts.append(
            f"posterior θ = {fmt(theta['theta_mean'])} "
            f"[{fmt(theta['theta_lo'])}, {fmt(theta['theta_hi'])}]"
        )
    if row["flags"]:
        parts.append("flags: " + ", ".join(FLAGS[f] for f in row["flags"]))
    parts.append(f"{row['effect_id']}, characters {row['start']}–{row['end']}")
    return "\n".join(parts)


_SENTENCE_END = re.compile(r"[.!?]\s")

#: the tooltip of a number that was not read as a comparison
UNREAD_TITLE = (
    "a number not read as a comparison: a level, a setting or a share, or a comparison the "
    "extractor missed"
)


def _nearest(textv: str, needle: str, start: int, end: int) -> tuple[int, int] | None:
    """The occurrence of ``needle`` that belongs to the comparison at ``[start, end)``.

    hedge_local_span has no offsets; the cue sits in the comparison's sentence, so prefer an
    occurrence in the same sentence, then the smallest gap (0 when they overlap).
    """
    hits = [m.start() for m in re.finditer(re.escape(needle), textv)] if needle else []
    if not hits:
        return None

    def rank(h: int) -> tuple[bool, int]:
        a, b = min(h, start), max(h + len(needle), end)
        crosses = bool(_SENTENCE_END.search(textv, a, b)) if start >= 0 else True
        gap = max(0, h - end, start - (h + len(needle))) if start >= 0 else h
        return crosses, gap

    best = min(hits, key=rank)
    return best, best + len(needle)


def paper_cards(inp: Inputs, rows: list[dict], limit: int | None = None) -> tuple[list[dict], int]:
    """One card per paper (corpus order): abstract with spans and hedge cues highlighted.

    Only the first ``limit`` papers get a card (None: all); returns (cards, number of papers).
    """
    corpus, papers = inp.frame("corpus"), inp.frame("papers")
    info: dict[str, dict] = {}
    order: list[str] = []
    for r in records(corpus):
        pid = text(r.get("paper_id"), strip=False)
        if pid and pid not in info:
            info[pid] = dict(r)
            order.append(pid)
    hedges = {text(r.get("paper_id"), strip=False): r for r in records(papers)}
    for pid in hedges:
        if pid and pid not in info:
            info[pid] = {"paper_id": pid, "title": hedges[pid].get("title")}
            order.append(pid)
    by_paper: dict[str, list[dict]] = {}
    for row in rows:
        by_paper.setdefault(row["paper_id"], []).append(row)
        if row["paper_id"] not in info:
            info[row["paper_id"]] = {"paper_id": row["paper_id"], "title": row["title"]}
            order.append(row["paper_id"])

    cards = []
    for pid in order if limit is None else order[:limit]:
        c, h = info[pid], hedges.get(pid, {})
        abstract = text(c.get("abstract"), strip=False)
        hedge = text(h.get("hedge"), strip=False)
        spans: list[Span] = []
        warnings: list[str] = []
        local_cues: dict[str, str] = {}
        for row in by_paper.get(pid, []):
            s, e, status = locate(abstract, row["span"], row["start"], row["end"])
            if status == "found":
                warnings.append(
                    f"{row['effect_id']}: offsets {row['start']}–{row['end']} do not match the "
                    f"span; highlighted its occurrence at {s}–{e}"
                )
            elif status == "missing":
                warnings.append(f"{row['effect_id']}: span “{row['span']}” is not in the abstract")
            if s >= 0:
                row["located"] = status
                spans.append(Span(s, e, "effect", row["anchor"], _effect_tooltip(row)))
            cue = row["hedge_local_span"]
            if cue and row["hedge_local"] in ("marginal", "strong"):
                local_cues[cue] = row["hedge_local"]
                hit = _nearest(abstract, cue, s, e)
                if hit:
                    title = f"hedge cue of a comparison ({row['hedge_local']}): “{cue}”"
                    spans.append(Span(*hit, "cue", row["hedge_local"], title))
        effect_spans = [(sp.start, sp.end) for sp in spans if sp.kind == "effect"]
        unread = unread_numbers(abstract, effect_spans)
        spans.extend(Span(a, b, "number", "", UNREAD_TITLE) for a, b in unread)
        cue_list = json_list(h.get("hedge_spans"))
        cues_missing = []
        for cue in cue_list:
            cls = local_cues.get(cue) or (hedge if hedge in ("marginal", "strong") else "paper")
            hits = [m.start() for m in re.finditer(re.escape(cue), abstract)]
            if not hits and len(abstract.lower()) == len(abstract):
                hits = [m.start() for m in re.finditer(re.escape(cue.lower()), abstract.lower())]
            if not hits:
                cues_missing.append(cue)
            for hpos in hits:
                title = f"paper hedge cue ({hedge or 'unknown'}): “{cue}”"
                spans.append(Span(hpos, hpos + len(cue), "cue", cls, title))
        effs = by_paper.get(pid, [])
        url = text(c.get("url"), strip=False)
        spans = sorted(set(spans), key=lambda sp: (sp.start, sp.end, sp.kind, sp.key))
        cards.append(
            {
                "anchor": anchor("p", pid),
                "paper_id": pid,
                "title": text(c.get("title"), strip=False)
                or text(h.get("title"), strip=False)
                or pid,
                "year": integer(c.get("year")),
                "source": text(c.get("source"), strip=False),
                "url": url if re.match(r"https?://", url) else "",
                "abstract": highlight(abstract, spans) if abstract else None,
                "hedge": hedge or "unknown",
                "hedge_spans": cue_list,
                "cues_missing": cues_missing,
                "marginal_sense": text(h.get("marginal_sense"), strip=False),
                "n_seeds": integer(h.get("n_seeds")),
                "n_seeds_span": text(h.get("n_seeds_span"), strip=False),
                "n_effects": len(effs),
                "n_unread": len(unread),
                "effects": effs,
                "warnings": warnings,
            }
        )
    return cards, len(order)
