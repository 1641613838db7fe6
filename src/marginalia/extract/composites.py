"""Comparisons made of several numbers: before/after pairs, ranges and lists.

Pairs: "from 58.3 to 68.6", "58.9 rightarrow 61.7", "27.49% vs. 25%", "29.79% ..., which rises
to 64.69%", "24.6 (from 21.1)", "39.9F1 ... lower than ... (41.0F1)", "92.0% on A but only
71.5% on B"; a level with its change in parentheses ("81.8% (+5.9%)"); ranges read by the
number regex ("+0.1 to +0.4", "3x-14x", "30-50%", "±10%"). Lists: a number listed right before
a comparison of the same unit shares its cue ("1.8% and 2.4% absolute gains"), and levels
listed before a "respectively" list of changes are their treatments.
"""

from __future__ import annotations

from marginalia.extract.document import Doc, Effect, is_year, same_sentence, signed
from marginalia.extract.lexicon import PERF, find_metrics
from marginalia.extract.numbers import BARE, FRACTION, PERCENT, RATIO, SCORE, Quantity
from marginalia.extract.patterns import (
    ARROW_RE,
    BACK_LIST_RE,
    BARE_LEVEL_LEFT_RE,
    BUT_ONLY_BETWEEN_RE,
    BY_END_RE,
    CHANGE_OF_END_RE,
    CHANGE_VERB_RE,
    COMPARATIVE_START_RE,
    COMPARED_END_RE,
    COMPETITOR_BETWEEN_RE,
    COMPETITOR_CLOSE_RE,
    COMPETITOR_NEXT_RE,
    CONTRAST_BETWEEN_RE,
    COUNT_NOUN_RIGHT_RE,
    FROM_END_RE,
    FROM_LABEL_TO_RE,
    FROM_PAREN_RE,
    GAIN_FROM_END_RE,
    LEVEL_LEFT_RE,
    OF_REFERENCE_RE,
    PAREN_BETWEEN_RE,
    PAREN_CHANGE_LEFT_RE,
    PAREN_LEVELS_DOWN_RE,
    PAREN_LEVELS_UP_RE,
    QUAL_ONLY_RE,
    RANGE_FROM_RE,
    RESPECTIVELY_RE,
    RISES_TO_RE,
    SWEEP_RE,
    THAN_RE,
    VS_RE,
    ends_with,
    may_hold,
    tail,
)
from marginalia.extract.singles import single_comparison


def find_composites(doc: Doc, qs: list[Quantity], used: set[int]) -> list[Effect]:
    """Ranges and before/after pairs of ``qs``; adds the indexes of the numbers they take
    (or rule out) to ``used``. Unsigned ranges are marked ``needs_cue`` for the caller."""
    text = doc.text
    out: list[Effect] = []
    n = len(qs)
    # ranges / from-to pairs read by the number regex
    for i, q in enumerate(qs):
        if q.kind not in ("range", "pm"):
            continue
        left = doc.left(q.start, 60)
        gain_range = q.kind == "range" and bool(tail(GAIN_FROM_END_RE, left, 60))
        if q.kind == "range" and q.sep == "to" and not gain_range and tail(FROM_END_RE, left, 40):
            ranged_change = q.family != RATIO and bool(tail(CHANGE_OF_END_RE, left, 60))
            ranged = RANGE_FROM_RE.search(left) and not ranged_change
            if ranged or _is_year_pair(q) or q.family == RATIO:
                used.add(i)
                continue
            if ranged_change:  # "an improvement ranging from 1.2% to 4%": a range of changes
                gain_range = True
        # "a minor drop (95.07% to 94.92%)": levels before and after, in parentheses
        paren_levels = (
            q.kind == "range"
            and q.sep == "to"
            and not gain_range
            and q.family != RATIO
            and not (q.sign or q.sign2)
            and q.value2 is not None
            and bool(
                tail(PAREN_LEVELS_DOWN_RE, left, 20)
                if q.value2 < q.value
                else tail(PAREN_LEVELS_UP_RE, left, 20)
            )
        )
        # "outperforms DPO in pair accuracy (0.52 to 0.56)", "degrade on Precision@5 (20.2% to
        # 12.4%)": levels before and after in parentheses, where the clause compares or changes
        if (
            not paren_levels
            and q.kind == "range"
            and q.sep == "to"
            and not gain_range
            and q.family in (PERCENT, SCORE, BARE)
            and not (q.sign or q.sign2)
            and q.value2 is not None
            and left.rstrip().endswith("(")
        ):
            paren_levels = _paren_levels_agree(
                doc.clause_left(q.start, 100), left.rstrip()[:-1], q.value, q.value2
            )
        if paren_levels:
            used.add(i)
            out.append(_range_pair(q, q.start))
            continue
        if q.kind == "range" and q.sep == "to" and not gain_range and tail(FROM_END_RE, left, 40):
            if q.family == BARE and (
                not _score_context(doc, q.start) or SWEEP_RE.search(doc.clause_left(q.start, 100))
            ):
                used.add(i)
                continue
            used.add(i)
            from_m = tail(FROM_END_RE, left, 40)
            out.append(_range_pair(q, q.start - (len(left) - from_m.start())))
            continue
        if q.kind == "range" and q.family == FRACTION:
            continue
        out.append(
            Effect(
                q.start,
                q.end,
                q.family,
                q.value,
                q.sign,
                q.value2,
                q.sign2,
                kind=q.kind,
                pp=q.pp,
                score_unit=q.score_unit,
                q_start=q.start,
                q_end=q.end,
            )
        )
        out[-1].extra["needs_cue"] = (
            q.kind == "range"
            and not (q.sign or q.sign2)
            and q.family in (PERCENT, SCORE, BARE)
            and not gain_range
        )
        out[-1].extra["qi"] = i
        used.add(i)
    # pairs between neighbouring numbers
    for i in range(n - 1):
        a, b = qs[i], qs[i + 1]
        if i in used or i + 1 in used or a.kind != "num" or b.kind != "num":
            continue
        if not same_sentence(doc, a.start, b.start):
            continue
        between = text[a.end : b.start]
        if not _compatible(a, b):
            continue
        if ARROW_RE.match(between) or VS_RE.match(between):
            if is_year(a) or is_year(b):
                continue
            if b.family == BARE and COUNT_NOUN_RIGHT_RE.match(text, b.end):
                continue  # "0.87 compared to 3 strong baselines": a count
            used.update((i, i + 1))
            base, treat = (a, b) if ARROW_RE.match(between) else (b, a)
            out.append(_pair(a.start, b.end, base, treat, a, b))
        elif FROM_LABEL_TO_RE.match(between) and not is_year(a) and not is_year(b):
            # "from 43.4 (BM25) to 52.6": a labelled level, then the new level
            left = doc.left(a.start, 60)
            from_m = tail(FROM_END_RE, left, 40)
            if from_m is None or RANGE_FROM_RE.search(left) or tail(GAIN_FROM_END_RE, left, 60):
                continue
            if a.family == BARE and b.family == BARE and not _score_context(doc, a.start):
                continue
            clause = doc.clause_left(a.start, 100)
            if SWEEP_RE.search(clause):
                continue  # "we vary the number of samples from 1,000 to about 50,000"
            if a.measure and not CHANGE_VERB_RE.search(clause):
                continue  # "GPUs with memory from 8 GB to 80 GB": a setting, not a change
            used.update((i, i + 1))
            start = a.start - (len(left) - from_m.start())
            out.append(_pair(start, b.end, a, b, a, b))
    # a level contrasted with a lower one elsewhere: "92.0% on A but only 71.5% on B"
    for i in range(n - 1):
        a, b = qs[i], qs[i + 1]
        if i in used or i + 1 in used or a.kind != "num" or b.kind != "num":
            continue
        if a.sign or b.sign or not _compatible(a, b) or b.start - a.end > 70:
            continue
        if not ends_with(text[a.end : b.start], ("only", "just", "merely"), 6):
            continue
        if not BUT_ONLY_BETWEEN_RE.fullmatch(text, a.end, b.start):
            continue
        if is_year(a) or is_year(b) or OF_REFERENCE_RE.match(doc.right(a.end, 80)):
            continue  # "8% of the data on A but only 2% on B": shares, not levels
        if single_comparison(doc, a) is not None:
            continue
        used.update((i, i + 1))
        out.append(_pair(a.start, b.end, a, b, a, b))
        out[-1].extra["contrast"] = True
    # a level with its change in parentheses: "81.8% (+5.9%)", "78.78\% (+2.53\% based on ...)"
    for i in range(n - 1):
        a, b = qs[i], qs[i + 1]
        if i in used or i + 1 in used or a.kind != "num" or b.kind != "num" or not b.sign:
            continue
        if a.sign or a.family == RATIO or b.family == RATIO or is_year(a):
            continue
        between = text[a.end : b.start]
        if not PAREN_BETWEEN_RE.match(between) or not same_sentence(doc, a.start, b.start):
            continue
        close = text.find(")", b.end, min(len(text), b.end + 60))
        inner_open = text.find("(", b.end, close) if close != -1 else -1
        end = close + 1 if close != -1 and inner_open == -1 else b.end
        used.update((i, i + 1))
        fam = b.family if b.family != BARE else a.family
        out.append(
            Effect(
                a.start,
                end,
                fam,
                b.value,
                b.sign,
                kind="paren",
                treatment=a.value,
                pp=b.pp,
                score_unit=a.score_unit or b.score_unit,
                q_start=b.start,
                q_end=b.end,
            )
        )
    # "24.6 on LiveCodeBench (from 21.1)"
    for i in range(1, n):
        b = qs[i]
        if i in used or b.kind != "num":
            continue
        before = text[max(0, b.start - 12) : b.start]
        if "(" not in before or not FROM_PAREN_RE.search(before):
            continue
        a = qs[i - 1]
        if (i - 1) in used or a.kind != "num" or not _compatible(a, b):
            continue
        if b.start - a.end > 80 or not same_sentence(doc, a.start, b.start):
            continue
        close = text.find(")", b.end, min(len(text), b.end + 20))
        end = close + 1 if close != -1 else b.end
        used.update((i - 1, i))
        out.append(_pair(a.start, end, b, a, a, b))
    # "29.79% on AlpacaEval, which rises to 64.69%"
    for i in range(1, n):
        b = qs[i]
        if i in used or b.kind != "num" or b.sign:
            continue
        left = text[max(0, b.start - 60) : b.start]
        if not ends_with(left, ("to",), 2) or not RISES_TO_RE.search(left):
            continue
        a = qs[i - 1]
        if (i - 1) in used or a.kind != "num" or a.sign or not _compatible(a, b):
            continue
        if b.start - a.end > 110 or not same_sentence(doc, a.start, b.start):
            continue
        if is_year(a) or is_year(b) or single_comparison(doc, a) is not None:
            continue
        used.update((i - 1, i))
        out.append(_pair(a.start, b.end, a, b, a, b))
    # "39.9F1 on ... - only marginally lower than when ... (41.0F1)"
    for i in range(n - 1):
        a, b = qs[i], qs[i + 1]
        if i in used or i + 1 in used or a.kind != "num" or b.kind != "num":
            continue
        if a.sign or b.sign or not _compatible(a, b) or a.family in (RATIO, FRACTION):
            continue
        if a.family == BARE and not (b.family == SCORE or a.score_unit):
            continue
        between = text[a.end : b.start]
        thans = list(THAN_RE.finditer(between)) if may_hold(between, ("than",)) else []
        than = thans[-1] if thans else None
        if than is not None and QUAL_ONLY_RE.match(between[than.end() :]):
            than = None  # "... and more than a 30.0% increase": a qualifier, not a comparison
        if than is None and len(between) <= 80 and LEVEL_LEFT_RE.search(doc.left(a.start, 60)):
            than = COMPARED_END_RE.search(between)  # "achieves 2.1 FID ..., compared to 2.9"
        if len(between) > 170 or than is None or ";" in between:
            continue  # (a semicolon ends the clause: "... better than model size; (3) ...")
        if b.family == BARE and COUNT_NOUN_RIGHT_RE.match(text, b.end):
            continue  # "a Dice score of 0.87 compared to 3 strong baselines": a count
        if tail(BY_END_RE, between, 16):
            continue  # "32.1 BLEU, better than the best baseline by 1.4": b is the difference
        if COMPARATIVE_START_RE.match(between) or not same_sentence(doc, a.start, b.start):
            continue
        if single_comparison(doc, a) is not None:
            continue
        end = b.end + 1 if text[b.end : b.end + 1] == ")" else b.end
        used.update((i, i + 1))
        out.append(_pair(a.start, end, b, a, a, b))
    _competitor_levels(doc, qs, used, out)
    return out


def _competitor_levels(doc: Doc, qs: list[Quantity], used: set[int], out: list[Effect]) -> None:
    """A level and the levels of the competitors it is set against: "a win rate of 79% ...,
    outperforming Random Forest (46%), fastprop (39%)" gives 79 vs 46 and 79 vs 39; "12.5% of
    issues, compared to the previous best of 3.8%"; "80% ..., where behavior cloning reaches
    only 20%". Counts and measurements between the two levels ("with as few as 8
    demonstrations", "at 30 fps") are skipped; the competitor's number must be a level in the
    same unit, not a change ("GPT-4 (3.2% higher)")."""
    text = doc.text
    n = len(qs)
    for i in range(n - 1):
        a = qs[i]
        if i in used or a.kind != "num" or a.sign or a.family not in (PERCENT, SCORE, BARE):
            continue
        # a bare level needs its metric right before it ("a score of 157.57 compared to the
        # baseline's performance of 119.66"), and is no count ("on 12 datasets", "3 experts")
        if a.family == BARE and not _bare_level(doc, a):
            continue
        j = i + 1
        while (
            j < n
            and (
                (
                    qs[j].family == BARE
                    and (a.family != BARE or COUNT_NOUN_RIGHT_RE.match(text, qs[j].end))
                )
                or (qs[j].measure and not a.measure)
            )
            and qs[j].kind == "num"
            and qs[j].start - a.end < 130
        ):
            j += 1  # a count or a measurement in between
        if j >= n or j in used:
            continue
        b = qs[j]
        if b.kind != "num" or b.sign or b.family != a.family or b.start - a.end > 160:
            continue
        if a.measure.lower() != b.measure.lower():
            continue  # "45 ms ... 2.1 s": levels in different units
        if is_year(a) or not same_sentence(doc, a.start, b.start):
            continue
        between = text[a.end : b.start]
        for q in qs[i + 1 : j]:  # the counts in between read as words
            between = (
                between[: q.start - a.end] + "n" * (q.end - q.start) + between[q.end - a.end :]
            )
        m = COMPETITOR_BETWEEN_RE.fullmatch(between) or CONTRAST_BETWEEN_RE.fullmatch(between)
        if m is None or OF_REFERENCE_RE.match(doc.right(b.end, 80)):
            continue
        if OF_REFERENCE_RE.match(doc.right(a.end, 80)):  # "2% of the tokens": a share
            continue
        paren = text[b.start - 1 : b.start] == "(" or text[: b.start].rstrip().endswith("(")
        close = COMPETITOR_CLOSE_RE.match(text, b.end) if paren else None
        if paren and close is None:
            continue
        if single_comparison(doc, a) is not None or single_comparison(doc, b) is not None:
            continue  # a change, not a level ("the gain (3.1%)")
        used.update(range(i, j + 1))
        end = close.end() if close is not None and text[close.end() - 1] == ")" else b.end
        out.append(_pair(a.start, end, b, a, a, b))
        out[-1].extra["contrast"] = True  # better or worse by the sign, unless lower is better
        if close is None:
            continue
        # the next competitors of the list: "), fastprop (39%), and Chemprop (36%)"
        k, prev_end = j + 1, close.end() - 1
        while k < n and k not in used:
            c = qs[k]
            nxt = COMPETITOR_NEXT_RE.fullmatch(text, prev_end, c.start)
            if nxt is None or c.kind != "num" or c.sign or c.family != a.family:
                break
            c_close = COMPETITOR_CLOSE_RE.match(text, c.end)
            if c_close is None or text[c_close.end() - 1] != ")":
                break
            if c.measure.lower() != a.measure.lower() or single_comparison(doc, c) is not None:
                break
            used.add(k)
            start = prev_end + 1
            while text[start] in " ,":
                start += 1
            pair = _pair(start, c_close.end(), c, a, a, c)
            pair.extra["contrast"] = True
            out.append(pair)
            k, prev_end = k + 1, c_close.end() - 1


def _range_pair(q: Quantity, start: int) -> Effect:
    """The before/after pair of a "to" range ("from 58.3 to 68.6", "(95.07% to 94.92%)")."""
    base, treat = signed(q.value, q.sign), signed(q.value2, q.sign2)
    return Effect(
        start,
        q.end,
        q.family,
        abs(treat - base),
        kind="pair",
        baseline=base,
        treatment=treat,
        pp=q.pp,
        score_unit=q.score_unit,
        q_start=q.start,
        q_end=q.end,
    )


def _is_year_pair(q: Quantity) -> bool:
    return (
        q.family == BARE
        and q.integer
        and 1900 <= q.value <= 2100
        and q.value2 is not None
        and 1900 <= q.value2 <= 2100
    )


def _compatible(a: Quantity, b: Quantity) -> bool:
    """Two levels that can form a before/after pair (factors and fractions cannot)."""
    if a.family in (RATIO, FRACTION) or b.family in (RATIO, FRACTION):
        return False
    if a.measure.lower() != b.measure.lower():
        return False  # "45 ms" and "2.1 s", "30 fps" and "42.1 mAP": not one quantity
    fa = PERCENT if a.family == PERCENT else a.family
    fb = PERCENT if b.family == PERCENT else b.family
    if fa == fb:
        return True
    scoreish = (BARE, SCORE)
    return (fa in scoreish and fb in scoreish) or {fa, fb} == {PERCENT, BARE}


def _pair(start: int, end: int, base: Quantity, treat: Quantity, a: Quantity, b: Quantity):
    fam = (
        PERCENT
        if PERCENT in (a.family, b.family)
        else (SCORE if SCORE in (a.family, b.family) else a.family)
    )
    bv, tv = signed(base.value, base.sign), signed(treat.value, treat.sign)
    return Effect(
        start,
        end,
        fam,
        abs(tv - bv),
        kind="pair",
        baseline=bv,
        treatment=tv,
        score_unit=a.score_unit or b.score_unit,
        q_start=a.start,
        q_end=b.end,
    )


def _bare_level(doc: Doc, q: Quantity) -> bool:
    """A bare number is a level of a metric named right before it: "a score of 157.57", "an F1
    of 0.78", "accuracy: 0.91" (not "on 12 datasets", "at epoch 10", "using 3 experts")."""
    left = doc.left(q.start, 40)
    if not BARE_LEVEL_LEFT_RE.search(left) or not find_metrics(left):
        return False
    return not COUNT_NOUN_RIGHT_RE.match(doc.text, q.end)


def _paren_levels_agree(clause: str, before: str, a: float, b: float) -> bool:
    """ "(A to B)" right after a metric, in a clause that compares or changes, is a before/after
    pair when the change word's sense agrees with B - A: "outperforms DPO in pair accuracy
    (0.52 to 0.56)", "degrade on Precision@5 (20.2% to 12.4%)", "stays unchanged (72.4% to
    72.1%)". Not a range of drops ("drops sharply (10% to 25%)") nor a range of settings ("at
    every sparsity level (50% to 90%)", "across context lengths (512 to 4096)", "as the masking
    ratio increases (15% to 75%)"): the words right before "(" (``before`` ends there) must name
    a performance metric."""
    words = [m.group(0).lower() for m in PAREN_CHANGE_LEFT_RE.finditer(clause)]
    if not words:
        return False
    head = before.rstrip()
    last = words[-1]
    if head.lower().endswith("unchanged"):
        return True
    found = find_metrics(head[-40:])
    if not found or found[-1][1][1] != PERF or found[-1][0] < len(head[-40:]) - 30:
        return False  # no performance metric right before "(": a setting or a range
    lower_better = found[-1][1][2] is True
    if last.startswith(("improv", "outperform", "surpass")):
        return (b < a) if lower_better else (b > a)  # better
    if last.startswith("degrad"):
        return (b > a) if lower_better else (b < a)  # worse
    if last.startswith(("declin", "drop", "fell", "fall", "reduc", "decreas", "lower")):
        return b < a
    if last.startswith(("increas", "rais", "boost", "lift")):
        return b > a
    return True


def _score_context(doc: Doc, pos: int) -> bool:
    """A bare before/after pair needs a change verb or a metric in its clause."""
    left = doc.clause_left(pos, 100)
    return bool(CHANGE_VERB_RE.search(left) or find_metrics(left))


def backward_lists(
    doc: Doc, qs: list[Quantity], used: set[int], effects: list[Effect]
) -> list[Effect]:
    """A number listed right before a comparison of the same unit shares its cue:
    "1.8% and 2.4% absolute gains", "3x and 5x speedups"."""
    added: list[Effect] = []
    added_ids: set[int] = set()
    for i in range(len(qs) - 1, -1, -1):
        q = qs[i]
        if i in used or q.kind != "num" or q.sign == "-" or is_year(q):
            continue
        # in one pass over the comparisons (and the items added so far): whether one covers q,
        # and the first that starts after it
        p = None
        covered = False
        for pool in (effects, added):
            for e in pool:
                if e.start <= q.start < e.end:
                    covered = True
                    break
                if e.start >= q.end and (p is None or e.start < p.start):
                    p = e
            if covered:
                break
        if covered or p is None:
            continue
        # a longer list ("2.1%, 2.4%, and 2.9% gains"): the next item took the cue already
        chained = id(p) in added_ids
        if p.kind != "single" or p.family != q.family or (p.inherited_from and not chained):
            continue
        between = doc.text[q.end : p.start]
        if not (BACK_LIST_RE.fullmatch(between) or (chained and between.strip() == ",")):
            continue
        src = p.inherited_from if chained else p
        added.append(
            Effect(
                q.start,
                q.end,
                q.family,
                q.value,
                q.sign,
                kind="single",
                pp=q.pp,
                score_unit=q.score_unit,
                word=q.word,
                q_start=q.start,
                q_end=q.end,
                inherited_from=src,
            )
        )
        added_ids.add(id(added[-1]))
    return sorted(effects + added, key=lambda x: (x.start, x.end)) if added else effects


def respectively_levels(doc: Doc, effects: list[Effect], qs: list[Quantity], used: set[int]):
    """Levels listed before a "respectively" list of changes become their treatments."""
    if "respectively" not in doc.text:
        return
    by_sentence: dict[tuple[int, int], list[Effect]] = {}
    for e in effects:
        by_sentence.setdefault(doc.sentence(e.start), []).append(e)
    for (s, t), group in by_sentence.items():
        if not RESPECTIVELY_RE.search(doc.text, s, t):
            continue
        deltas = [
            e
            for e in group
            if e.kind == "single" and e.treatment is None and e.family in (PERCENT, SCORE, BARE)
        ]
        if len(deltas) < 2:
            continue
        first = deltas[0].start
        levels = [
            q
            for i, q in enumerate(qs)
            if s <= q.start < first
            and i not in used
            and q.kind == "num"
            and not q.sign
            and q.family == deltas[0].family
            and not any(e.start <= q.start < e.end for e in effects)
        ]
        if len(levels) == len(deltas):
            for e, q in zip(deltas, levels, strict=True):
                e.treatment = q.value
