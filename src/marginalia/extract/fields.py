"""The fields of a comparison and its table rows: qualifier, metric, movement, direction, scale.

They are read from a small window around the span, bounded by the sentence and clause: the
qualifier before the number ("up to", "about", "on average"), the metric and its aspect (names
in :mod:`marginalia.extract.lexicon`), the movement (up or down) of the measured quantity, and
from these the signed delta, the scale (absolute, relative or ambiguous) and the direction
(better or worse). The results of pure functions of a window are memoised for the abstract
being read; :func:`clear_memos` empties the memos before the next abstract.
"""

from __future__ import annotations

from typing import Any

from marginalia.extract.document import Doc, Effect, same_sentence, signed
from marginalia.extract.labels import clean_label
from marginalia.extract.lexicon import (
    EFF,
    MEASURE_METRICS,
    PERF,
    first_metric,
    good_or_bad,
    last_metric,
    last_movement,
    movement_of,
)
from marginalia.extract.numbers import BARE, FRACTION, PERCENT, RATIO, SCORE
from marginalia.extract.patterns import (
    ABSOLUTE_RE,
    ADVERSE_RE,
    ARTICLE_END_RE,
    AVERAGE_LEFT_RE,
    AVERAGE_RIGHT_RE,
    BARE_LIST_RE,
    BASELINE_WORD_RE,
    CAPACITY_RIGHT_RE,
    CHANGE_NOUN_RE,
    CONCESSIVE_RE,
    DROP_RE,
    ELLIPSIS_RE,
    ENABLE_RE,
    EQUIV_RE,
    FASTER_RIGHT_RE,
    FILLER_WORDS,
    FIRST_PERSON_RE,
    FUNCTION_WORDS,
    GAIN_RATIO_RIGHT_RE,
    IMPROVEMENT_RIGHT_RE,
    IMPROVEMENT_WORD_RE,
    LAST_TWO_WORDS_RE,
    LIST_BETWEEN_RE,
    METRIC_RIGHT_STOP_RE,
    MINIMIZER_RE,
    MORE_COUNT_RIGHT_RE,
    NAMED_RE,
    NO_OBJECT_RE,
    NP_BREAK_RE,
    OTHERS_RE,
    OUTPERFORM_BY_RE,
    OWN_LEAD_RE,
    PARENS_RE,
    PARTICLE_END_RE,
    PASSIVE_ENDS,
    PASSIVE_RE,
    PUNCT_RE,
    QUAL_END_LOWER_RE,
    QUAL_END_RE,
    QUAL_OR_END_RE,
    QUAL_THAN_RE,
    REDUCTION_RIGHT_RE,
    RELATIVE_CHANGE_RE,
    RELATIVE_RE,
    RELATIVE_RIGHT_RE,
    RESPECTIVELY_RE,
    SPEEDUP_BY_LEFT_RE,
    SPEND_END_RE,
    THAN_NEXT_RE,
    TIMES_ARTEFACT_RE,
    TOKEN_RE,
    TRAILING_WORD_RE,
    UNBOUNDED_METRICS,
    UPTO_LAST_DIGIT_RE,
    ends_with,
    may_hold,
    tail,
)

# Results of pure functions of a text window for the abstract being read (the same windows
# are looked at several times); effects_of_quantities empties them first (clear_memos), so
# nothing is carried over from one abstract to the next.
_QUALIFIER_MEMO: dict[str, tuple[str, int]] = {}
_STRIP_MEMO: dict[str, str] = {}
_MOVEMENT_MEMO: dict[str, tuple[str, int]] = {}
_METRIC_MEMO: dict[str, tuple[str, str, bool | None] | None] = {}


def clear_memos() -> None:
    _QUALIFIER_MEMO.clear()
    _STRIP_MEMO.clear()
    _MOVEMENT_MEMO.clear()
    _METRIC_MEMO.clear()


def _last_movement(text: str) -> tuple[str, int]:
    hit = _MOVEMENT_MEMO.get(text)
    if hit is None:
        hit = _MOVEMENT_MEMO[text] = last_movement(text)
    return hit


def _last_metric(text: str) -> tuple[str, str, bool | None] | None:
    hit = _METRIC_MEMO.get(text, _UNSET)
    if hit is _UNSET:
        hit = _METRIC_MEMO[text] = last_metric(text)
    return hit


_UNSET: Any = object()  # a memo miss (None is a valid _last_metric result)


def qualifier_before(left: str) -> tuple[str, int]:
    """(qualifier label, length of the qualifier text) at the end of ``left``."""
    # the search starts 32 characters before the end and its lookbehind sees one more, so the
    # result only depends on the last 33 characters (windows of one number share them)
    key = left[-33:]
    hit = _QUALIFIER_MEMO.get(key)
    if hit is None:
        hit = _QUALIFIER_MEMO[key] = _read_qualifier(left)
    return hit


def _read_qualifier(left: str) -> tuple[str, int]:
    if left.isascii():  # ASCII: the case-sensitive pattern on lower case is the same, faster
        m = QUAL_END_LOWER_RE.search(left.lower(), max(0, len(left) - 32))
    else:
        m = QUAL_END_RE.search(left, max(0, len(left) - 32))
    if not m:
        return "", 0
    for label in ("up_to", "at_least", "at_most", "approx", "average"):
        if m.group(label):
            return label, len(left) - m.start()
    return "", 0


def strip_left(left: str) -> str:
    """``left`` without the qualifier, article, sign or paren right before the number."""
    hit = _STRIP_MEMO.get(left)
    if hit is None:
        hit = _STRIP_MEMO[left] = _read_strip_left(left)
    return hit


def _read_strip_left(left: str) -> str:
    _, n = qualifier_before(left)
    if n:
        left = left[: len(left) - n]
    left = _drop_article_end(left)
    _, n = qualifier_before(left)
    if n:
        left = left[: len(left) - n]
    m = QUAL_OR_END_RE.search(left, max(0, len(left) - 12))
    if m is not None:  # "by nearly or even more than": drop the first qualifier too
        _, n = qualifier_before(left[: m.start()])
        if n:
            left = left[: m.start() - n]
    return left.rstrip()


def _drop_article_end(left: str) -> str:
    """``ARTICLE_END_RE.sub("", left)``. A match is "a", "an", "the", "(" or "+" followed by
    nothing but whitespace, so it starts at most 3 characters before the trailing whitespace."""
    m = ARTICLE_END_RE.search(left, max(0, len(left.rstrip()) - 3))
    return left if m is None else left[: m.start()] + left[m.end() :]


def _metric(doc: Doc, e: Effect) -> tuple[str, str, bool | None] | None:
    text = doc.text
    if e.score_unit:
        found = first_metric(e.score_unit)
        if found:
            return found
    # inside the span (pairs: "27.49% vs. 25% baseline accuracy" has it right after)
    right = doc.right(e.end, 60)
    if "(" in right:
        right = PARENS_RE.sub(" ", right)
    stop = METRIC_RIGHT_STOP_RE.search(right)
    if stop:
        right = right[: stop.start()]
    right = right[:60]
    found = _last_metric(right)
    if found and not (found[0] in ("score", "") and e.family in (RATIO, FRACTION)):
        return found
    inner = text[e.start : e.end]
    if e.kind in ("pair", "paren"):
        found = first_metric(PARENS_RE.sub(" ", inner) if "(" in inner else inner)
        if found:
            return found
    left = _object_window(doc, e)
    found = _last_metric(left)
    if found:
        return found
    if e.kind in ("paren", "pair", "single") and e.family in (PERCENT, SCORE, BARE):
        s, _ = doc.sentence(e.start)
        found = _last_metric(text[max(s, e.start - 200) : e.start])
        # (a "gap" named earlier in the sentence is a difference, not what two levels measure)
        if found and found[1] == PERF and not (found[0] == "gap" and e.kind in ("pair", "paren")):
            return found
    return None


def _object_window(doc: Doc, e: Effect) -> str:
    """Left context that can name what the number measures: after the last comma, the previous
    number and the last change word of the clause ("reduce <visual similarity> by 34.57%")."""
    left = doc.clause_left(e.start, 140)
    cut = max(left.rfind(","), 0)
    d = UPTO_LAST_DIGIT_RE.match(left)
    if d:
        cut = max(cut, d.end())
    _, end = _last_movement(left)
    if end > cut and ends_with(left[cut:end], ("up", "down"), 4):
        particle = PARTICLE_END_RE.search(left, cut, end)
        if particle:
            return left[max(cut, particle.start()) :]
    if end > cut:
        before = left[cut:end]
        verb = PASSIVE_RE.search(before) if ends_with(before, PASSIVE_ENDS, 6) else None
        # passive voice ("the number of parameters can be reduced by 67%"): the subject
        if verb:
            return before[: verb.start()]
        after = left[end:]
        no_object = NO_OBJECT_RE.fullmatch(strip_left(after))
        if no_object:
            subject = TRAILING_WORD_RE.sub("", before)
            if "by" in no_object.group():
                # intransitive ("throughput improves by up to 6x"): the subject
                return subject
            # "a cost reduction of 22%": the metric right before the change noun (not "data
            # leads to improvements of up to 8%")
            last = LAST_TWO_WORDS_RE.search(subject)
            if last and last_metric(last.group()):
                return last.group()
        return after
    return left[cut:]


def _movement(doc: Doc, e: Effect) -> str:
    """'up', 'down' or '' for the quantity the number describes."""
    hit = e.extra.get("movement")
    if hit is None:
        hit = e.extra["movement"] = _find_movement(doc, e)
    return hit


def _find_movement(doc: Doc, e: Effect) -> str:
    w = e.word or ""
    if w.startswith(("doubl", "tripl", "quadrupl")):
        return "up"
    if w.startswith("halv"):
        return "down"
    right = doc.right(e.q_end, 40)
    stop = PUNCT_RE.search(right)
    if stop:
        right = right[: stop.start()]
    skipped = 0  # metric words between the number and a change noun ("5% WER reduction")
    for tok in TOKEN_RE.finditer(right):
        word = tok.group(0).lower()
        mv = movement_of(word) or ("down" if word in ("loss", "losses") else "")
        if mv and skipped and not CHANGE_NOUN_RE.fullmatch(word):
            break
        if mv:
            if word in ("more", "less", "fewer") and THAN_NEXT_RE.match(right, tok.end()):
                break
            return mv
        if word not in FILLER_WORDS:
            if skipped >= 2 or word in FUNCTION_WORDS:
                break
            skipped += 1
    prev = e.extra.get("prev")
    if (
        prev is not None
        and prev.family == e.family
        and BARE_LIST_RE.fullmatch(doc.text, prev.end, e.start)
    ):
        return _movement(doc, prev)  # "decrease time and energy by up to 48.9% and 47%"
    left = doc.clause_left(e.start, 140)
    if "than" in left:
        left = QUAL_THAN_RE.sub(" ", left)
    if "up to" in left:
        left = left.replace("up to", "      ")  # a qualifier, not a movement
    mv, _ = _last_movement(left)
    if not mv and e.inherited_from is not None and e.inherited_from is not e:
        return _movement(doc, e.inherited_from)
    if not mv and prev is not None and ELLIPSIS_RE.fullmatch(doc.text, prev.end, e.start):
        return _movement(doc, prev)  # "reduced by 50%, and latency by 30%"
    return mv


def _good_bad_word(doc: Doc, e: Effect) -> str:
    return good_or_bad(doc.clause_left(e.start, 100) + " " + doc.right(e.end, 30))


def qualify(doc: Doc, e: Effect) -> None:
    """Set ``e.qualifier`` (range, the qualifier before the number, average, approx, inherited)."""
    text = doc.text
    left = doc.left(e.start, 120)
    if e.kind in ("range", "pm"):
        e.qualifier = "range"
    else:
        qual, _ = qualifier_before(left)
        from_pair = e.kind == "pair" and text[e.start : e.start + 4].lower() == "from"
        if not qual and from_pair:
            qual = _second_level_qualifier(text, e)
        if not qual and _average_near(doc, e, left + "from " if from_pair else left):
            qual = "average"
        if not qual and e.word == "order of magnitude":
            qual = "approx"
        if not qual and e.inherited_from is not None and e.inherited_from.qualifier != "range":
            qual = e.inherited_from.qualifier
        e.qualifier = qual


def _second_level_qualifier(text: str, e: Effect) -> str:
    """The qualifier of the new level of "from A to B", written before B ("from 40% to over
    90%": at_least, "from about 30% to about 90%": approx), which the change inherits."""
    to = text.rfind(" to ", e.start, e.end)
    if to == -1:
        return ""
    j = to + 4
    while j < e.end and not text[j].isdigit():
        j += 1
    if j == to + 4 or j >= e.end:
        return ""
    return qualifier_before(text[max(0, j - 40) : j])[0]


def _average_near(doc: Doc, e: Effect, left: str) -> bool:
    """An average stated before the number ("an average gain of") or after it ("on average");
    each pattern is tried only if the words it needs are there."""
    if (ends_with(left, ("of", "by"), 2) or may_hold(left, ("average", "mean"))) and tail(
        AVERAGE_LEFT_RE, left, 70
    ):
        return True
    right = doc.right(e.q_end, 50)
    return may_hold(right, ("average", "mean")) and bool(AVERAGE_RIGHT_RE.match(right))


def fill_fields(doc: Doc, e: Effect, prev_by_family: dict[str, Effect]) -> None:
    """Set the metric, aspect and polarity (``lib``, ``equiv``) of ``e``."""
    found = _metric(doc, e)
    unit = MEASURE_METRICS.get(e.score_unit.lower()) if e.score_unit else None
    if unit is not None and (found is None or found[1] != EFF):
        # "0.8 s versus 4.2 s" is a time, "2 GB vs 14 GB" memory, whatever performance word
        # is near: a measurement never enters the model as percentage points
        found = unit
    if found is None and e.family == RATIO:
        prev = prev_by_family.get(RATIO)
        if (
            prev is not None
            and same_sentence(doc, prev.start, e.start)
            and not _last_movement(doc.clause_left(e.start))[0]
        ):
            e.metric, e.aspect, e.lib, e.equiv = prev.metric, prev.aspect, prev.lib, prev.equiv
            return
    if found is None and e.inherited_from is not None:
        src = e.inherited_from
        e.metric, e.aspect, e.lib = src.metric, src.aspect, src.lib
        return
    if found is not None:
        name, aspect, lib = found
        if name in ("score", "") and e.family in (RATIO, FRACTION):
            found = None
        else:
            e.metric, e.aspect, e.lib = name, aspect, lib
    if found is None:
        e.aspect = EFF if e.family in (RATIO, FRACTION) or _used_share(doc, e) else PERF
    # a resource multiplier that a gain is worth ("performance similar to 8x the data")
    if e.family == RATIO and e.aspect == EFF and e.lib is True:
        core = strip_left(doc.left(e.start, 120))
        if EQUIV_RE.search(core) and _movement(doc, e) != "down":
            e.equiv = True
            e.metric = f"{e.metric}-equivalent gain"
            e.lib = False


def _used_share(doc: Doc, e: Effect) -> bool:
    """A reference level that is a share of something the method uses ("using only 10% of the
    labels", "only requires 2.5% of the data"): a resource, so efficiency."""
    if e.kind != "reference":
        return False
    left = doc.left(e.q_start, 60)
    return bool(SPEND_END_RE.search(left, max(0, len(left) - 40)))


def rows_of(doc: Doc, e: Effect) -> list[dict[str, Any]]:
    """The table rows of one effect (two for a range)."""
    text = doc.text
    unit = {PERCENT: "percent", RATIO: "ratio", FRACTION: "fraction"}.get(e.family, "points")
    movement = _movement(doc, e)
    values: list[tuple[float, str]] = []
    if e.kind in ("range", "pm"):
        lo = signed(e.value, e.sign)
        hi = signed(e.value2, e.sign2)
        if e.family in (PERCENT, SCORE, BARE) and not (e.sign or e.sign2) and movement == "down":
            if e.extra.get("reference"):
                pass
            else:
                lo, hi = -lo, -hi
        lo, hi = min(lo, hi), max(lo, hi)
        values = [(lo, "range_low"), (hi, "range_high")]
    elif e.kind in ("pair",):
        values = [(round(e.treatment - e.baseline, 2), e.qualifier)]
    elif e.kind == "paren":
        values = [(signed(e.value, e.sign), e.qualifier)]
    elif e.family == RATIO or e.kind == "reference":
        values = [(e.value, e.qualifier)]
    elif e.family == FRACTION:
        v = e.value
        if (e.word or "").startswith("halv") or movement == "down":
            v = -v
        values = [(v, e.qualifier)]
    else:
        v = signed(e.value, e.sign)
        if not e.sign and movement == "down":
            v = -v
        elif not e.sign and movement == "up" and e.lib is True and _improvement_of(doc, e):
            # "an 8% improvement in WER": kept as stated (guide: the signed change as stated);
            # the direction says the error went down
            e.extra["improvement"] = True
        values = [(v, e.qualifier)]
    # scale
    scale = e.extra["scale"] = _scale(doc, e, unit)
    rows = []
    for delta, qual in values:
        direction, lib = _direction(doc, e, delta, movement)
        rows.append(
            {
                "span": text[e.start : e.end],
                "start": e.start,
                "end": e.end,
                "aspect": e.aspect,
                "metric": clean_label(e.metric),
                "benchmark": clean_label(e.benchmark),
                "baseline": e.baseline,
                "treatment": e.treatment,
                "delta": round(float(delta), 4),
                "unit": unit,
                "scale": scale,
                "qualifier": qual or "",
                "direction": direction,
                "lower_is_better": lib,
            }
        )
    return rows


def _improvement_of(doc: Doc, e: Effect) -> bool:
    """The number is an improvement (not an increase) of its metric: "a 5% WER improvement",
    "improves the error rate by 5%"; on a lower-is-better metric that is a decrease."""
    right = doc.right(e.q_end, 40)
    m = IMPROVEMENT_RIGHT_RE.match(right)
    if m is not None:
        return True
    mv, end = _last_movement(doc.clause_left(e.start, 100))
    if not mv or end < 0:
        return False
    left = doc.clause_left(e.start, 100)
    return bool(IMPROVEMENT_WORD_RE.search(left[max(0, end - 14) : end + 1]))


def _scale(doc: Doc, e: Effect, unit: str) -> str:
    if unit in ("ratio", "fraction") or e.kind == "reference" or e.extra.get("reference"):
        return "relative"
    if unit == "points" or e.kind == "pair":
        return "absolute"
    if e.pp:
        return "absolute"
    near_right = doc.right(e.q_end, 30)
    near_left = doc.clause_left(e.start, 100)
    near = near_right[:20] + " " + near_left  # only to test for the words cheaply
    if "relative" in near_right[:14] and RELATIVE_RIGHT_RE.match(near_right):
        e.extra["scale_marked"] = True
        return "relative"  # "by 39.2% relative (to the baseline)", even after "2.5 pp" earlier
    if may_hold(near, ("absolute", "percentage", "relative")):
        # a marker left of an earlier number is that number's ("2.5 percentage points and
        # AUPRC by 39.2% relative to ...")
        prev = e.extra.get("prev")
        if prev is not None and prev.end > e.start - len(near_left):
            own_left = doc.text[prev.end : e.start]
        else:
            own_left = near_left
        if ABSOLUTE_RE.search(near_right[:20]) or ABSOLUTE_RE.search(own_left):
            e.extra["scale_marked"] = True
            return "absolute"
        if (
            RELATIVE_RE.search(near_right[:20])
            or RELATIVE_RE.search(own_left[-40:])
            or RELATIVE_CHANGE_RE.search(own_left)
        ):
            e.extra["scale_marked"] = True
            return "relative"
    prev = e.extra.get("prev")
    if (
        prev is not None
        and prev.extra.get("scale_marked")
        and prev.family == e.family
        and LIST_BETWEEN_RE.match(doc.text[prev.end : e.start])
    ):
        # "a relative improvement of 50 percent in exact match and 47 percent in F1"
        e.extra["scale_marked"] = True
        return prev.extra["scale"]
    if e.aspect == EFF or e.metric in UNBOUNDED_METRICS:
        return "relative"  # a % change of a quantity that is not itself a percentage
    if e.kind == "paren" and e.treatment is not None and 0 < e.treatment < 1:
        return "relative"  # "0.6156 (+36.41%)": a 0-1 level cannot move by 36 points
    if MORE_COUNT_RIGHT_RE.match(near_right):
        return "relative"  # "32% more lines", "20% fewer mutants survive": a count's change
    return "ambiguous"


def _direction(doc: Doc, e: Effect, delta: float, movement: str) -> tuple[str, bool | None]:
    lib = e.lib
    if e.equiv:
        return "better", False
    # which way did the metric move?
    if e.family == RATIO:
        move = movement or "up"
    elif e.kind in ("pair", "paren", "range", "pm") or (
        e.family in (PERCENT, SCORE, BARE) and e.kind == "single"
    ):
        move = "up" if delta > 0 else ("down" if delta < 0 else "")
    elif e.kind == "reference" or (e.family == FRACTION and movement != "down"):
        ref = 100.0 if e.family == PERCENT else 1.0
        move = "down" if abs(delta) < ref else "up"
        if movement == "up" and e.family == FRACTION and abs(delta) >= ref:
            move = "up"
    else:
        move = movement or ("down" if delta < 0 else "up")
    if e.kind == "single" and e.family == FRACTION and delta < 0:
        move = "down"
    if e.kind == "reference" or e.extra.get("reference"):
        ref = 100.0 if e.family == PERCENT else 1.0
        move = "down" if abs(delta) < ref else "up"
    src = e.inherited_from
    if e.extra.get("improvement") or (
        src is not None
        and not e.sign
        and delta >= 0
        and src.lib is True
        and not src.sign
        and _improvement_of(doc, src)
    ):
        return "better", lib  # ("3.2% and 7.5% relative improvement in EER and minDCF")
    right = TIMES_ARTEFACT_RE.sub("", doc.right(e.q_end, 50))
    if e.family == RATIO and (FASTER_RIGHT_RE.match(right) or GAIN_RATIO_RIGHT_RE.match(right)):
        return "better", lib  # "5.2 times speed up", "1.54×\\times end-to-end improvement"
    if (
        e.family == RATIO
        and CAPACITY_RIGHT_RE.match(right)
        and ENABLE_RE.search(doc.clause_left(e.start, 100))
    ):
        return "better", False  # "enables 8x larger batch sizes": a capacity gained
    clause = doc.clause_left(e.start, 100)
    if (
        e.kind in ("single", "range")
        and "by" in clause[-40:]
        and tail(OUTPERFORM_BY_RE, clause, 90)
    ):
        return "better", lib  # "surpassed Alpaca's performance by an average of 32.1%"
    if e.extra.get("contrast") and lib is not True:
        return ("worse" if delta < 0 else "better"), lib  # "70% on A but only 35% on B"
    if lib is None:
        gb = _good_bad_word(doc, e)
        if move == "down" and e.metric == "" and DROP_RE.search(clause[-40:] + " " + right[:25]):
            return "worse", None  # "a performance drop of around 10-25%"
        if ADVERSE_RE.search(clause) and not (move == "down" and REDUCTION_RIGHT_RE.match(right)):
            return "worse", None
        if gb == "better" or not gb:
            if move == "down" and e.metric == "":
                return "better", True
            if move == "up" and gb == "better":
                return "better", False if e.metric == "" else None
            return "better", None
        return "worse", None
    better = (move == "up" and not lib) or (move == "down" and lib)
    if not move:
        better = True
    if (
        e.family == RATIO
        and lib
        and not better
        and tail(SPEEDUP_BY_LEFT_RE, strip_left(doc.left(e.start, 80)), 60)
    ):
        better = True  # "a speedup on GPUs by 2x"
    if e.kind in ("single", "range") and _others_subject(doc, e):
        better = not better
    # "with only a slight decrease of 0.22 in FID": a quality cost, framed as such
    if e.aspect == PERF and e.kind == "single" and move == "down":
        before = strip_left(doc.left(e.start, 80))
        conc = CONCESSIVE_RE.search(before) if "with" in before else None
        if conc and MINIMIZER_RE.search(before[conc.start() :]):
            better = False
    return ("better" if better else "worse"), lib


def _others_subject(doc: Doc, e: Effect) -> bool:
    """The comparison describes another method: "..., Depth Anything, which ... requires 20
    times more labelled data", "whereas prior methods need 10x more compute"."""
    s, _ = doc.sentence(e.start)
    left = doc.text[s : e.start]
    if (
        "which" not in left
        and "who" not in left
        and "whereas" not in left
        and ("nlike" not in left)
    ):
        return False
    last = None
    for m in OTHERS_RE.finditer(left):
        last = m
    if last is None:
        return False
    after = left[last.end() :]
    if FIRST_PERSON_RE.search(after) or RESPECTIVELY_RE.search(after):
        return False
    if last.group("rel"):
        # "..., Depth Anything, which requires ...": a named method without numbers (not the
        # authors' own: "We show that the proposed RE, which was trained ..., improves ...")
        lead = left[: last.start()]
        lead = lead[lead.rfind(",") + 1 :]
        # the noun phrase the clause is about: after the last "with", "than", "of", ...
        np_start = 0
        for m in NP_BREAK_RE.finditer(lead):
            np_start = m.end()
        if FIRST_PERSON_RE.search(lead, np_start) or OWN_LEAD_RE.search(lead, np_start):
            return False
        return bool(NAMED_RE.search(lead[1:])) and not any(ch.isdigit() for ch in lead)
    return bool(BASELINE_WORD_RE.search(after[:60]))
