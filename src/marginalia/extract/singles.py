"""Single-number comparisons: whether a lone number states a comparison.

A number is a comparison when its unit and its neighbourhood say so: ratios ("2.3times", "5x",
"twice as fast", "an order of magnitude fewer"), signed changes ("+4.58%"), a change word next
to it ("a 10% improvement", "65% faster", "a 0.05 decline in"), "by" ("outperforms ... by
37%"), a change noun with "of" ("gains of up to 5%"), a level of a reference resource ("<1% of
the original training cost", "1/3 rd the size"), or a list that continues a comparison ("3.0%
on GSM8K and 7.9% on MATH"). Standalone scores, counts, sizes, years, hyperparameters and
hypotheticals ("power to detect a 5% change") are not.
"""

from __future__ import annotations

import re

from marginalia.extract.document import Doc, Effect, is_year, same_sentence
from marginalia.extract.fields import qualifier_before, strip_left
from marginalia.extract.numbers import BARE, FRACTION, PERCENT, RATIO, SCORE, Quantity
from marginalia.extract.patterns import (
    BARE_BY_RIGHT_RE,
    BARE_RIGHT_WORDS,
    BY_END_RE,
    CHANGE_NOUN_END_RE,
    CHANGE_OF_END_RE,
    CHANGE_VERB_RE,
    DOUBLE_BAD_RIGHT_RE,
    DOWN_VERB_RE,
    FACTOR_LEFT_RE,
    FILLER_WORDS,
    FOLD_BAD_LEFT_RE,
    FOLD_BAD_RIGHT_RE,
    FRACTION_RIGHT_RE,
    HARDWARE_RIGHT_RE,
    HYPER_LEFT_RE,
    HYPOTHETICAL_RE,
    IN_END_RE,
    LIST_BETWEEN_RE,
    MINIMIZER_END_RE,
    NOT_FRACTION_RIGHT_RE,
    OF_REFERENCE_RE,
    ONLY_USE_END_RE,
    ORDINAL_LEFT_RE,
    PAREN_AFTER_COMP_RE,
    RIGHT_CUE_BARE_RE,
    RIGHT_CUE_RE,
    STRONG_REF_RE,
    THAN_RE,
    THE_RESOURCE_RE,
    TIMES_LEFT_RE,
    TIMES_RIGHT_RE,
    TOKEN_RE,
    TWICE_RIGHT_RE,
    USE_END_RE,
    USED_SHARE_OF_RE,
    VERB_END_RE,
    tail,
)


def bare_hopeless(text: str, q: Quantity) -> bool:
    """Cheap test: a bare number without sign, cue word or parenthesis nearby (most years,
    counts and sizes) cannot be a comparison, so the full rules need not run."""
    if q.sign or q.family != BARE:
        return False
    if is_year(q):
        return True
    lt = text[max(0, q.start - 14) : q.start].lower()
    if "by" in lt or "of" in lt or "factor" in lt or "(" in lt or "from" in lt:
        return False
    rt = text[q.end : q.end + 30]
    if rt[:1] == ")":
        return False
    tok = TOKEN_RE.search(rt)
    if tok is None:
        return True
    w = tok.group(0).lower()
    return not (w in BARE_RIGHT_WORDS or w in FILLER_WORDS)


def single_comparison(doc: Doc, q: Quantity) -> Effect | None:
    """A lone number that is a comparison by its unit and neighbourhood, else None."""
    text = doc.text
    if bare_hopeless(text, q):
        return None
    left = doc.left(q.start, 120)
    right = doc.right(q.end, 80)
    qual, nq = qualifier_before(left)
    core = strip_left(left)
    # the text before the qualifier: "marginally higher (<4%)" -> "marginally higher ("
    left_noq = left[: len(left) - nq] if nq else left
    paren_comp = bool(tail(PAREN_AFTER_COMP_RE, left_noq, 28))
    if (
        right.startswith(")")
        and left.count("(") <= left.count(")")
        and not (q.sign and left.endswith("("))  # "(+15.53)" after a cut-off "(...)"
    ):
        return None  # an enumeration "1) Better uniformity"
    fam = q.family
    if tail(HYPER_LEFT_RE, left, 6) or is_year(q):
        return None
    # the clause is a suffix of left, so only look at it when left's end has the words
    near = left[-80:]
    if "detect" in near or "power" in near:
        clause = doc.clause_left(q.start, 80)
        if ("detect" in clause or "power" in clause) and HYPOTHETICAL_RE.search(clause):
            return None
    if fam == BARE and tail(FACTOR_LEFT_RE, core, 14):
        return _single_effect(q, RATIO, "factor")
    if fam == RATIO:
        return _single_effect(q) if _ratio_ok(q, left, core, right, qual) else None
    if fam == FRACTION:
        if q.word and q.word.startswith("halv"):
            # "roughly halving memory": an "-ing" form reports a result after a qualifier
            kept = q.word in ("halves", "halved") or (q.word == "halving" and qual)
            return _single_effect(q) if kept else None
        if tail(ORDINAL_LEFT_RE, core, 14) or NOT_FRACTION_RIGHT_RE.match(right):
            return None
        reference = bool(FRACTION_RIGHT_RE.match(right) or OF_REFERENCE_RE.match(right))
        reduced_by = bool(tail(BY_END_RE, core, 16)) or bool(
            tail(IN_END_RE, core, 4) and DOWN_VERB_RE.search(doc.clause_left(q.start, 80))
        )
        if reference and (
            qual
            or q.kind == "frac"
            or _is_reference(core, right, qual)
            or THE_RESOURCE_RE.match(right)
        ):
            return _single_effect(q, kind="reference")
        if reduced_by:
            return _single_effect(q)
        if qual and reference:
            return _single_effect(q)
        return None
    # percent, score, bare
    if q.sign == "+":
        return _single_effect(q)
    if q.sign == "-" and (left.rstrip().endswith("(") or tail(BY_END_RE, core, 16)):
        return _single_effect(q)
    if fam == PERCENT:
        if _is_reference(core, right, qual, left_noq.rstrip().endswith("(")):
            return _single_effect(q, kind="reference")
        if (
            tail(BY_END_RE, core, 16)
            or tail(CHANGE_OF_END_RE, core, 80)
            or (qual and tail(CHANGE_NOUN_END_RE, core, 50))
            or tail(VERB_END_RE, core, 22)
            or paren_comp
            or RIGHT_CUE_RE.match(right)
        ):
            return _single_effect(q)
        return None
    # score / bare numbers: differences in score units
    if fam == BARE and q.integer and q.value >= 1000:
        return None
    by = tail(BY_END_RE, core, 16) and (
        CHANGE_VERB_RE.search(doc.clause_left(q.start, 120))
        or THAN_RE.search(doc.clause_left(q.start, 80))  # "better than X by 1.4 BLEU"
    )
    change_of = tail(CHANGE_OF_END_RE, core, 80) or (qual and tail(CHANGE_NOUN_END_RE, core, 50))
    if (by or change_of) and (fam == SCORE or BARE_BY_RIGHT_RE.match(right)):
        return _single_effect(q)
    if RIGHT_CUE_BARE_RE.match(right) or paren_comp:
        return _single_effect(q)
    if fam == SCORE and RIGHT_CUE_RE.match(right):  # "5.1 points above", "2 BLEU more"
        return _single_effect(q)
    if (
        fam == SCORE
        and q.score_unit
        and not q.measure  # "we cut 30 s clips", "remove 2 s of silence": settings
        and tail(VERB_END_RE, MINIMIZER_END_RE.sub("", core), 22)
    ):
        return _single_effect(q)  # "loses only 0.004 mIoU", "improves 1.2 BLEU"
    return None


def _single_effect(
    q: Quantity, family: str | None = None, word: str | None = None, kind: str = "single"
) -> Effect:
    """The effect of a lone number (built once single_comparison has decided to keep it)."""
    return Effect(
        q.start,
        q.end,
        q.family if family is None else family,
        q.value,
        q.sign,
        kind=kind,
        pp=q.pp,
        score_unit=q.score_unit,
        word=q.word if word is None else word,
        q_start=q.start,
        q_end=q.end,
    )


def _is_reference(core: str, right: str, qual: str, paren: bool = False) -> bool:
    """A level of a reference resource: "<1% of the original training cost", "using only 10%
    of the data", "less than 1% of 1990 levels" (not "30% of the samples contain errors")."""
    ref = OF_REFERENCE_RE.match(right)
    if not ref:
        # "only requires 2.5% of ...", "selects only 10% of tensor programs": a share used
        return bool(tail(ONLY_USE_END_RE, core, 40) and USED_SHARE_OF_RE.match(right))
    if tail(BY_END_RE, core, 16) or tail(CHANGE_OF_END_RE, core, 80) or tail(VERB_END_RE, core, 22):
        return False
    if qual or paren or STRONG_REF_RE.search(ref.group(0)):
        return True
    return bool(tail(USE_END_RE, core, 34) or tail(ONLY_USE_END_RE, core, 40))


def _ratio_ok(q: Quantity, left: str, core: str, right: str, qual: str) -> bool:
    if re.match(r"^\s?\d", right):
        return False  # 3 x 3, 32×32: a shape
    if q.kind == "word":
        w = q.word
        if w in ("twice", "thrice"):
            return bool(TWICE_RIGHT_RE.match(right) or qual or tail(BY_END_RE, core, 16))
        if w.startswith(("doubl", "tripl", "quadrupl")):
            # "doubles/doubled the throughput" reports a result; "we double the context",
            # "double descent" and "doubling the batch size" describe a setting
            # "nearly tripling": an "-ing" form reports a result only after a qualifier
            if w.endswith("ing") and not qual:
                return False
            return w.endswith(("es", "ed", "ing")) and not DOUBLE_BAD_RIGHT_RE.match(right)
        if w == "fold":
            return not (FOLD_BAD_RIGHT_RE.match(right) or tail(FOLD_BAD_LEFT_RE, core, 10))
        if w == "times":
            return bool(TIMES_RIGHT_RE.match(right) or tail(TIMES_LEFT_RE, core, 40))
        return True  # order(s) of magnitude
    if HARDWARE_RIGHT_RE.match(right) or FOLD_BAD_RIGHT_RE.match(right):
        return False
    if q.glued:
        return True
    # spaced "N times": a count unless a comparison word is near ("repeated 5 times")
    if FOLD_BAD_RIGHT_RE.match(right):
        return False
    return bool(TIMES_RIGHT_RE.match(right) or tail(TIMES_LEFT_RE, core, 40) or qual)


def list_continuation(doc: Doc, prev: Effect, q: Quantity) -> bool:
    """``q`` continues a list after the comparison ``prev`` ("3.0% on GSM8K and 7.9% on MATH")."""
    if prev.kind not in ("single", "reference", "paren", "pair"):
        return False
    fam_ok = prev.family == q.family or {prev.family, q.family} <= {SCORE, BARE}
    # a minus sign ends a list, unless the list is of signed changes ("+3.2% CTR and -6.9%")
    if not fam_ok or (q.sign == "-" and not prev.sign) or not same_sentence(doc, prev.end, q.start):
        return False
    between = doc.text[prev.end : q.start]
    if not LIST_BETWEEN_RE.match(between):
        return False
    if prev.kind == "reference" and not OF_REFERENCE_RE.match(doc.right(q.end, 80)):
        return False
    if prev.kind != "reference" and doc.text.startswith(" of ", q.end):
        return False  # "by 4% on average, and over 60% of users prefer it": a share, no item
    return not (q.family == BARE and is_year(q))
