"""Reported quantitative comparisons in an abstract, as rows of the effects table.

The extractor is a small grammar over the number expressions of :mod:`.numbers`:

1. *composite* comparisons are read first: before/after pairs ("from 58.3 to 68.6",
   "58.9 rightarrow 61.7", "27.49% vs. 25%", "29.79% ..., which rises to 64.69%",
   "24.6 (from 21.1)", "39.9F1 ... lower than ... (41.0F1)"), a level with its change in
   parentheses ("81.8% (+5.9%)"), and ranges ("+0.1 to +0.4", "3x-14x", "30-50%", "±10%");
2. each remaining number is a comparison when its unit and its neighbourhood say so: ratios
   ("2.3times", "5x", "twice as fast", "an order of magnitude fewer"), signed changes ("+4.58%"),
   a change word next to it ("a 10% improvement", "65% faster", "a 0.05 decline in"), "by"
   ("outperforms ... by 37%"), a change noun with "of" ("gains of up to 5%"), a level of a
   reference resource ("<1% of the original training cost", "1/3 rd the size"), or a list that
   continues a comparison ("3.0% on GSM8K and 7.9% on MATH");
3. the fields (metric, aspect, polarity, direction, scale, qualifier, benchmark) are read from a
   small window around the span, bounded by the sentence and clause.

Everything else (standalone scores, counts, sizes, years, hyperparameters, physical
measurements such as "120 ms", rates inside formulas) is left alone. The rules are general
patterns of how abstracts state comparisons; the conventions (signs, units, scales, qualifiers)
are those of the annotation guide. A range gives two rows, ``range_low`` holding the smaller
delta ("20-40% fewer" gives -40 then -20; "±10%" gives -10 then +10).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from marginalia.extract.lexicon import (
    CHANGE_NOUN,
    EFF,
    PERF,
    find_metrics,
    first_metric,
    good_or_bad,
    last_metric,
    last_movement,
    movement_of,
)
from marginalia.extract.numbers import (
    BARE,
    FRACTION,
    PERCENT,
    RATIO,
    SCORE,
    Quantity,
    find_quantities,
)

_I = re.IGNORECASE


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# ------------------------------------------------------------------------------------ patterns

_QUAL = (
    r"(?P<up_to>up[\s-]*to|as\s+(?:much|high|many)\s+as|a\s+maximum\s+of|maximum\s+of)"
    r"|(?P<at_least>more\s+than|over|at\s+least|above|in\s+excess\s+of|greater\s+than|"
    r"upwards\s+of|exceeding|>|\u2265|>=|\\?geq?)"
    r"|(?P<at_most>less\s+than|fewer\s+than|under|below|at\s+most|no\s+more\s+than|"
    r"<|\u2264|<=|\\?leq?)"
    r"|(?P<approx>approx\.?|approximately|about|around|roughly|nearly|almost|close\s+to|"
    r"~|\u223c|\u2248|\\?sim|circa|ca\.|some)"
    r"|(?P<average>an\s+average\s+of|on\s+average(?:\s+by)?|average\s+of|a\s+mean\s+of)"
)
# a qualifier right before a number (after optional article / plus sign / opening paren)
# the first characters _QUAL can match (a lookahead on them lets the search skip other
# positions cheaply; it admits exactly the characters the alternatives start with, case-folded)
_QUAL_FIRST = re.escape("uamoige>\u2265\\lfbn<\u2264rc~\u223c\u2248s")
_QUAL_END_RE = re.compile(
    rf"(?<![\w-])(?=[{_QUAL_FIRST}])(?:{_QUAL})\}}?\$?\s*(?:(?:a|an)\s+)?\(?\s*$", _I
)
# _QUAL_END_RE without IGNORECASE, for lower-cased ASCII text (its literals are lower case)
_QUAL_END_LOWER_RE = re.compile(_QUAL_END_RE.pattern)
_AVERAGE_LEFT_RE = re.compile(
    rf"\b(?:average|mean|avg\.?)\s+(?:\w+\s+){{0,2}}?(?:{CHANGE_NOUN})\s+(?:of|by)\s*$"
    r"|\bon\s+average\s*,?\s*(?:\w+\s+){0,3}$",
    _I,
)
_AVERAGE_RIGHT_RE = re.compile(
    r"^\)?\s*(?:\w+\s+){0,2}?(?:in|on|of)\s+(?:the\s+)?(?:average|mean)\b|^\)?\s*on\s+average\b",
    _I,
)
_ARTICLE_END_RE = re.compile(r"(?:\b(?:a|an|the)\s+|\(\s*|\+\s*)$", _I)

_BY_END_RE = re.compile(r"(?<![\w-])by(?:\s+(?:only|just|merely|a\s+mere))?\s*$", _I)
_CHANGE_OF_END_RE = re.compile(
    rf"(?<![\w-])(?:{CHANGE_NOUN})(?:\s+(?:in|on|for)\s+[^,;:()]{{1,50}}?)?\s+(?:of|by)\s*$", _I
)
_VERB_END_RE = re.compile(
    r"(?<![\w-])(?:remov|reduc|cut|sav|prun|eliminat|compress|shrink|increas|improv|boost|"
    r"rais|lower|decreas|lower)\w*\s*$",
    _I,
)
_PAREN_AFTER_COMP_RE = re.compile(
    r"(?<![\w-])(?:higher|lower|better|worse|faster|slower|fewer|less|more|larger|smaller|"
    r"cheaper|outperform\w*|underperform\w*|improv\w*|increas\w*|decreas\w*|reduc\w*|"
    rf"{CHANGE_NOUN})\s*\(\s*$",
    _I,
)
_FILLER = (
    r"relative|absolute|average|overall|net|additional|further|total|mean|median|points?|pts|"
    r"percentage|pp|accuracy|performance|quality|F1|BLEU|score|top-1|top-5|end-to-end|"
    r"inference|training|point"
)
_TOKEN_RE = re.compile(r"[^\W\d][\w-]*")
_FILLER_WORDS = _word_set(
    "relative absolute average overall net additional further total mean median point points "
    "pts percentage pp accuracy performance quality f1 bleu score top-1 top-5 end-to-end "
    "inference training in of the a an as x times fold percent"
)
_BARE_RIGHT_WORDS = _word_set(
    "improvement improvements increase increases gain gains boost boosts drop drops decline "
    "declines decrease decreases reduction reductions degradation degradations loss losses "
    "enhancement enhancements uplift uplifts lift lifts rise rises jump jumps speedup speedups "
    "speed-up speed-ups acceleration accelerations saving savings cut cuts increment increments "
    "growth deterioration deteriorations penalty overhead overheads advantage advantages lead "
    "leads margin margins slowdown slowdowns decay decays regression regressions higher lower "
    "better worse x times fold"
)
_PUNCT_RE = re.compile(r"[,;.:()]")
_BUT_ONLY_BETWEEN_RE = re.compile(
    # a digit only inside a word ("pass@1", "GPT-4o" are names, not numbers)
    r"(?:[^,;:.()\d]|(?<=[A-Za-z@\d-])\d){0,50}?(?:\bon|\bin|\bfor)\s"
    r"(?:[^,;:.()\d]|(?<=[A-Za-z@\d-])\d){1,40}?,?\s+but\s+(?:only|just|merely)\s*",
    _I,
)
_LIST_ITEM_GAP_RE = re.compile(
    r"(?:[^,;:.()\d]|(?<=[A-Za-z@\d-])\d){0,50},\s*(?:and\s+)?(?:by\s+)?", _I
)
_WITH_COST_BETWEEN_RE = re.compile(r"[^,;.()\d]{0,50}?\bwith\b[^,;.()\d]{0,30}", _I)
_FASTER_RIGHT_RE = re.compile(r"^\s*(?:faster|quicker|speed-?ups?)\b", _I)
_IMPROVEMENT_WORD_RE = re.compile(r"\b(?:improv\w*|better|gains?|enhanc\w*)\b", _I)
_IMPROVEMENT_RIGHT_RE = re.compile(
    r"^\)?\s*(?:[^\W\d][\w-]*\s+){0,2}?(?:improvements?|gains?|better)\b", _I
)
# change nouns that can follow a metric name ("5% WER reduction"; not "leads", "margins",
# "loss", which also name things)
_METRIC_CHANGE_NOUN = (
    r"improvements?|increases?|gains?|boosts?|drops?|declines?|decreases?|reductions?|"
    r"degradations?|enhancements?|uplifts?|rises?|jumps?|speed-?ups?|savings?|slowdowns?|"
    r"overheads?"
)
_CHANGE_NOUN_RE = re.compile(_METRIC_CHANGE_NOUN, _I)
_FUNCTION_WORDS = _word_set(
    "of the in on for to and or with from at by is are was were than that which while when"
)
_NO_OBJECT_RE = re.compile(r"\s*by", _I)
_TRAILING_WORD_RE = re.compile(r"[\w-]+$")
# performance metrics that are not percentages: a % change of them is relative
_UNBOUNDED_METRICS = frozenset(("FID", "perplexity", "regret", "reward", "emissions"))
_ELLIPSIS_RE = re.compile(r"[^.;:()\d]{0,20}?(?:,\s*and|\s+and|,)\s+[\w\s-]{1,40}?\s+by\s+", _I)
_PARTICLE_END_RE = re.compile(r"[\w-]+\s+(?:up|down)$", _I)
_BACK_LIST_RE = re.compile(r"\s*(?:,\s*(?:and|or)\s+|\s+and\s+|\s+or\s+|/)\s*", _I)
_IN_END_RE = re.compile(r"(?<![\w-])in$", _I)
_DOWN_VERB_RE = re.compile(r"\b(?:cut|cuts|cutting|reduc\w*|split\w*|slash\w*|lower\w*)\b", _I)
_PASSIVE_ENDS = ("ed", "cut", "shrunk")  # _PASSIVE_RE ends in one of these
_PASSIVE_RE = re.compile(
    r"\b(?:be|is|are|was|were|been|being|gets?|got)\s+(?:\w+ly\s+)?(?:[\w-]+ed|cut|shrunk)\s*$",
    _I,
)
_THAN_NEXT_RE = re.compile(r"\s+than\b", _I)
_QUAL_THAN_RE = re.compile(r"\b(?:more|less|fewer|greater)\s+than\b", _I)
_UPTO_LAST_DIGIT_RE = re.compile(r".*\d", re.DOTALL)
_RIGHT_CUE_RE = re.compile(
    rf"^\)?\s*(?:(?:{_FILLER})\s+){{0,2}}?"
    # "7 percent perplexity reduction", "15% relative WER reduction": a metric name (one or
    # two words, not function words) between the number and its change noun
    rf"(?:(?:(?!(?:of|the|in|on|for|to|and|or|with|from|at|by|is|are|was|were)\b)"
    rf"[^\W\d][\w-]*\s+){{1,2}}(?:{_METRIC_CHANGE_NOUN})|{CHANGE_NOUN}|higher|lower|better|worse|"
    r"faster|slower|fewer|less|more|larger|smaller|greater|bigger|cheaper|shorter|longer|"
    r"improved|reduced|increased|decreased|relative|"
    r"absolute|speed-?up|over\s+(?:the|a|an|prior|previous|existing|state|baselines?|SOTA)|"
    r"above|ahead\s+of|below)(?![\w-])",
    _I,
)
# a bare number is a score difference only next to a change noun or a comparative of level
_RIGHT_CUE_BARE_RE = re.compile(
    rf"^\)?\s*(?:(?:{_FILLER})\s+){{0,2}}?(?:{CHANGE_NOUN}|higher|lower|better|worse)(?![\w-])",
    _I,
)
_BARE_BY_RIGHT_RE = re.compile(
    r"^(?:\s*$|\s*[,;.)]|\s+(?:points?|pts|pp|on|in|over|across|compared|relative|than|and|"
    r"while|with|at|for|from|when|respectively|absolute|overall|average)\b)",
    _I,
)
_CHANGE_VERB_RE = re.compile(
    r"(?<![\w-])(?:improv|increas|boost|outperform|surpass|exceed|beat|gain|rais|ris|rose|jump|"
    r"reduc|decreas|lower|drop|declin|fell|fall|degrad|lag|trail|underperform|lead|advanc|"
    r"enhanc|narrow|clos|widen|shrink|cut)\w*",
    _I,
)
_RESOURCE = (
    r"(?:[\w-]+\s+){0,3}?(?:data|data\s*set|dataset|cost|costs|compute|computation|FLOPs?|"
    r"parameters|params|memory|time|latency|energy|emissions|levels?|budget|size|tokens|labels|"
    r"annotations|examples|samples|comparisons|storage|bandwidth|GPU[\s-]hours|runtime|"
    r"training\s+set|calls|queries|footprint|model|baseline|network|weights|layers|gaps?|"
    r"cache|activations)"
    r"(?![\w-])"
)
_OF_REFERENCE_RE = re.compile(
    r"^\)?\s*(?:\s*(?:st|nd|rd|th)\b)?\s*(?:\([^()]{0,30}\)\s*)?"
    # "90% (of the) performance of the original"
    r"(?:(?:(?:performance|accuracy|quality|capabilit(?:y|ies))\s+)?of\s+|the\s+)"
    r"(?!the\s+time\b)(?:(?:the|its|their|our|all|his|her)\s+)?"
    rf"(?:\d{{4}}\s+levels?|(?:original|baseline|full|reference|dense|teacher|standard|base|"
    rf"uncompressed|unpruned|initial|previous|vanilla)\b|{_RESOURCE})",
    _I,
)
_THE_RESOURCE_RE = re.compile(rf"^\s*(?:(?:st|nd|rd|th)\b)?\s*the\s+{_RESOURCE}", _I)
_STRONG_REF_RE = re.compile(
    r"\b(?:original|baseline|full|reference|dense|teacher|uncompressed|unpruned|vanilla|"
    r"levels?|cost|costs|compute|FLOPs?|memory|energy|emissions|budget|runtime|latency)\b",
    _I,
)
_USE_END_RE = re.compile(
    r"(?<![\w-])(?:using|uses?|used|with|requir\w*|needs?|needing|at|on|consum\w*|"
    r"retain\w*|maintain\w*|preserv\w*|recover\w*|keep\w*|costs?|takes?|taking|"
    r"trained\s+on|training\s+on)\s+(?:only|just|merely|a\s+mere)\s*$"
    # "recovers 40% of the gap", "closes 60-80% of the performance gap"
    r"|(?<![\w-])(?:recover(?:s|ed|ing)?|clos(?:e|es|ed|ing)|bridg(?:e|es|ed|ing))\s*$",
    _I,
)
_FRACTION_RIGHT_RE = re.compile(
    r"^\s*(?:(?:st|nd|rd|th)\b)?\s*(?:\([^()]{0,30}\)\s*)?"
    r"(?:(?:the|its|their|of\s+(?:the|its|their|our))\s+|as\s+(?:many|much|\w+er|fast|large|"
    r"small|big|long|few|costly|expensive)\b)",
    _I,
)
_ORDINAL_LEFT_RE = re.compile(
    r"\b(?:first|second|third|last|latter|former|other|bottom|top|upper|lower|final|early|"
    r"later|one|another|each|every)\s*$",
    _I,
)
_NOT_FRACTION_RIGHT_RE = re.compile(
    r"^[\s-]*(?:wave|precision|space|plane|life|lives|hour|day|year|decade|century|way|time\b|"
    r"-\w|of\s+(?:them|these|those|all|the\s+(?:time|cases|participants|respondents|papers|"
    r"models|tasks|questions|problems|users|people)))",
    _I,
)
_TIMES_RIGHT_RE = re.compile(
    r"^\s*(?:more|less|fewer|faster|slower|higher|lower|larger|smaller|bigger|greater|better|"
    r"cheaper|longer|shorter|as|the|over|speed-?ups?|acceleration|reduction|improvement|increase|"
    r"compression|that|than|compared|relative|lighter|quicker|cheaper|smaller|wider|"
    r"efficient|throughput|gains?)\b",
    _I,
)
_TIMES_LEFT_RE = re.compile(
    r"(?<![\w-])(?:by|factor(?:\s+of)?|up\s*to|upto|over|than|nearly|almost|about|approx\.?|"
    r"approximately|roughly|around|~|achiev\w*|yield\w*|deliver\w*|provid\w*|obtain\w*|"
    r"gain\w*|(?:speed-?up|acceleration|improvement|reduction|increase)s?\s+of|to\s+be|"
    r"is|are|was|were|runs?|faster|more\s+than|at\s+least)\s*(?:a|an)?\s*$",
    _I,
)
_TWICE_RIGHT_RE = re.compile(
    r"^\s*(?:as|the|more|less|fewer|faster|slower|higher|lower|larger|smaller|bigger|better|"
    r"cheaper|longer|shorter|that|many|much|over)\b",
    _I,
)
_DOUBLE_BAD_RIGHT_RE = re.compile(
    r"^[\s-]*(?:descent|blind|check|precision|count|standard|edged|digit|layer|sided|loop|"
    r"trouble|dqn|q\b|cross|exponential|bond|helix|dipping|quantization|sampling|backprop)",
    _I,
)
_FOLD_BAD_RIGHT_RE = re.compile(r"^[\s-]*(?:cross|cv\b|validation|split|ensembl)", _I)
_FOLD_BAD_LEFT_RE = re.compile(r"\b(?:is|are|was|were)\s*$", _I)
_HARDWARE_RIGHT_RE = re.compile(
    r"^\s*(?:[AHV]100|A6000|A40|L40|RTX|GPUs?|TPUs?|NVIDIA|nodes?|cores?|CPUs?)\b", _I
)
_FACTOR_LEFT_RE = re.compile(r"\bfactors?(?:\s+of)?\s*$", _I)
_HYPOTHETICAL_RE = re.compile(r"\b(?:detect|detectable|detecting|power\s+to)\b", _I)
_RANGE_FROM_RE = re.compile(
    r"\b(?:rang(?:e|es|ed|ing)|vary|varies|varied|varying|between|spann?\w*|sizes?|scales?)"
    r"\b[^,;.]{0,30}$",
    _I,
)
# "outperforms it (from 1.71 to 2.48 BLEU)": a range of margins, not a before/after pair
_GAIN_FROM_END_RE = re.compile(
    r"(?<![\w-])(?:outperform\w*|surpass\w*|exceed\w*|beat\w*)"
    r"(?:(?:\s+[^\s(),.;]+){0,5}?\s*\(|\s+by)?\s*(?:by\s+)?from\s*$",
    _I,
)
# between two ranges of one list: "... of the gap on A and 7% to 38% on B"
_RANGE_LIST_RE = re.compile(r"[^,;:.()\d%]{0,100}?(?:,\s*(?:and\s+)?|\s+and\s+)$", _I)
_FROM_END_RE = re.compile(r"(?<![\w-])from\s+(?:(?:a|an|the)\s+)?(?:\w+\s+)?$", _I)
_ARROW_RE = re.compile(
    r"^\s*(?:\\?(?:long)?rightarrow|\u2192|->|\u27f6|\u21d2|=>|\\to|\u2794)\s*$", _I
)
_VS_RE = re.compile(r"^\s*(?:vs\.?|versus|v\.s\.|compared\s+(?:to|with)|against)\s*$", _I)
_PAREN_BETWEEN_RE = re.compile(r"^[^()\d;]{0,45}\(\s*$")
_FROM_PAREN_RE = re.compile(r"\(\s*(?:up\s+)?from\s*$", _I)
_RISES_TO_RE = re.compile(
    r"(?<![\w-])(?:ris(?:e|es|ing)|rose|increas\w*|improv\w*|jump\w*|grow\w*|grew|climb\w*|"
    r"go(?:es)?\s+up|went\s+up|boost\w*|rais\w*|drop\w*|fall\w*|fell|decreas\w*|declin\w*|"
    r"reduc\w*|lower\w*|goes\s+down|went\s+down|shrink\w*|shrunk)"
    r"(?:\s+(?!by\b|up\b)[^\W\d][\w-]*){0,3}?\s+to\s*$",
    _I,
)
_THAN_RE = re.compile(
    r"(?<![\w-])(?:higher|lower|better|worse|greater|smaller|larger|more|less|fewer|faster|"
    r"slower|above|below)\s+than\b",
    _I,
)
_COMPARED_END_RE = re.compile(
    r",?\s*(?:compared\s+(?:to|with)|versus|vs\.?|relative\s+to|against)\s+(?:the\s+)?$", _I
)
_LEVEL_LEFT_RE = re.compile(
    r"\b(?:achiev\w*|reach\w*|obtain\w*|attain\w*|scor\w*|yield\w*|record\w*|get|gets|"
    r"got)\s+(?:(?:a|an|the|new|score|of|accuracy|an?\s+\w+\s+of)\s+)*$",
    _I,
)
_QUAL_ONLY_RE = re.compile(r"^\s*(?:(?:a|an)\s+)?$", _I)
_COMPARATIVE_START_RE = re.compile(
    r"^\s*(?:[\w%]+\s+)?(?:higher|lower|better|worse|greater|smaller|larger|more|less|fewer|"
    r"faster|slower|above|below)\b",
    _I,
)
_LIST_BETWEEN_RE = re.compile(
    r"^\s*\)?\s*(?:(?:on|in|for|at|across|over|with|of)\s+(?:(?!%|\\%)[^,;:.()]){1,40}?\s*)?"
    r"(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)(?:(?:by|of|with)\s+)?$",
    _I,
)
_ABSOLUTE_RE = re.compile(r"\babsolute(?:ly)?\b|\bpercentage\s+points?\b", _I)
_RELATIVE_RE = re.compile(r"\brelative(?:ly)?\b(?!\s+(?:to|cheap|simple|small|easy))", _I)
_ADVERSE_RE = re.compile(
    r"\b(?:affect\w*|hurt\w*|harm\w*|cost\s+of|expense\s+of|sacrific\w*|penalt\w*|overhead\w*|"
    r"compromis\w*|impair\w*|at\s+the\s+cost|trade-?off)\b",
    _I,
)
# "with only a 0.05 decline in", "with a slight decrease of": a cost conceded next to a gain
_CONCESSIVE_RE = re.compile(
    rf"\bwith\s+(?:only\s+)?(?:a\s+|an\s+)?(?:only\s+)?(?:\w+\s+)?(?:{CHANGE_NOUN})"
    r"(?:\s+(?:of|in))?\s*$|\bwith\s+(?:only\s+)?(?:a\s+|an\s+)?(?:only\s+)?$",
    _I,
)
_MINIMIZER_RE = re.compile(
    r"\b(?:only|slight|small|minor|marginal|negligible|little|minimal|modest|tiny)\b", _I
)
_EQUIV_RE = re.compile(
    r"\b(?:similar|equivalent|comparable|equal|on\s+par|matching|same)\b[^.;]{0,60}$"
    r"|\b(?:improv\w*|boost\w*|enhanc\w*|increas\w*)\s+[^.;,]{0,50}?\bby\s*$",
    _I,
)
_RESPECTIVELY_RE = re.compile(r"\brespectively\b", _I)
_OTHERS_RE = re.compile(r"(?P<rel>,\s*(?:which|who)\b)|\b(?:whereas|unlike)\b", _I)
_FIRST_PERSON_RE = re.compile(r"\b(?:we|our|ours|us|this\s+(?:paper|work|method|approach))\b", _I)
_NAMED_RE = re.compile(r"\b[A-Z][\w-]*")
_BASELINE_WORD_RE = re.compile(
    r"\b(?:prior|previous|existing|baselines?|competitors?|other|conventional|standard|"
    r"traditional|state-of-the-art|SOTA|they|it|its|their)\b",
    _I,
)
_LEFT_BENCH_LEAD_RE = re.compile(
    r"\s*(?:(?:while|whereas|and|but)\s+)?(?:on|in|for|across|over)\s+(?:the\s+)?"
    r"(?:[\w-]+\s+){0,3}$",
    _I,
)
_LEFT_BENCH_AFTER_RE = re.compile(
    r"\s*(?:results?|scores?|accuracy|performance|benchmarks?|datasets?|tasks?|test)\b", _I
)
_URL_RE = re.compile(r"https?://\S+|www\.\S+|\S+\.(?:com|org|io|net)/\S*", _I)
_NON_SPACE_RE = re.compile(r"\S*")
_HYPER_LEFT_RE = re.compile(r"(?:=|:=)\s*$")
_SENT_END_RE = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]*[A-Z])")
_ABBREV_RE = re.compile(
    r"(?:\b(?:e\.g|i\.e|vs|cf|al|fig|figs|eq|eqs|sec|ref|approx|resp|no|acc|avg|est|viz|incl|"
    r"w\.r\.t|etc|ca|tab)|\b[A-Za-z])$",
    _I,
)
_CLAUSE_BREAK_RE = re.compile(r"[;:]|,\s+(?:while|whereas|but|and|which|although|though)\b")
_CLAUSE_COMMA_RE = re.compile(r",\s+(?:while|whereas|but|and|which|although|though)\b")
_RIGHT_STOP_RE = re.compile(
    r";|,\s+(?:and|while|whereas|but|although|though)\b|\s(?:while|whereas)\s", _I
)
_PARENS_RE = re.compile(r"\([^()]*\)")
# where a metric name after the number stops: ",", ";", "(", a number, or a function word;
# written with the first character taken first (and the alternatives picked by lookbehinds on
# it) so that the search only stops at those characters; the matches are those of
# "[,;(]|(?<![\w-])\d|\s(?:and|or|...)\b"
_METRIC_RIGHT_STOP_RE = re.compile(
    r"[,;(\d\s](?:(?<=[,;(])|(?<=\d)(?<![\w-]\d)"
    r"|(?<=\s)(?:and|or|while|with|which|whereas|but|compared|than|when|using|on|for|at|"
    r"across|by|to|from|over|under|after|before|without|via|through|because|is|are|was|were|"
    r"as\s+(?!fast|many|much|large|small|long))\b)",
    _I,
)
# a name-like token not glued to a word or hyphen before it; the first character comes before
# the lookbehind (which then looks at it and the one before) so that the scan skips fast
# a year glued with an apostrophe is part of the name: "IWSLT'14", "WMT'16"
_BENCH_START_RE = re.compile(r"[A-Z0-9](?<![\w-].)[\w+]*(?:[-.][\w+]+)*(?:['\u2019]\d\d)?\+*")
_BENCH_NEXT_RE = re.compile(r"[ -][^\W_][\w+]*(?:[-.][\w+]+)*(?:['\u2019]\d\d)?\+*")
_COMMON_CAPS = _word_set(
    "The A An In On Our We This These Our It Its For With To Of By As At And But Finally "
    "Furthermore Moreover However Additionally Specifically Experiments Results Extensive "
    "Experimental Code Compared Using When While Although"
)
_CANON_CACHE: dict[int, dict[str, str | None]] = {}
_HEADS_CACHE: dict[int, frozenset[str] | None] = {}
_NUMERIC_HEADS: dict[int, bool] = {}  # registry id -> whether a name starts with a number
_RUN_RE = re.compile(r"[^\W\d_]+|\d+")

# ------------------------------------------------------------------------------------ records


@dataclass(slots=True)
class Effect:
    """One comparison before it becomes one (or, for a range, two) table rows."""

    start: int
    end: int
    family: str
    value: float  # the stated number (delta, ratio, fraction or level), unsigned
    sign: str = ""
    value2: float | None = None  # upper end of a range
    sign2: str = ""
    kind: str = "single"  # single | pair | paren | range | pm | reference
    baseline: float | None = None
    treatment: float | None = None
    qualifier: str = ""
    pp: bool = False
    score_unit: str = ""
    word: str = ""
    q_start: int = 0  # where the (first) number starts
    q_end: int = 0  # where the (last) number ends
    inherited_from: Effect | None = None
    metric: str = ""
    aspect: str = ""
    lib: bool | None = None
    equiv: bool = False
    benchmark: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ helpers


def sentence_starts(text: str) -> list[int]:
    """Start offsets of the sentences of ``text`` (abbreviation- and decimal-aware).

    A sentence ends at ``.``, ``!`` or ``?`` (and closing quotes or brackets) followed by
    whitespace and a capital letter (after optional opening quotes or brackets), unless the
    period closes an abbreviation ("e.g.", "vs.", "et al.", "Fig.") or an initial.
    """
    starts = [0]
    # ``_SENT_END_RE.finditer(text)``, tried only at the marks (every match starts at one)
    marks: list[int] = []
    for ch in ".!?":
        i = text.find(ch)
        while i != -1:
            marks.append(i)
            i = text.find(ch, i + 1)
    if len(marks) > 1:
        marks.sort()
    last = 0
    match = _SENT_END_RE.match
    n = len(text)
    for p in marks:
        if p < last:
            continue
        nxt = text[p + 1 : p + 2]
        if nxt == " " and p + 2 < n and "A" <= text[p + 2] <= "Z":
            last = p + 2  # ". X": the match without the regex
        elif not nxt or nxt.isalnum():
            continue  # no closer or whitespace after the mark: no match
        else:
            m = match(text, p)
            if m is None:
                continue
            last = m.end()
        # an abbreviation or initial ends in a word of at most 6 letters: a period after 7
        # letters or digits cannot close one
        if (
            text[p] == "."
            and not (p >= 7 and text[p - 7 : p].isalnum())
            and _ABBREV_RE.search(text, max(0, p - 8), p)
        ):
            continue
        starts.append(last)
    return starts


class _Doc:
    """The abstract with its sentence index and quantities (helpers for windows)."""

    __slots__ = ("text", "starts", "ends", "qs", "_clauses")

    def __init__(self, text: str, qs: list[Quantity]):
        self.text = text
        self.starts = sentence_starts(text)
        self.ends = [*self.starts[1:], len(text)]  # ends[i]: where sentence i ends
        self.qs = qs
        self._clauses: dict[int, str] = {}

    def sentence(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, pos) - 1
        if i < 0:  # pos < 0
            return self.starts[i], self.starts[0]
        return self.starts[i], self.ends[i]

    def left(self, pos: int, limit: int = 120) -> str:
        s = self.starts[bisect.bisect_right(self.starts, pos) - 1]
        return self.text[max(s, pos - limit) : pos]

    def right(self, pos: int, limit: int = 80) -> str:
        e = self.ends[bisect.bisect_right(self.starts, pos - 1 if pos > 0 else 0) - 1]
        return self.text[pos : min(e, pos + limit)]

    def clause_left(self, pos: int, limit: int = 140) -> str:
        """The clause before ``pos`` (after the last ';', ':', ', while', ', and', ...), at most
        ``limit`` (<= 140) characters."""
        out = self._clauses.get(pos)
        if out is None:
            left = self.left(pos, 140)
            out = left[_clause_cut(left) :]
            self._clauses[pos] = out
        return out[-limit:] if len(out) > limit else out


def _clause_cut(left: str) -> int:
    """End of the last ``_CLAUSE_BREAK_RE`` match in ``left`` (0 if none).

    The matches are each ';' and ':' and each ', while'-like comma; none holds another, so the
    last one ends after the last ';'/':' or at the last such comma after it."""
    cut = max(left.rfind(";"), left.rfind(":")) + 1
    c = left.rfind(",")
    while c >= cut:
        m = _CLAUSE_COMMA_RE.match(left, c)
        if m is not None:
            return m.end()
        c = left.rfind(",", 0, c)
    return cut


def _same_sentence(doc: _Doc, a: int, b: int) -> bool:
    return (
        doc.sentence(a) == doc.sentence(b)
        if a < 0 or b < 0
        else (bisect.bisect_right(doc.starts, a) == bisect.bisect_right(doc.starts, b))
    )


def _tail(rx: re.Pattern[str], s: str, n: int) -> re.Match[str] | None:
    """``rx.search`` over the last ``n`` characters of ``s`` (lookbehinds still see before)."""
    guard = _TAIL_GUARDS.get(id(rx))
    if guard is not None and not _ends_with(s, *guard):
        return None
    return rx.search(s, max(0, len(s) - n))


def _ends_with(s: str, suffixes: tuple[str, ...], width: int) -> bool:
    """Whether ``s`` without trailing whitespace ends with one of ``suffixes`` (lower case),
    in any case. It is a cheap necessary condition for a case-insensitive pattern ending in
    one of them and ``\\s*$``; a non-ASCII character among the last ``width`` lets it pass
    (Unicode case folding could let such a character match a letter of a suffix)."""
    t = s[-width:] if s[-1:] and not s[-1].isspace() else s.rstrip()[-width:]
    return not t.isascii() or t.lower().endswith(suffixes)


def _may_hold(s: str, words: tuple[str, ...]) -> bool:
    """Whether ``s`` holds one of ``words`` (lower case) in any case: a cheap necessary
    condition for a case-insensitive pattern that needs one of them. A non-ASCII ``s`` passes
    (Unicode case folding could let a character of it match a letter of a word)."""
    if not s.isascii():
        return True
    low = s.lower()
    for w in words:  # noqa: SIM110 - a loop: cheaper than any() with a generator here
        if w in low:
            return True
    return False


# patterns that end in a known word (and optional whitespace): _tail tests that first
_TAIL_GUARDS: dict[int, tuple[tuple[str, ...], int]] = {
    id(_BY_END_RE): (("by", "only", "just", "merely", "mere"), 6),
    id(_CHANGE_OF_END_RE): (("of", "by"), 2),
    id(_PAREN_AFTER_COMP_RE): (("(",), 1),
    id(_HYPER_LEFT_RE): (("=",), 1),
    id(_FACTOR_LEFT_RE): (("factor", "factors", "of"), 7),
    id(_FOLD_BAD_LEFT_RE): (("is", "are", "was", "were"), 4),
    id(_USE_END_RE): (
        ("only", "just", "merely", "mere", "recover", "recovers", "recovered", "recovering")
        + ("close", "closes", "closed", "closing", "bridge", "bridges", "bridged", "bridging"),
        10,
    ),
    id(_IN_END_RE): (("in",), 2),
}


# Results of pure functions of a text window for the abstract being read (the same windows
# are looked at several times); find_effects empties them first, so nothing is carried over
# from one abstract to the next.
_QUALIFIER_MEMO: dict[str, tuple[str, int]] = {}
_STRIP_MEMO: dict[str, str] = {}
_MOVEMENT_MEMO: dict[str, tuple[str, int]] = {}
_METRIC_MEMO: dict[str, tuple[str, str, bool | None] | None] = {}


def _clear_memos() -> None:
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


def _qualifier_before(left: str) -> tuple[str, int]:
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
        m = _QUAL_END_LOWER_RE.search(left.lower(), max(0, len(left) - 32))
    else:
        m = _QUAL_END_RE.search(left, max(0, len(left) - 32))
    if not m:
        return "", 0
    for label in ("up_to", "at_least", "at_most", "approx", "average"):
        if m.group(label):
            return label, len(left) - m.start()
    return "", 0


def _strip_left(left: str) -> str:
    """``left`` without the qualifier, article, sign or paren right before the number."""
    hit = _STRIP_MEMO.get(left)
    if hit is None:
        hit = _STRIP_MEMO[left] = _read_strip_left(left)
    return hit


def _read_strip_left(left: str) -> str:
    _, n = _qualifier_before(left)
    if n:
        left = left[: len(left) - n]
    left = _drop_article_end(left)
    _, n = _qualifier_before(left)
    if n:
        left = left[: len(left) - n]
    return left.rstrip()


def _drop_article_end(left: str) -> str:
    """``_ARTICLE_END_RE.sub("", left)``. A match is "a", "an", "the", "(" or "+" followed by
    nothing but whitespace, so it starts at most 3 characters before the trailing whitespace."""
    m = _ARTICLE_END_RE.search(left, max(0, len(left.rstrip()) - 3))
    return left if m is None else left[: m.start()] + left[m.end() :]


def _is_year(q: Quantity) -> bool:
    return q.family == BARE and q.integer and 1900 <= q.value <= 2100 and not q.sign


# ------------------------------------------------------------------------------------ grammar


def _composites(doc: _Doc, qs: list[Quantity], used: set[int]) -> list[Effect]:
    text = doc.text
    out: list[Effect] = []
    n = len(qs)
    # ranges / from-to pairs read by the number regex
    for i, q in enumerate(qs):
        if q.kind not in ("range", "pm"):
            continue
        left = doc.left(q.start, 60)
        gain_range = q.kind == "range" and bool(_tail(_GAIN_FROM_END_RE, left, 60))
        if q.kind == "range" and q.sep == "to" and not gain_range and _tail(_FROM_END_RE, left, 40):
            if _RANGE_FROM_RE.search(left) or _is_year_pair(q) or q.family == RATIO:
                used.add(i)
                continue
            if q.family == BARE and not _score_context(doc, q.start):
                used.add(i)
                continue
            used.add(i)
            from_m = _tail(_FROM_END_RE, left, 40)
            start = q.start - (len(left) - from_m.start())
            base = _signed(q.value, q.sign)
            treat = _signed(q.value2, q.sign2)
            out.append(
                Effect(
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
            )
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
        if not _same_sentence(doc, a.start, b.start):
            continue
        between = text[a.end : b.start]
        if not _compatible(a, b):
            continue
        if _ARROW_RE.match(between) or _VS_RE.match(between):
            if _is_year(a) or _is_year(b):
                continue
            used.update((i, i + 1))
            base, treat = (a, b) if _ARROW_RE.match(between) else (b, a)
            out.append(_pair(a.start, b.end, base, treat, a, b))
    # a level contrasted with a lower one elsewhere: "92.0% on A but only 71.5% on B"
    for i in range(n - 1):
        a, b = qs[i], qs[i + 1]
        if i in used or i + 1 in used or a.kind != "num" or b.kind != "num":
            continue
        if a.sign or b.sign or not _compatible(a, b) or b.start - a.end > 70:
            continue
        if not _ends_with(text[a.end : b.start], ("only", "just", "merely"), 6):
            continue
        if not _BUT_ONLY_BETWEEN_RE.fullmatch(text, a.end, b.start):
            continue
        if _is_year(a) or _is_year(b) or _OF_REFERENCE_RE.match(doc.right(a.end, 80)):
            continue  # "8% of the data on A but only 2% on B": shares, not levels
        if _single(doc, a) is not None:
            continue
        used.update((i, i + 1))
        out.append(_pair(a.start, b.end, a, b, a, b))
        out[-1].extra["contrast"] = True
    # a level with its change in parentheses: "81.8% (+5.9%)", "78.78\% (+2.53\% based on ...)"
    for i in range(n - 1):
        a, b = qs[i], qs[i + 1]
        if i in used or i + 1 in used or a.kind != "num" or b.kind != "num" or not b.sign:
            continue
        if a.sign or a.family == RATIO or b.family == RATIO or _is_year(a):
            continue
        between = text[a.end : b.start]
        if not _PAREN_BETWEEN_RE.match(between) or not _same_sentence(doc, a.start, b.start):
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
        if "(" not in before or not _FROM_PAREN_RE.search(before):
            continue
        a = qs[i - 1]
        if (i - 1) in used or a.kind != "num" or not _compatible(a, b):
            continue
        if b.start - a.end > 80 or not _same_sentence(doc, a.start, b.start):
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
        if not _ends_with(left, ("to",), 2) or not _RISES_TO_RE.search(left):
            continue
        a = qs[i - 1]
        if (i - 1) in used or a.kind != "num" or a.sign or not _compatible(a, b):
            continue
        if b.start - a.end > 110 or not _same_sentence(doc, a.start, b.start):
            continue
        if _is_year(a) or _is_year(b) or _single(doc, a) is not None:
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
        thans = list(_THAN_RE.finditer(between)) if _may_hold(between, ("than",)) else []
        than = thans[-1] if thans else None
        if than is not None and _QUAL_ONLY_RE.match(between[than.end() :]):
            than = None  # "... and more than a 30.0% increase": a qualifier, not a comparison
        if than is None and len(between) <= 80 and _LEVEL_LEFT_RE.search(doc.left(a.start, 60)):
            than = _COMPARED_END_RE.search(between)  # "achieves 2.1 FID ..., compared to 2.9"
        if len(between) > 170 or than is None:
            continue
        if _tail(_BY_END_RE, between, 16):
            continue  # "32.1 BLEU, better than the best baseline by 1.4": b is the difference
        if _COMPARATIVE_START_RE.match(between) or not _same_sentence(doc, a.start, b.start):
            continue
        if _single(doc, a) is not None:
            continue
        end = b.end + 1 if text[b.end : b.end + 1] == ")" else b.end
        used.update((i, i + 1))
        out.append(_pair(a.start, end, b, a, a, b))
    return out


def _signed(v: float | None, sign: str) -> float:
    v = 0.0 if v is None else v
    return -v if sign == "-" else v


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
    bv, tv = _signed(base.value, base.sign), _signed(treat.value, treat.sign)
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


def _score_context(doc: _Doc, pos: int) -> bool:
    """A bare before/after pair needs a change verb or a metric in its clause."""
    left = doc.clause_left(pos, 100)
    return bool(_CHANGE_VERB_RE.search(left) or find_metrics(left))


def _bare_hopeless(text: str, q: Quantity) -> bool:
    """Cheap test: a bare number without sign, cue word or parenthesis nearby (most years,
    counts and sizes) cannot be a comparison, so the full rules need not run."""
    if q.sign or q.family != BARE:
        return False
    if _is_year(q):
        return True
    lt = text[max(0, q.start - 14) : q.start].lower()
    if "by" in lt or "of" in lt or "factor" in lt or "(" in lt or "from" in lt:
        return False
    rt = text[q.end : q.end + 30]
    if rt[:1] == ")":
        return False
    tok = _TOKEN_RE.search(rt)
    if tok is None:
        return True
    w = tok.group(0).lower()
    return not (w in _BARE_RIGHT_WORDS or w in _FILLER_WORDS)


def _single(doc: _Doc, q: Quantity) -> Effect | None:
    """A lone number that is a comparison by its unit and neighbourhood, else None."""
    text = doc.text
    if _bare_hopeless(text, q):
        return None
    left = doc.left(q.start, 120)
    right = doc.right(q.end, 80)
    qual, nq = _qualifier_before(left)
    core = _strip_left(left)
    # the text before the qualifier: "marginally higher (<4%)" -> "marginally higher ("
    left_noq = left[: len(left) - nq] if nq else left
    paren_comp = bool(_tail(_PAREN_AFTER_COMP_RE, left_noq, 28))
    if right.startswith(")") and left.count("(") <= left.count(")"):
        return None  # an enumeration "1) Better uniformity"
    fam = q.family
    if _tail(_HYPER_LEFT_RE, left, 6) or _is_year(q):
        return None
    # the clause is a suffix of left, so only look at it when left's end has the words
    near = left[-80:]
    if "detect" in near or "power" in near:
        clause = doc.clause_left(q.start, 80)
        if ("detect" in clause or "power" in clause) and _HYPOTHETICAL_RE.search(clause):
            return None
    if fam == BARE and _tail(_FACTOR_LEFT_RE, core, 14):
        return _single_effect(q, RATIO, "factor")
    if fam == RATIO:
        return _single_effect(q) if _ratio_ok(q, left, core, right, qual) else None
    if fam == FRACTION:
        if q.word and q.word.startswith("halv"):
            return _single_effect(q) if q.word in ("halves", "halved") else None
        if _tail(_ORDINAL_LEFT_RE, core, 14) or _NOT_FRACTION_RIGHT_RE.match(right):
            return None
        reference = bool(_FRACTION_RIGHT_RE.match(right) or _OF_REFERENCE_RE.match(right))
        reduced_by = bool(_tail(_BY_END_RE, core, 16)) or bool(
            _tail(_IN_END_RE, core, 4) and _DOWN_VERB_RE.search(doc.clause_left(q.start, 80))
        )
        if reference and (
            qual
            or q.kind == "frac"
            or _is_reference(core, right, qual)
            or _THE_RESOURCE_RE.match(right)
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
    if q.sign == "-" and (left.rstrip().endswith("(") or _tail(_BY_END_RE, core, 16)):
        return _single_effect(q)
    if fam == PERCENT:
        if _is_reference(core, right, qual, left_noq.rstrip().endswith("(")):
            return _single_effect(q, kind="reference")
        if (
            _tail(_BY_END_RE, core, 16)
            or _tail(_CHANGE_OF_END_RE, core, 80)
            or _tail(_VERB_END_RE, core, 22)
            or paren_comp
            or _RIGHT_CUE_RE.match(right)
        ):
            return _single_effect(q)
        return None
    # score / bare numbers: differences in score units
    if fam == BARE and q.integer and q.value >= 1000:
        return None
    by = _tail(_BY_END_RE, core, 16) and (
        _CHANGE_VERB_RE.search(doc.clause_left(q.start, 120))
        or _THAN_RE.search(doc.clause_left(q.start, 80))  # "better than X by 1.4 BLEU"
    )
    change_of = _tail(_CHANGE_OF_END_RE, core, 80)
    if (by or change_of) and (fam == SCORE or _BARE_BY_RIGHT_RE.match(right)):
        return _single_effect(q)
    if _RIGHT_CUE_BARE_RE.match(right) or paren_comp:
        return _single_effect(q)
    if fam == SCORE and _RIGHT_CUE_RE.match(right):  # "5.1 points above", "2 BLEU more"
        return _single_effect(q)
    return None


def _single_effect(
    q: Quantity, family: str | None = None, word: str | None = None, kind: str = "single"
) -> Effect:
    """The effect of a lone number (built once _single has decided to keep it)."""
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
    ref = _OF_REFERENCE_RE.match(right)
    if not ref:
        return False
    if (
        _tail(_BY_END_RE, core, 16)
        or _tail(_CHANGE_OF_END_RE, core, 80)
        or _tail(_VERB_END_RE, core, 22)
    ):
        return False
    if qual or paren or _STRONG_REF_RE.search(ref.group(0)):
        return True
    return bool(_tail(_USE_END_RE, core, 34))


def _ratio_ok(q: Quantity, left: str, core: str, right: str, qual: str) -> bool:
    if re.match(r"^\s?\d", right):
        return False  # 3 x 3, 32×32: a shape
    if q.kind == "word":
        w = q.word
        if w in ("twice", "thrice"):
            return bool(_TWICE_RIGHT_RE.match(right) or qual or _tail(_BY_END_RE, core, 16))
        if w.startswith(("doubl", "tripl", "quadrupl")):
            # "doubles/doubled the throughput" reports a result; "we double the context",
            # "double descent" and "doubling the batch size" describe a setting
            return w.endswith(("es", "ed")) and not _DOUBLE_BAD_RIGHT_RE.match(right)
        if w == "fold":
            return not (_FOLD_BAD_RIGHT_RE.match(right) or _tail(_FOLD_BAD_LEFT_RE, core, 10))
        if w == "times":
            return bool(_TIMES_RIGHT_RE.match(right) or _tail(_TIMES_LEFT_RE, core, 40))
        return True  # order(s) of magnitude
    if _HARDWARE_RIGHT_RE.match(right) or _FOLD_BAD_RIGHT_RE.match(right):
        return False
    if q.glued:
        return True
    # spaced "N times": a count unless a comparison word is near ("repeated 5 times")
    if _FOLD_BAD_RIGHT_RE.match(right):
        return False
    return bool(_TIMES_RIGHT_RE.match(right) or _tail(_TIMES_LEFT_RE, core, 40) or qual)


def _list_continuation(doc: _Doc, prev: Effect, q: Quantity) -> bool:
    if prev.kind not in ("single", "reference", "paren", "pair"):
        return False
    fam_ok = prev.family == q.family or {prev.family, q.family} <= {SCORE, BARE}
    if not fam_ok or q.sign == "-" or not _same_sentence(doc, prev.end, q.start):
        return False
    between = doc.text[prev.end : q.start]
    if not _LIST_BETWEEN_RE.match(between):
        return False
    if prev.kind == "reference" and not _OF_REFERENCE_RE.match(doc.right(q.end, 80)):
        return False
    return not (q.family == BARE and _is_year(q))


# ------------------------------------------------------------------------------------ fields


def _metric(doc: _Doc, e: Effect) -> tuple[str, str, bool | None] | None:
    text = doc.text
    if e.score_unit:
        found = first_metric(e.score_unit)
        if found:
            return found
    # inside the span (pairs: "27.49% vs. 25% baseline accuracy" has it right after)
    right = doc.right(e.end, 60)
    if "(" in right:
        right = _PARENS_RE.sub(" ", right)
    stop = _METRIC_RIGHT_STOP_RE.search(right)
    if stop:
        right = right[: stop.start()]
    right = right[:45]
    found = _last_metric(right)
    if found and not (found[0] in ("score", "") and e.family in (RATIO, FRACTION)):
        return found
    inner = text[e.start : e.end]
    if e.kind in ("pair", "paren"):
        found = first_metric(_PARENS_RE.sub(" ", inner) if "(" in inner else inner)
        if found:
            return found
    left = _object_window(doc, e)
    found = _last_metric(left)
    if found:
        return found
    if e.kind in ("paren", "pair", "single") and e.family in (PERCENT, SCORE, BARE):
        s, _ = doc.sentence(e.start)
        found = _last_metric(text[max(s, e.start - 200) : e.start])
        if found and found[1] == PERF:
            return found
    return None


def _object_window(doc: _Doc, e: Effect) -> str:
    """Left context that can name what the number measures: after the last comma, the previous
    number and the last change word of the clause ("reduce <visual similarity> by 34.57%")."""
    left = doc.clause_left(e.start, 140)
    cut = max(left.rfind(","), 0)
    d = _UPTO_LAST_DIGIT_RE.match(left)
    if d:
        cut = max(cut, d.end())
    _, end = _last_movement(left)
    if end > cut and _ends_with(left[cut:end], ("up", "down"), 4):
        particle = _PARTICLE_END_RE.search(left, cut, end)
        if particle:
            return left[max(cut, particle.start()) :]
    if end > cut:
        before = left[cut:end]
        verb = _PASSIVE_RE.search(before) if _ends_with(before, _PASSIVE_ENDS, 6) else None
        # passive voice ("the number of parameters can be reduced by 67%"): the subject
        if verb:
            return before[: verb.start()]
        after = left[end:]
        if _NO_OBJECT_RE.fullmatch(_strip_left(after)):
            # intransitive ("throughput improves by up to 6x"): the subject
            return _TRAILING_WORD_RE.sub("", before)
        return after
    return left[cut:]


def _movement(doc: _Doc, e: Effect) -> str:
    """'up', 'down' or '' for the quantity the number describes."""
    hit = e.extra.get("movement")
    if hit is None:
        hit = e.extra["movement"] = _find_movement(doc, e)
    return hit


def _find_movement(doc: _Doc, e: Effect) -> str:
    w = e.word or ""
    if w.startswith(("doubl", "tripl", "quadrupl")):
        return "up"
    if w.startswith("halv"):
        return "down"
    right = doc.right(e.q_end, 40)
    stop = _PUNCT_RE.search(right)
    if stop:
        right = right[: stop.start()]
    skipped = 0  # metric words between the number and a change noun ("5% WER reduction")
    for tok in _TOKEN_RE.finditer(right):
        word = tok.group(0).lower()
        mv = movement_of(word) or ("down" if word in ("loss", "losses") else "")
        if mv and skipped and not _CHANGE_NOUN_RE.fullmatch(word):
            break
        if mv:
            if word in ("more", "less", "fewer") and _THAN_NEXT_RE.match(right, tok.end()):
                break
            return mv
        if word not in _FILLER_WORDS:
            if skipped >= 2 or word in _FUNCTION_WORDS:
                break
            skipped += 1
    left = doc.clause_left(e.start, 140)
    if "than" in left:
        left = _QUAL_THAN_RE.sub(" ", left)
    mv, _ = _last_movement(left)
    if not mv and e.inherited_from is not None and e.inherited_from is not e:
        return _movement(doc, e.inherited_from)
    prev = e.extra.get("prev")
    if not mv and prev is not None and _ELLIPSIS_RE.fullmatch(doc.text, prev.end, e.start):
        return _movement(doc, prev)  # "reduced by 50%, and latency by 30%"
    return mv


def _good_bad_word(doc: _Doc, e: Effect) -> str:
    return good_or_bad(doc.clause_left(e.start, 100) + " " + doc.right(e.end, 30))


def _qualify(doc: _Doc, e: Effect) -> None:
    text = doc.text
    left = doc.left(e.start, 120)
    if e.kind in ("range", "pm"):
        e.qualifier = "range"
    else:
        qual, _ = _qualifier_before(left)
        if e.kind == "pair" and text[e.start : e.start + 4].lower() == "from":
            qual, _ = _qualifier_before(left)
        if not qual and _average_near(doc, e, left):
            qual = "average"
        if not qual and e.word == "order of magnitude":
            qual = "approx"
        if not qual and e.inherited_from is not None and e.inherited_from.qualifier != "range":
            qual = e.inherited_from.qualifier
        e.qualifier = qual


def _average_near(doc: _Doc, e: Effect, left: str) -> bool:
    """An average stated before the number ("an average gain of") or after it ("on average");
    each pattern is tried only if the words it needs are there."""
    if (_ends_with(left, ("of", "by"), 2) or _may_hold(left, ("average",))) and _tail(
        _AVERAGE_LEFT_RE, left, 70
    ):
        return True
    right = doc.right(e.q_end, 50)
    return _may_hold(right, ("average", "mean")) and bool(_AVERAGE_RIGHT_RE.match(right))


def _fill(doc: _Doc, e: Effect, prev_by_family: dict[str, Effect]) -> None:
    found = _metric(doc, e)
    if found is None and e.family == RATIO:
        prev = prev_by_family.get(RATIO)
        if (
            prev is not None
            and _same_sentence(doc, prev.start, e.start)
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
        e.aspect = EFF if e.family in (RATIO, FRACTION) else PERF
    # a resource multiplier that a gain is worth ("performance similar to 8x the data")
    if e.family == RATIO and e.aspect == EFF and e.lib is True:
        core = _strip_left(doc.left(e.start, 120))
        if _EQUIV_RE.search(core) and _movement(doc, e) != "down":
            e.equiv = True
            e.metric = f"{e.metric}-equivalent gain"
            e.lib = False


def _rows_of(doc: _Doc, e: Effect) -> list[dict[str, Any]]:
    """The table rows of one effect (two for a range)."""
    text = doc.text
    unit = {PERCENT: "percent", RATIO: "ratio", FRACTION: "fraction"}.get(e.family, "points")
    movement = _movement(doc, e)
    values: list[tuple[float, str]] = []
    if e.kind in ("range", "pm"):
        lo = _signed(e.value, e.sign)
        hi = _signed(e.value2, e.sign2)
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
        values = [(_signed(e.value, e.sign), e.qualifier)]
    elif e.family == RATIO or e.kind == "reference":
        values = [(e.value, e.qualifier)]
    elif e.family == FRACTION:
        v = e.value
        if (e.word or "").startswith("halv") or movement == "down":
            v = -v
        values = [(v, e.qualifier)]
    else:
        v = _signed(e.value, e.sign)
        if not e.sign and movement == "down":
            v = -v
        elif not e.sign and movement == "up" and e.lib is True and _improvement_of(doc, e):
            v = -v  # "an 8% improvement in WER": the error went down
        values = [(v, e.qualifier)]
    # scale
    scale = _scale(doc, e, unit)
    rows = []
    for delta, qual in values:
        direction, lib = _direction(doc, e, delta, movement)
        rows.append(
            {
                "span": text[e.start : e.end],
                "start": e.start,
                "end": e.end,
                "aspect": e.aspect,
                "metric": e.metric,
                "benchmark": e.benchmark,
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


def _improvement_of(doc: _Doc, e: Effect) -> bool:
    """The number is an improvement (not an increase) of its metric: "a 5% WER improvement",
    "improves the error rate by 5%"; on a lower-is-better metric that is a decrease."""
    right = doc.right(e.q_end, 40)
    m = _IMPROVEMENT_RIGHT_RE.match(right)
    if m is not None:
        return True
    mv, end = _last_movement(doc.clause_left(e.start, 100))
    if not mv or end < 0:
        return False
    left = doc.clause_left(e.start, 100)
    return bool(_IMPROVEMENT_WORD_RE.search(left[max(0, end - 14) : end + 1]))


def _scale(doc: _Doc, e: Effect, unit: str) -> str:
    if unit in ("ratio", "fraction") or e.kind == "reference" or e.extra.get("reference"):
        return "relative"
    if unit == "points" or e.kind == "pair":
        return "absolute"
    if e.pp:
        return "absolute"
    near_right = doc.right(e.q_end, 30)
    near_left = doc.clause_left(e.start, 100)
    near = near_right[:20] + " " + near_left  # only to test for the words cheaply
    if _may_hold(near, ("absolute", "percentage")) and (
        _ABSOLUTE_RE.search(near_right[:20]) or _ABSOLUTE_RE.search(near_left)
    ):
        return "absolute"
    if _may_hold(near, ("relative",)) and (
        _RELATIVE_RE.search(near_right[:20]) or _RELATIVE_RE.search(near_left[-40:])
    ):
        return "relative"
    if e.aspect == EFF or e.metric in _UNBOUNDED_METRICS:
        return "relative"  # a % change of a quantity that is not itself a percentage
    return "ambiguous"


def _direction(doc: _Doc, e: Effect, delta: float, movement: str) -> tuple[str, bool | None]:
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
    if e.extra.get("contrast") and lib is not True:
        return ("worse" if delta < 0 else "better"), lib  # "70% on A but only 35% on B"
    if lib is None:
        gb = _good_bad_word(doc, e)
        if _ADVERSE_RE.search(doc.clause_left(e.start, 100)):
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
    if e.family == RATIO and lib and _FASTER_RIGHT_RE.match(doc.right(e.q_end, 20)):
        better = True  # "1.4x faster training time": the time went down
    if e.kind in ("single", "range") and _others_subject(doc, e):
        better = not better
    # "with only a slight decrease of 0.22 in FID": a quality cost, framed as such
    if e.aspect == PERF and e.kind == "single" and move == "down":
        before = _strip_left(doc.left(e.start, 80))
        conc = _CONCESSIVE_RE.search(before) if "with" in before else None
        if conc and _MINIMIZER_RE.search(before[conc.start() :]):
            better = False
    return ("better" if better else "worse"), lib


def _others_subject(doc: _Doc, e: Effect) -> bool:
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
    for m in _OTHERS_RE.finditer(left):
        last = m
    if last is None:
        return False
    after = left[last.end() :]
    if _FIRST_PERSON_RE.search(after) or _RESPECTIVELY_RE.search(after):
        return False
    if last.group("rel"):
        # "..., Depth Anything, which requires ...": a named method without numbers
        lead = left[: last.start()]
        lead = lead[lead.rfind(",") + 1 :]
        return bool(_NAMED_RE.search(lead[1:])) and not any(ch.isdigit() for ch in lead)
    return bool(_BASELINE_WORD_RE.search(after[:60]))


# ------------------------------------------------------------------------------------ benchmarks


def _benchmarks(doc: _Doc, effects: list[Effect], registry: Any) -> None:
    if registry is None or not effects:
        return
    text = doc.text
    spans = sorted({doc.sentence(e.start) for e in effects})
    mentions = _mentions(text, registry, spans)
    if not mentions:
        return
    by_sentence: dict[tuple[int, int], list[Effect]] = {}
    for e in effects:
        by_sentence.setdefault(doc.sentence(e.start), []).append(e)
    for (s, t), group in by_sentence.items():
        inside = [m for m in mentions if s <= m[1] < t]
        if not inside:
            continue
        sent = text[s:t]
        if _RESPECTIVELY_RE.search(sent):
            names = []
            for name, ms, _me in inside:
                if ms < group[-1].end and name not in names:
                    names.append(name)
            if len(names) == len(group) >= 2:
                for e, name in zip(group, names, strict=True):
                    e.benchmark = name
                continue
        floor = s
        prev: Effect | None = None
        for e in group:
            e.benchmark = _nearest_benchmark(text, e, inside, t, floor)
            # "by 60x on X with a 0.4% loss in accuracy": the conceded cost shares X
            if (
                not e.benchmark
                and prev is not None
                and prev.benchmark
                and (
                    _WITH_COST_BETWEEN_RE.fullmatch(text, prev.end, e.start)
                    # "5% higher mAP on COCO than A, 3.7% higher mAP than B": one list
                    or (
                        e.metric
                        and e.metric == prev.metric
                        and e.start - prev.end <= 70
                        and _LIST_ITEM_GAP_RE.fullmatch(text, prev.end, e.start)
                    )
                )
            ):
                e.benchmark = prev.benchmark
            floor = max(floor, e.end)
            prev = e


def _mentions(text: str, registry: Any, spans: list[tuple[int, int]]):
    """Benchmark names in the given sentences: ``(canonical, start, end)`` in text order.

    Candidates start at a name-like token (a capital letter or a digit first: "GSM8K",
    "MT-Bench", "CIFAR-10") and extend over up to two more tokens ("College Math", "ARC
    Challenge"); they are resolved with ``registry.canonical`` and the longest known run wins.
    Entries marked ``case_sensitive`` in the registry must be written as one of their names.
    """
    out: list[tuple[str, int, int]] = []
    heads = _registry_heads(registry)
    # no registry name starts with a number: skip numbers without looking them up
    skip_numbers = heads is not None and not _NUMERIC_HEADS.get(id(registry), True)
    for s, t in spans:
        last_end = s
        for m in _BENCH_START_RE.finditer(text, s, t):
            if m.start() < last_end:
                continue
            first = m.group(0)
            if first in _COMMON_CAPS or (skip_numbers and first[0] in "0123456789"):
                continue
            if heads is not None and _first_run(first) not in heads:
                continue
            ends = [m.end()]
            for _ in range(2):
                nxt = _BENCH_NEXT_RE.match(text, ends[-1], t)
                if nxt is None:
                    break
                ends.append(nxt.end())
            for end in reversed(ends):
                canon = _canonical(registry, text[m.start() : end])
                if canon:
                    out.append((canon, m.start(), end))
                    last_end = end
                    break
    return out


def _first_run(name: str) -> str:
    if name.isalpha():  # all letters: one run (the common case, without the regex)
        return name.casefold()
    m = _RUN_RE.search(name)
    return m.group(0).casefold() if m else ""


def _registry_heads(registry: Any) -> frozenset[str] | None:
    """First letter-or-digit run of every registry name and alias ("mt" for MT-Bench), so
    that only tokens that can start a benchmark name are looked up; None if unknown."""
    key = id(registry)
    if key in _HEADS_CACHE:
        return _HEADS_CACHE[key]
    heads: frozenset[str] | None = None
    names = getattr(registry, "names", None)
    getter = getattr(registry, "get", None)
    if names is not None and getter is not None:
        try:
            found = set()
            for name in names:
                entry = getter(name)
                for alias in [name, *(entry.get("aliases") or [])]:
                    found.add(_first_run(str(alias)))
            heads = frozenset(found)
        except (KeyError, TypeError, AttributeError):
            heads = None
    _HEADS_CACHE[key] = heads
    _NUMERIC_HEADS[key] = heads is None or any(h.isdecimal() for h in heads)
    return heads


def _canonical(registry: Any, name: str) -> str | None:
    cache = _CANON_CACHE.setdefault(id(registry), {})
    if name in cache:
        return cache[name]
    canon = registry.canonical(name)
    if canon is not None:
        entry = registry.get(canon) if hasattr(registry, "get") else {}
        if isinstance(entry, dict) and entry.get("case_sensitive"):
            written = [canon, *entry.get("aliases", [])]
            if name not in written and name.replace(" ", "-") not in written:
                canon = None
    if len(cache) > 50_000:
        cache.clear()
    cache[name] = canon
    return canon


def _left_benchmark_ok(text: str, m: tuple[str, int, int], pos: int, floor: int) -> bool:
    """A benchmark named before a comparison governs it: "On X, ... improves by 7%",
    "we improve X results from ...", or "on X our method gains 2%" (no clause between)."""
    between = text[m[2] : pos]
    if ", " not in between and not re.search(r"\band\b", between):
        return True
    if _LEFT_BENCH_AFTER_RE.match(text, m[2]):
        return True
    lead = text[floor : m[1]]
    cut = max(lead.rfind(","), lead.rfind(";"))
    lead = lead[cut + 1 :] if cut != -1 else lead
    return bool(_LEFT_BENCH_LEAD_RE.match(lead))


def _nearest_benchmark(text: str, e: Effect, inside: list, sent_end: int, floor: int) -> str:
    # inside the span ("84.86% on CIFAR-10 (+4.44%)")
    within = [m for m in inside if e.start <= m[1] and m[2] <= e.end]
    if within:
        return within[0][0]
    # right before the number ("StrategyQA 58.9 rightarrow 61.7")
    for name, _ms, me in inside:
        if me <= e.start and re.fullmatch(r"\s*(?:\(\s*)?", text[me : e.start]):
            return name
    # to the right, in the same clause ("3.0% on GSM8K", "0.22 in FID on ImageNet")
    right = text[e.end : sent_end]
    stop = _RIGHT_STOP_RE.search(right)
    limit = e.end + (stop.start() if stop else len(right))
    after = [m for m in inside if e.end <= m[1] < limit]
    if after:
        first = after[0]
        between = text[e.end : first[1]]
        if len(between) <= 80:
            second = after[1] if len(after) > 1 else None
            if second and re.fullmatch(r"\s+and\s+", text[first[2] : second[1]]):
                return f"{first[0]} and {second[0]}"
            return first[0]
    # to the left, in the sentence, after the previous comparison
    before = [
        m
        for m in inside
        if floor <= m[1] and m[2] <= e.start and _left_benchmark_ok(text, m, e.start, floor)
    ]
    if before:
        return before[-1][0]
    return ""


# ------------------------------------------------------------------------------------ public


def find_effects(text: str, registry: Any = None) -> list[dict[str, Any]]:
    """Comparisons of ``text`` as dicts of the effect fields (without ids and hedges).

    Rows are in text order; a range gives two rows with the same span.
    """
    if not text:
        return []
    return effects_of_quantities(text, find_quantities(text), registry)


def effects_of_quantities(
    text: str, qs: list[Quantity], registry: Any = None
) -> list[dict[str, Any]]:
    """:func:`find_effects` of ``text`` given ``qs = find_quantities(text)``.

    For callers that read the numbers of many abstracts first (a tighter loop)."""
    if not text or not qs:
        return []
    _clear_memos()
    if "http" in text or "www." in text:
        urls = _url_spans(text)
        qs = [q for q in qs if not any(a <= q.start < b for a, b in urls)]
        if not qs:
            return []
    for q in qs:
        if not _bare_hopeless(text, q):
            break
    else:
        return []  # only years, counts and sizes
    doc = _Doc(text, qs)
    used: set[int] = set()
    effects = _composites(doc, qs, used)
    # ranges without sign need a cue like any percentage
    kept: list[Effect] = []
    for e in effects:
        if e.extra.get("needs_cue"):
            q = qs[e.extra["qi"]]
            probe = Quantity(q.start, q.end, q.value, q.family, kind="num", pp=q.pp)
            single = _single(doc, probe)
            if single is None:
                prev = kept[-1] if kept else None
                # "23-72% of the gap on A and 7-38% on B": a list of ranges
                if not (
                    prev is not None
                    and prev.kind == "range"
                    and prev.family == e.family
                    and _same_sentence(doc, prev.end, e.start)
                    and _RANGE_LIST_RE.match(text, prev.end, e.start)
                ):
                    continue
                e.extra["reference"] = prev.extra.get("reference", False)
                kept.append(e)
                continue
            if single.kind == "reference":
                e.extra["reference"] = True
            if single.family == RATIO:  # "by a factor of 2-3"
                e.family = RATIO
        kept.append(e)
    effects = kept
    # single numbers, in order, with list continuation
    taken = sorted(effects, key=lambda x: x.start)
    singles: list[Effect] = []
    for i, q in enumerate(qs):
        if i in used:
            continue
        if _covered(taken, q.start):
            continue
        eff = _single(doc, q)
        if eff is None:
            prev = _previous_effect(taken + singles, q.start)
            if prev is not None and _list_continuation(doc, prev, q):
                eff = Effect(
                    q.start,
                    q.end,
                    q.family,
                    q.value,
                    q.sign,
                    kind=prev.kind if prev.kind in ("single", "reference") else "single",
                    pp=q.pp,
                    score_unit=q.score_unit,
                    q_start=q.start,
                    q_end=q.end,
                    inherited_from=prev,
                )
                if eff.family == BARE and eff.kind == "single" and prev.family != BARE:
                    eff.family = prev.family if prev.family in (SCORE, PERCENT) else BARE
        if eff is not None:
            singles.append(eff)
    effects = sorted(effects + singles, key=lambda x: (x.start, x.end))
    effects = _backward_lists(doc, qs, used, effects)
    # respectively: levels listed before a list of changes are their treatments
    _respectively_levels(doc, effects, qs, used)
    for e in effects:
        _qualify(doc, e)
    # spans start at the qualifier
    for e in effects:
        if e.kind in ("single", "reference") and e.inherited_from is None:
            left = doc.left(e.start, 40)
            _, n = _qualifier_before(left)
            if n:
                e.start -= n
                while e.start < len(text) and text[e.start].isspace():
                    e.start += 1
                if e.start > 0 and text[e.start - 1] in "{\\$":  # "{approx}", "\approx"
                    e.start -= 1
    for a, b in zip(effects, effects[1:], strict=False):
        if _same_sentence(doc, a.start, b.start):
            b.extra["prev"] = a
    prev_by_family: dict[str, Effect] = {}
    later = []
    for e in effects:
        if e.inherited_from is not None and e.inherited_from.start > e.start:
            later.append(e)  # listed before its source ("1.8% and 2.4% gains")
            continue
        _fill(doc, e, prev_by_family)
        prev_by_family[e.family] = e
    for e in later:
        _fill(doc, e, {})
    _benchmarks(doc, effects, registry)
    rows: list[dict[str, Any]] = []
    for e in effects:
        if not e.metric and e.benchmark and e.aspect == PERF:
            e.metric = f"{e.benchmark} score"
            if e.lib is None:
                e.lib = False
        rows.extend(_rows_of(doc, e))
    return rows


def _url_spans(text: str) -> list[tuple[int, int]]:
    """``[m.span() for m in _URL_RE.finditer(text)]``, with the regex run only on candidates.

    A URL match never holds whitespace and runs to the end of its run of non-space characters
    (every alternative ends in a greedy ``\\S+`` or ``\\S*``), so there is at most one per run,
    found by ``_URL_RE.search`` over that run. Only runs with a "/" (``https?://``,
    ``x.com/``) or a "www." can hold one.
    """
    cands: list[int] = []
    i = text.find("/")
    while i != -1:
        cands.append(i)
        i = text.find("/", i + 1)
    i = text.find(".", 3)
    while i != -1:
        if text[i - 3 : i].lower() == "www":
            cands.append(i)
        i = text.find(".", i + 1)
    if not cands:
        return []
    cands.sort()
    spans: list[tuple[int, int]] = []
    run_end = -1
    for p in cands:
        if p < run_end:
            continue  # in the run already searched
        run_start = p
        while run_start > 0 and not text[run_start - 1].isspace():
            run_start -= 1
        run_end = _NON_SPACE_RE.match(text, p).end()
        m = _URL_RE.search(text, run_start, run_end)
        if m is not None:
            spans.append(m.span())
    return spans


def _covered(effects: list[Effect], pos: int) -> bool:
    """Whether ``pos`` lies inside the span of one of ``effects``."""
    for e in effects:  # noqa: SIM110 - a loop: cheaper than any() with a generator here
        if e.start <= pos < e.end:
            return True
    return False


def _backward_lists(
    doc: _Doc, qs: list[Quantity], used: set[int], effects: list[Effect]
) -> list[Effect]:
    """A number listed right before a comparison of the same unit shares its cue:
    "1.8% and 2.4% absolute gains", "3x and 5x speedups"."""
    added: list[Effect] = []
    starts = [e.start for e in effects]
    for i in range(len(qs) - 1, -1, -1):
        q = qs[i]
        if i in used or q.kind != "num" or q.sign == "-" or _is_year(q):
            continue
        if any(e.start <= q.start < e.end for e in effects + added):
            continue
        k = bisect.bisect_left(starts, q.end)
        nxt = [e for e in effects + added if e.start >= q.end]
        if not nxt:
            continue
        p = min(nxt, key=lambda e: e.start)
        del k
        if p.kind not in ("single",) or p.family != q.family or p.inherited_from is not None:
            continue
        if not _BACK_LIST_RE.fullmatch(doc.text, q.end, p.start):
            continue
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
                inherited_from=p,
            )
        )
    return sorted(effects + added, key=lambda x: (x.start, x.end)) if added else effects


def _previous_effect(effects: list[Effect], pos: int) -> Effect | None:
    best = None
    for e in effects:
        if e.end <= pos and (best is None or e.end > best.end):
            best = e
    return best


def _respectively_levels(doc: _Doc, effects: list[Effect], qs: list[Quantity], used: set[int]):
    if "respectively" not in doc.text:
        return
    by_sentence: dict[tuple[int, int], list[Effect]] = {}
    for e in effects:
        by_sentence.setdefault(doc.sentence(e.start), []).append(e)
    for (s, t), group in by_sentence.items():
        if not _RESPECTIVELY_RE.search(doc.text, s, t):
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
