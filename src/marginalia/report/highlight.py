"""Highlight extracted spans inside an abstract, escaping every piece of text.

Spans may overlap (a range such as "30-50%" gives two comparisons with one span; a hedge cue
often overlaps the comparison it qualifies). The text is cut at every span boundary into
segments; each segment is escaped and wrapped in one element that lists every span covering it,
so markup never interleaves and no character of the abstract is lost or duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from marginalia.report.values import visible_controls

__all__ = ["Span", "segments", "highlight", "locate"]


@dataclass(frozen=True)
class Span:
    """A highlighted range ``text[start:end]``.

    kind: ``effect`` (an extracted comparison), ``cue`` (a hedge cue) or ``number`` (a number
    that was not read as a comparison).
    key: for effects, the id of the table row the mark links to; for cues, the hedge class
    (``marginal``, ``strong`` or ``paper``) that styles it; unused for numbers.
    title: the tooltip (plain text; escaped when rendered).
    """

    start: int
    end: int
    kind: str
    key: str
    title: str


def segments(length: int, spans: list[Span]) -> list[tuple[int, int, list[Span]]]:
    """Cut ``[0, length)`` at every span boundary; return (start, end, covering spans)."""
    valid = [s for s in spans if 0 <= s.start < s.end <= length]
    cuts = sorted({0, length, *(s.start for s in valid), *(s.end for s in valid)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        cover = [s for s in valid if s.start <= a and b <= s.end]
        cover.sort(key=lambda s: (s.start, s.end, s.key))
        out.append((a, b, cover))
    return out


def _unique(values: list[str]) -> list[str]:
    seen: list[str] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def highlight(text: str, spans: list[Span]) -> Markup:
    """``text`` as safe HTML with ``<mark>`` elements exactly at the spans' offsets.

    Effect segments become ``<a class="eff" href="#row"><mark ...>text</mark></a>`` (linking to
    the first covering comparison, the tooltip listing all of them); cue-only segments become
    ``<mark class="cue ...">``. A segment inside both is an effect mark with the cue's classes.
    Segments of a number that is no comparison get the class ``num`` (with a cue's classes when
    a cue covers them too); inside an effect they are part of the effect's mark.
    """
    parts: list[str] = []
    for a, b, cover in segments(len(text), spans):
        piece = escape(visible_controls(text[a:b]))
        effects = [s for s in cover if s.kind == "effect"]
        cues = [s for s in cover if s.kind == "cue"]
        numbers = [] if effects else [s for s in cover if s.kind == "number"]
        if not cover:
            parts.append(str(piece))
            continue
        cue_classes = [f"cue cue-{s.key}" for s in cues] + ["num"] * bool(numbers)
        title = visible_controls("\n\n".join(_unique([s.title for s in effects + numbers + cues])))
        if effects:
            classes = ["eff"] + (["multi"] if len(effects) > 1 else []) + cue_classes
            parts.append(
                f'<a class="eff-link" href="#{escape(effects[0].key)}" '
                f'data-effects="{escape(" ".join(_unique([s.key for s in effects])))}" '
                f'title="{escape(title)}">'
                f'<mark class="{escape(" ".join(_unique(classes)))}">{piece}</mark></a>'
            )
        else:
            parts.append(
                f'<mark class="{escape(" ".join(_unique(cue_classes)))}" title="{escape(title)}">'
                f"{piece}</mark>"
            )
    return Markup("".join(parts))


def locate(text: str, span: str, start: int | None, end: int | None) -> tuple[int, int, str]:
    """Where ``span`` sits in ``text``: (start, end, status).

    status ``exact`` when ``text[start:end] == span``; ``found`` when the offsets are missing or
    wrong but the span occurs in the text (first occurrence, then case-insensitive); ``missing``
    (with -1, -1) otherwise.
    """
    if (
        start is not None
        and end is not None
        and 0 <= start < end <= len(text)
        and text[start:end] == span
    ):
        return start, end, "exact"
    if not span:
        return -1, -1, "missing"
    i = text.find(span)
    lowered = text.lower()
    if i < 0 and len(lowered) == len(text):  # lower() can change lengths (e.g. "İ")
        i = lowered.find(span.lower())
    if i < 0:
        return -1, -1, "missing"
    return i, i + len(span), "found"
