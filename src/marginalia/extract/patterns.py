"""Compiled patterns and word sets of the comparison grammar (:mod:`marginalia.extract.effects`).

Every pattern is compiled once, here, at import; most are case-insensitive and run on short
windows around a number (``left`` ends at the number, ``right`` starts after it). The helpers
are the cheap tests that let the grammar skip a pattern: :func:`tail` runs a pattern that ends
in ``\\s*$`` over the end of a window, but only when the window ends with one of the words the
pattern must end with (``_TAIL_GUARDS``); :func:`ends_with` and :func:`may_hold` are such
necessary conditions, for the callers to test before other patterns.
"""

from __future__ import annotations

import re

from marginalia.extract.lexicon import CHANGE_NOUN, ONLINE_METRIC_NAMES

_I = re.IGNORECASE


def word_set(words: str) -> frozenset[str]:
    """The whitespace-separated words of ``words``."""
    return frozenset(words.split())


_QUAL = (
    r"(?P<up_to>up[\s-]*to|as\s+(?:much|high|many|large|big|great)\s+as|a\s+maximum\s+of|maximum\s+of)"
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
QUAL_END_RE = re.compile(
    rf"(?<![\w-])(?=[{_QUAL_FIRST}])(?:{_QUAL})\}}?\$?\s*(?:(?:a|an)\s+)?\(?\s*"
    # a LaTeX bold wrapper opened before the number: "at least $\mathbf{1.7\times}$"
    r"(?:\$?\\(?:mathbf|textbf|bm)\{)?$",
    _I,
)
# QUAL_END_RE without IGNORECASE, for lower-cased ASCII text (its literals are lower case)
QUAL_END_LOWER_RE = re.compile(QUAL_END_RE.pattern)
AVERAGE_LEFT_RE = re.compile(
    rf"\b(?:average|mean|avg\.?)\s+(?:\w+\s+){{0,2}}?(?:{CHANGE_NOUN})\s+(?:of|by)"
    r"(?:\s+(?:only|just|merely|a\s+mere))?\s*$"
    r"|\bon\s+average\s*,?\s*(?:\w+\s+){0,3}$"
    # an average metric: "reduced average response length by", "the average EM score from"
    # (not the names "average precision", "mean IoU", "mean absolute error", nor "these mean")
    r"|(?<!these\s)(?<!this\s)(?<!results\s)\b(?:average|mean)\s+"
    r"(?!of\b|that\b|(?:average\s+)?precision\b|iou\b|absolute\b|squared\b|reciprocal\b|rank\b)"
    r"(?:[\w()@-]+\s+){1,4}?(?:by|from|to|of)\s*$",
    _I,
)
AVERAGE_RIGHT_RE = re.compile(
    r"^\)?\s*(?:\w+\s+){0,2}?(?:in|on|of)\s+(?:the\s+)?(?:average|mean)\b|^\)?\s*on\s+average\b",
    _I,
)
# "nearly or even more than 10%": a first qualifier joined to the one before the number
QUAL_OR_END_RE = re.compile(r"\s(?:or|and)(?:\s+even)?\s*$", _I)
ARTICLE_END_RE = re.compile(r"(?:\b(?:a|an|the)\s+|\(\s*|\+\s*)$", _I)

BY_END_RE = re.compile(
    # "by only", "by even", "by an accuracy (of)": the margin named before the number
    r"(?<![\w-])by(?:\s+(?:only|just|merely|a\s+mere|even|"
    r"an?\s+(?:accuracy|performance|score)(?:\s+of)?))?\s*$",
    _I,
)
CHANGE_OF_END_RE = re.compile(
    rf"(?<![\w-])(?:{CHANGE_NOUN})(?:\s+(?:in|on|for)\s+[^,;:()]{{1,50}}?)?"
    r"\s+(?:of|by|ranging\s+from|reaching)(?:\s+(?:only|just|merely|a\s+mere))?\s*$",
    _I,
)
# a change noun right before the number's qualifier: "drops as large as 73%", "gains up to 4"
CHANGE_NOUN_END_RE = re.compile(
    rf"(?<![\w-])(?:{CHANGE_NOUN})"
    r"(?:\s+(?:in|on)\s+(?!with\b)[\w-]+(?:\s+(?!with\b|of\b|for\b|where\b)[\w-]+)?)?\s*$",
    _I,
)
MINIMIZER_END_RE = re.compile(r"(?<![\w-])(?:only|just|merely)\s*$", _I)
VERB_END_RE = re.compile(
    r"(?<![\w-])(?:remov|reduc|cut|sav|prun|eliminat|compress|shrink|increas|improv|boost|"
    r"rais|lower|decreas|lower|los(?=e|t|ing))\w*\s*$",
    _I,
)
PAREN_AFTER_COMP_RE = re.compile(
    r"(?<![\w-])(?:higher|lower|better|worse|faster|slower|fewer|less|more|larger|smaller|"
    r"cheaper|outperform\w*|underperform\w*|improv\w*|increas\w*|decreas\w*|reduc\w*|"
    rf"{CHANGE_NOUN}|degrad\w*)(?:\s+\w+ly)?\s*\(\s*$",
    _I,
)
# a singular change noun right before "(A to B)": "a minor drop (95.07% to 94.92%)" gives the
# levels before and after ("gains (2% to 4%)" and "drops sharply (10% to 25%)" are ranges)
PAREN_LEVELS_DOWN_RE = re.compile(
    r"(?<![\w-])(?:drop|decline|decrease|degradation|reduction|loss|fall)\s*\(\s*$", _I
)
PAREN_LEVELS_UP_RE = re.compile(
    r"(?<![\w-])(?:gain|improvement|increase|boost|rise|jump|uplift)\s*\(\s*$", _I
)
# a clause that compares or changes, before "(A to B)": the two are levels before and after
PAREN_CHANGE_LEFT_RE = re.compile(
    r"(?<![\w-])(?:outperform\w*|surpass\w*|improv\w*|increas\w*|rais\w*|boost\w*|lift\w*|"
    r"degrad\w*|declin\w*|drop\w*|fell|falls?|reduc\w*|decreas\w*|lower\w*|unchanged|"
    r"shift\w*|mov(?:e|es|ed|ing))\b",
    _I,
)
_FILLER = (
    r"relative|absolute|average|overall|net|additional|further|total|mean|median|points?|pts|"
    r"percentage|pp|accuracy|performance|quality|F1|BLEU|score|top-1|top-5|end-to-end|"
    r"inference|training|point"
)
TOKEN_RE = re.compile(r"[^\W\d][\w-]*")
FILLER_WORDS = word_set(
    "relative absolute average overall net additional further total mean median point points "
    "pts percentage pp accuracy performance quality f1 bleu score top-1 top-5 end-to-end "
    "inference training in of the a an as x times fold percent"
)
BARE_RIGHT_WORDS = word_set(
    "improvement improvements increase increases gain gains boost boosts drop drops decline "
    "declines decrease decreases reduction reductions degradation degradations loss losses "
    "enhancement enhancements uplift uplifts lift lifts rise rises jump jumps speedup speedups "
    "speed-up speed-ups acceleration accelerations saving savings cut cuts increment increments "
    "growth deterioration deteriorations penalty overhead overheads advantage advantages lead "
    "leads margin margins slowdown slowdowns decay decays regression regressions higher lower "
    "better worse x times fold"
)
PUNCT_RE = re.compile(r"[,;.:()]")
BUT_ONLY_BETWEEN_RE = re.compile(
    # a digit only inside a word ("pass@1", "GPT-4o" are names, not numbers)
    r"(?:[^,;:.()\d]|(?<=[A-Za-z@\d-])\d){0,50}?(?:\bon|\bin|\bfor)\s"
    r"(?:[^,;:.()\d]|(?<=[A-Za-z@\d-])\d){1,40}?,?\s+but\s+(?:only|just|merely)\s*",
    _I,
)
# a factor on what a system can hold: "8x larger batch sizes", "6x longer contexts"
CAPACITY_RIGHT_RE = re.compile(
    r"^\s*(?:larger|bigger|longer|more)\s+(?:batch(?:\s+sizes?)?|models?|contexts?|context\s+"
    r"windows?|inputs?|sequences?|graphs?|datasets?|vocabular(?:y|ies))\b",
    _I,
)
ENABLE_RE = re.compile(
    r"\b(?:enabl\w*|support\w*|allow\w*|permit\w*|fit\w*|handl\w*|process\w*|"
    r"scal\w*|accommodat\w*|serv\w*)\b",
    _I,
)
FASTER_RIGHT_RE = re.compile(r"^\s*(?:faster|quicker|speed(?:-|\s+)?ups?)\b", _I)
# a rendering artefact after a factor ("1.5×\\times faster" as copied from an arXiv page)
TIMES_ARTEFACT_RE = re.compile(r"^(?:\s*(?:\\times|×))+")
# "outperforms X by 4%", "surpassed the baseline's performance by": a margin of the method
OUTPERFORM_BY_RE = re.compile(
    r"(?<![\w-])(?:outperform\w*|surpass\w*|beat(?:s|ing)?|exceed\w*)\b[^,;:()\d]{0,60}?\bby\s+"
    r"(?:(?:an?|the)\s+)?(?:(?:average|mean|margin|maximum)\s+of\s+)?"
    r"(?:(?:up\s+to|over|around|about|nearly|almost|approximately|roughly|more\s+than)\s+)?$",
    _I,
)
REDUCTION_RIGHT_RE = re.compile(
    r"^\s*(?:[^\W\d][\w-]*\s+)?(?:reductions?|decreases?|savings?|cuts?|fewer|less|lower)\b", _I
)
# a fall of a quantity that is bad in itself ("a performance drop of 10%", "degrades by 5%")
DROP_RE = re.compile(r"(?<![\w-])(?:drops?|declin\w*|degrad\w*|deteriorat\w*)\b", _I)
# a factor named as a gain of the method ("1.5x end-to-end improvement", "a 12x latency
# advantage") or a speedup stated before it ("a speedup on H100 GPUs by 1.5-2x")
GAIN_RATIO_RIGHT_RE = re.compile(
    r"^\s*(?:[^\W\d][\w-]*\s+){0,2}?(?:improvements?|advantages?|speed(?:-|\s+)?ups?|gains?|"
    r"boosts?)\b",
    _I,
)
SPEEDUP_BY_LEFT_RE = re.compile(
    r"(?<![\w-])(?:speed(?:-|\s+)?ups?|accelerat\w*)\b[^,;:()]{0,40}?\bby\s*$", _I
)
IMPROVEMENT_WORD_RE = re.compile(r"\b(?:improv\w*|better|gains?|enhanc\w*)\b", _I)
IMPROVEMENT_RIGHT_RE = re.compile(
    r"^\)?\s*(?:[^\W\d][\w-]*\s+){0,2}?(?:improvements?|gains?|better)\b", _I
)
# change nouns that can follow a metric name ("5% WER reduction"; not "leads", "margins",
# "loss", which also name things)
_METRIC_CHANGE_NOUN = (
    r"improvements?|increases?|gains?|boosts?|drops?|declines?|decreases?|reductions?|"
    r"degradations?|enhancements?|uplifts?|rises?|jumps?|speed-?ups?|savings?|slowdowns?|"
    r"overheads?"
)
CHANGE_NOUN_RE = re.compile(_METRIC_CHANGE_NOUN, _I)
FUNCTION_WORDS = word_set(
    "of the in on for to and or with from at by is are was were than that which while when"
)
# nothing between the change word and the number but "by"/"of" ("improves by", "a cost
# reduction of"): what changed is named before the change word
NO_OBJECT_RE = re.compile(r"\s*(?:by|of)", _I)
LAST_TWO_WORDS_RE = re.compile(r"(?:[\w-]+\s+)?[\w-]+\s*$")
TRAILING_WORD_RE = re.compile(r"[\w-]+$")
# "% more/fewer" and a plural noun right after the number: a change of a count
MORE_COUNT_RIGHT_RE = re.compile(r"\s*(?:more|fewer)\s+(?![a-z]+ly\b)[a-z]{3,}s\b")
# performance metrics that are not percentages: a % change of them is relative
UNBOUNDED_METRICS = (
    frozenset(("FID", "FVD", "LPIPS", "perplexity", "regret", "reward", "emissions", "error"))
    | frozenset(("SNR", "PESQ", "MOS", "FAD"))  # dB, and scores on 1-4.5 and 1-5 scales
    | ONLINE_METRIC_NAMES
)
BARE_LIST_RE = re.compile(r"\s*(?:,\s*(?:and|or)?|and|or)\s*", _I)
ELLIPSIS_RE = re.compile(r"[^.;:()\d]{0,20}?(?:,\s*and|\s+and|,)\s+[\w\s-]{1,40}?\s+by\s+", _I)
PARTICLE_END_RE = re.compile(r"[\w-]+\s+(?:up|down)$", _I)
BACK_LIST_RE = re.compile(r"\s*(?:,\s*(?:and|or)\s+|\s+and\s+|\s+or\s+|/)\s*", _I)
IN_END_RE = re.compile(r"(?<![\w-])in$", _I)
DOWN_VERB_RE = re.compile(r"\b(?:cut|cuts|cutting|reduc\w*|split\w*|slash\w*|lower\w*)\b", _I)
PASSIVE_ENDS = ("ed", "cut", "shrunk")  # PASSIVE_RE ends in one of these
PASSIVE_RE = re.compile(
    r"\b(?:be|is|are|was|were|been|being|gets?|got)\s+(?:\w+ly\s+)?(?:[\w-]+ed|cut|shrunk)\s*$",
    _I,
)
THAN_NEXT_RE = re.compile(r"\s+than\b", _I)
QUAL_THAN_RE = re.compile(r"\b(?:more|less|fewer|greater)\s+than\b", _I)
UPTO_LAST_DIGIT_RE = re.compile(r".*\d", re.DOTALL)
RIGHT_CUE_RE = re.compile(
    rf"^\)?\s*(?:(?:{_FILLER})\s+){{0,2}}?"
    # "7 percent perplexity reduction", "15% relative WER reduction": a metric name (one or
    # two words, not function words) between the number and its change noun
    rf"(?:(?:(?!(?:of|the|in|on|for|to|and|or|with|from|at|by|is|are|was|were)\b)"
    rf"[^\W\d][\w-]*\s+){{1,2}}(?:{_METRIC_CHANGE_NOUN})|{CHANGE_NOUN}|higher|lower|better|worse|"
    r"faster|slower|fewer|less|more|larger|smaller|greater|bigger|cheaper|shorter|longer|"
    r"improved|reduced|increased|decreased|relative|"
    r"absolute|speed-?up|over\s+(?:the|a|an|prior|previous|existing|state|baselines?|SOTA)|"
    r"utili[sz]ation|"
    r"above|ahead\s+of|below)(?![\w-])",
    _I,
)
# a bare number is a score difference only next to a change noun or a comparative of level
RIGHT_CUE_BARE_RE = re.compile(
    rf"^\)?\s*(?:(?:{_FILLER})\s+){{0,2}}?(?:{CHANGE_NOUN}|higher|lower|better|worse)(?![\w-])",
    _I,
)
BARE_BY_RIGHT_RE = re.compile(
    r"^(?:\s*$|\s*[,;.)]|\s+(?:points?|pts|pp|on|in|over|across|compared|relative|than|and|"
    r"while|with|at|for|from|when|respectively|absolute|overall|average)\b)",
    _I,
)
CHANGE_VERB_RE = re.compile(
    r"(?<![\w-])(?:improv|increas|boost|outperform|surpass|exceed|beat|gain|rais|ris|rose|jump|"
    r"reduc|decreas|lower|drop|declin|fell|fall|degrad|lag|trail|underperform|lead|advanc|"
    r"enhanc|narrow|clos|widen|shrink|cut|better|worse|higher|faster|slower)\w*",
    _I,
)
_RESOURCE = (
    r"(?:[\w'\u2019-]+\s+){0,3}?(?:data|data\s*set|dataset|cost|costs|outlay|compute|computation|FLOPs?|"
    r"parameters|params|memory|time|latency|energy|emissions|levels?|budget|size|tokens|labels|"
    r"annotations|examples|samples|comparisons|storage|bandwidth|GPU[\s-]hours|runtime|"
    r"training\s+set|calls|queries|footprint|model|baseline|network|weights|layers|gaps?|"
    r"cache|activations)"
    r"(?![\w-])"
)
OF_REFERENCE_RE = re.compile(
    r"^\)?\s*(?:\s*(?:st|nd|rd|th)\b)?\s*(?:\([^()]{0,30}\)\s*)?"
    # "90% (of the) performance of the original"
    r"(?:(?:(?:performance|accuracy|quality|capabilit(?:y|ies))\s+)?of\s+|the\s+)"
    r"(?!the\s+time\b)(?:(?:the|its|their|our|all|his|her)\s+)?"
    rf"(?:\d{{4}}\s+levels?|(?:original|baseline|full|reference|dense|teacher|standard|base|"
    rf"uncompressed|unpruned|initial|previous|vanilla)\b|{_RESOURCE})",
    _I,
)
THE_RESOURCE_RE = re.compile(rf"^\s*(?:(?:st|nd|rd|th)\b)?\s*the\s+{_RESOURCE}", _I)
STRONG_REF_RE = re.compile(
    r"\b(?:original|baseline|full|reference|dense|teacher|uncompressed|unpruned|vanilla|"
    r"levels?|cost|costs|compute|FLOPs?|memory|energy|emissions|budget|runtime|latency)\b",
    _I,
)
USE_END_RE = re.compile(
    r"(?<![\w-])(?:using|uses?|used|with|requir\w*|needs?|needing|at|on|consum\w*|"
    r"retain\w*|maintain\w*|preserv\w*|recover\w*|keep\w*|costs?|takes?|taking|select\w*|incur\w*|"
    r"trained\s+on|training\s+on)\s+(?:only|just|merely|a\s+mere)\s*$"
    # "recovers 40% of the gap", "closes 60-80% of the performance gap"
    r"|(?<![\w-])(?:recover(?:s|ed|ing)?|clos(?:e|es|ed|ing)|bridg(?:e|es|ed|ing))\s*$",
    _I,
)
# "only requires 2.5% of the data", "selects only 10% of ...": "only" before the verb of use
ONLY_USE_END_RE = re.compile(
    r"(?<![\w-])(?:only|just|merely)\s+(?:requir(?:e|es|ed|ing)|needs?|needed|us(?:e|es|ed|ing)|"
    r"select(?:s|ed|ing)?|keep(?:s|ing)?|kept|retain(?:s|ed|ing)?|consum(?:e|es|ed|ing))\s*$"
    r"|(?<![\w-])(?:select(?:s|ed|ing)?|train(?:s|ed|ing)?\s+on)\s+(?:only|just|merely)\s*$",
    _I,
)
# a share a method spends (an efficiency level): the verbs of use and cost only, not those of
# what it keeps ("recovers 98% of the quality", "retains only 85% of the accuracy": performance)
SPEND_END_RE = re.compile(
    r"(?<![\w-])(?:only|just|merely)\s+(?:requir(?:e|es|ed|ing)|needs?|needed|"
    r"us(?:e|es|ed|ing)|consum(?:e|es|ed|ing)|select(?:s|ed|ing)?)\s+$"
    r"|(?<![\w-])(?:requir(?:e|es|ed|ing)|needs?|needing|us(?:e|es|ed|ing)|with|"
    r"consum(?:e|es|ed|ing)|select(?:s|ed|ing)?|train(?:s|ed|ing)?\s+on)"
    r"\s+(?:only|just|merely|a\s+mere)\s+$",
    _I,
)
# after such a use: the share of any counted thing ("of tensor programs", "of 1,235,004 paired
# images"), a plural noun within four words
USED_SHARE_OF_RE = re.compile(
    r"^\s*of\s+(?:(?:the|its|their|our|all)\s+)?(?:[\d,.]+[kKmM]?\s+)?(?:[\w-]+\s+){0,3}?"
    r"[\w-]+s\b",
    _I,
)
FRACTION_RIGHT_RE = re.compile(
    r"^\s*(?:(?:st|nd|rd|th)\b)?\s*(?:\([^()]{0,30}\)\s*)?"
    r"(?:(?:the|its|their|of\s+(?:the|its|their|our))\s+|as\s+(?:many|much|\w+er|fast|large|"
    r"small|big|long|few|costly|expensive)\b)",
    _I,
)
ORDINAL_LEFT_RE = re.compile(
    r"\b(?:first|second|third|last|latter|former|other|bottom|top|upper|lower|final|early|"
    r"later|one|another|each|every)\s*$",
    _I,
)
NOT_FRACTION_RIGHT_RE = re.compile(
    r"^[\s-]*(?:wave|precision|space|plane|life|lives|hour|day|year|decade|century|way|time\b|"
    r"-\w|of\s+(?:them|these|those|all|the\s+(?:time|cases|participants|respondents|papers|"
    r"models|tasks|questions|problems|users|people)))",
    _I,
)
TIMES_RIGHT_RE = re.compile(
    r"^\s*(?:more|less|fewer|faster|slower|higher|lower|larger|smaller|bigger|greater|better|"
    r"cheaper|longer|shorter|as|the|over|speed(?:-|\s+)?ups?|acceleration|reduction|improvement|increase|"
    r"compression|that|than|compared|relative|lighter|quicker|cheaper|smaller|wider|"
    r"efficient|throughput|gains?)\b",
    _I,
)
TIMES_LEFT_RE = re.compile(
    r"(?<![\w-])(?:by|factor(?:\s+of)?|up\s*to|upto|over|than|nearly|almost|about|approx\.?|"
    r"approximately|roughly|around|~|achiev\w*|yield\w*|deliver\w*|provid\w*|obtain\w*|"
    r"gain\w*|(?:speed-?up|acceleration|improvement|reduction|increase)s?\s+of|to\s+be|"
    r"is|are|was|were|runs?|faster|more\s+than|at\s+least)\s*(?:a|an)?\s*$",
    _I,
)
TWICE_RIGHT_RE = re.compile(
    r"^\s*(?:as|the|more|less|fewer|faster|slower|higher|lower|larger|smaller|bigger|better|"
    r"cheaper|longer|shorter|that|many|much|over)\b",
    _I,
)
DOUBLE_BAD_RIGHT_RE = re.compile(
    r"^[\s-]*(?:descent|blind|check|precision|count|standard|edged|digit|layer|sided|loop|"
    r"trouble|dqn|q\b|cross|exponential|bond|helix|dipping|quantization|sampling|backprop)",
    _I,
)
FOLD_BAD_RIGHT_RE = re.compile(r"^[\s-]*(?:cross|cv\b|validation|split|ensembl)", _I)
FOLD_BAD_LEFT_RE = re.compile(r"\b(?:is|are|was|were)\s*$", _I)
HARDWARE_RIGHT_RE = re.compile(
    r"^\s*(?:[AHV]100|A6000|A40|L40|RTX|GPUs?|TPUs?|NVIDIA|nodes?|cores?|CPUs?)\b", _I
)
FACTOR_LEFT_RE = re.compile(r"\bfactors?(?:\s+of)?\s*$", _I)
# a hypothetical effect size of a power statement: "power to detect differences of 1 BLEU",
# "the smallest detectable change is 2%" (not "detecting rare words improves by 4.5 times")
HYPOTHETICAL_RE = re.compile(
    r"\b(?:power\s+to|detectable|(?:to|can|could|cannot|able\s+to)\s+detect(?:ing)?\s+"
    r"(?:an?\s+|the\s+)?(?:\w+\s+)?(?:effects?|differences?|changes?|improvements?|gains?|shifts?)"
    r"\b|(?:to|can|could|cannot|able\s+to)\s+detect\s+(?:an?\s+|the\s+)?(?:\w+\s+)?$)",
    _I,
)
RANGE_FROM_RE = re.compile(
    r"\b(?:rang(?:e|es|ed|ing)|vary|varies|varied|varying|between|spann?\w*|sizes?|scales?)"
    r"\b[^,;.]{0,30}$",
    _I,
)
# "outperforms it (from 1.71 to 2.48 BLEU)": a range of margins, not a before/after pair
GAIN_FROM_END_RE = re.compile(
    r"(?<![\w-])(?:outperform\w*|surpass\w*|exceed\w*|beat\w*)"
    r"(?:(?:\s+[^\s(),.;]+){0,5}?\s*\(|\s+by)?\s*(?:by\s+)?from\s*$",
    _I,
)
# between two ranges of one list: "... of the gap on A and 7% to 38% on B"
RANGE_LIST_RE = re.compile(r"[^,;:.()\d%]{0,100}?(?:,\s*(?:and\s+)?|\s+and\s+)$", _I)
# between the two levels of "from 43.4 (BM25) to 52.6"
# a sweep over settings before "from A to B": "we vary the batch size from 8 to 64"
SWEEP_RE = re.compile(
    r"(?<![\w-])(?:var(?:y|ies|ied|ying)|sweep\w*|rang(?:e|es|ed|ing)|spann?\w*|scal(?:e|es|ed|ing)"
    r"|trimm\w*|truncat\w*|resiz\w*)\b",
    _I,
)
# between the two levels of "from A to B" read as two numbers: a label of the first level
# ("from 43.4 (BM25) to 52.6"), or an approximation of the second ("from 40% to over 90%",
# "from about 30% to about 90%"; the first's sits before it, inside FROM_END_RE)
FROM_LABEL_TO_RE = re.compile(
    r"^\s*(?:\([^()%]{1,30}\)\s*)?to\s*$"
    r"|^\s*(?:\([^()%]{1,30}\)\s*)?to\s+(?:about|around|approximately|roughly|nearly|almost"
    r"|over|above|under|below|(?:more|less)\s+than|just\s+(?:over|under))\s*$",
    _I,
)
FROM_END_RE = re.compile(r"(?<![\w-])from\s+(?:(?:a|an|the)\s+)?(?:\w+\s+)?$", _I)
ARROW_RE = re.compile(
    r"^\s*\$?\s*(?:\\?(?:long)?rightarrow|\u2192|->|\u27f6|\u21d2|=>|\\to|\u2794)\s*\$?\s*$", _I
)
VS_RE = re.compile(r"^\s*(?:vs\.?|versus|v\.s\.|compared\s+(?:to|with)|against)\s*$", _I)
PAREN_BETWEEN_RE = re.compile(r"^[^()\d;]{0,45}\(\s*$")
FROM_PAREN_RE = re.compile(r"\(\s*(?:up\s+)?from\s*$", _I)
RISES_TO_RE = re.compile(
    r"(?<![\w-])(?:ris(?:e|es|ing)|rose|increas\w*|improv\w*|jump\w*|grow\w*|grew|climb\w*|"
    r"go(?:es)?\s+up|went\s+up|boost\w*|rais\w*|drop\w*|fall\w*|fell|decreas\w*|declin\w*|"
    r"reduc\w*|lower\w*|goes\s+down|went\s+down|shrink\w*|shrunk)"
    r"(?:\s+(?!by\b|up\b)[^\W\d][\w-]*){0,3}?\s+to\s*$",
    _I,
)
THAN_RE = re.compile(
    r"(?<![\w-])(?:higher|lower|better|worse|greater|smaller|larger|more|less|fewer|faster|"
    r"slower|above|below)\s+than\b",
    _I,
)
COMPARED_END_RE = re.compile(
    r",?\s*(?:compared\s+(?:to|with)|versus|vs\.?|relative\s+to|against)\s+(?:the\s+)?$", _I
)
LEVEL_LEFT_RE = re.compile(
    r"\b(?:achiev\w*|reach\w*|obtain\w*|attain\w*|scor\w*|yield\w*|record\w*|get|gets|"
    r"got)\s+(?:(?:a|an|the|new|score|of|accuracy|an?\s+\w+\s+of)\s+)*$",
    _I,
)
# right before a bare level of a named metric: "a score of", "an F1 of", "accuracy:", "= "
BARE_LEVEL_LEFT_RE = re.compile(r"(?:\bof|:|=|\breach(?:es|ed|ing)?|\bscor(?:e|es|ed|ing))\s*$", _I)
# right after a number that counts things: "12 datasets", "5 seeds", "3 experts"
COUNT_NOUN_RIGHT_RE = re.compile(
    r"\s*(?:[\w-]+\s+)?(?:datasets?|seeds?|tasks?|benchmarks?|epochs?|experts?|runs?|layers?|"
    r"languages?|models?|samples?|examples?|steps?|baselines?|submissions?|humans?|"
    r"annotators?|participants?|subjects?|domains?|games?|environments?|iterations?)\b",
    _I,
)
# a level, then a competitor's level: "a win rate of 79% ..., outperforming Random Forest
# (46%)", "12.5% of issues, compared to the previous best of 3.8%", "80% ..., where behavior
# cloning reaches only 20%" (the text between the two numbers; digits only inside names)
_BETWEEN_CHAR = r"(?:[^;:.()\d]|(?<=[A-Za-z@\d-])\d|\.(?=\w))"
_LEVEL_VERB = r"(?:reach\w*|achiev\w*|attain\w*|obtain\w*|scor\w*|get\w*|manag\w*)"
COMPETITOR_BETWEEN_RE = re.compile(
    rf"{_BETWEEN_CHAR}{{0,90}}?(?<![\w-])"
    r"(?:outperform\w*|surpass\w*|exceed\w*|beat(?:s|ing)?|compared\s+(?:to|with)|versus|vs\.?"
    r"|relative\s+to)\s"
    rf"{_BETWEEN_CHAR}{{0,70}}?"
    r"(?:\(\s*|(?<![\w-])(?:best|art|sota|SOTA|baselines?|score|accuracy|performance)\s+of\s+"
    rf"|(?<![\w-]){_LEVEL_VERB}\s+(?:only|just|merely)\s+"
    rf"|(?<![\w-])(?:that|which)\s+{_LEVEL_VERB}\s+"
    # "... versus 65% on B", "exceeds ChatGPT 46.3%": the competitor's level right after
    r"|(?<=versus\s)|(?<=vs\.\s)|(?<=compared\sto\s)|(?<=compared\swith\s)|(?<=relative\sto\s)"
    r"|(?<=[\s(])(?-i:[A-Z][\w.+-]*)\s+)",
    _I,
)
# "80% ..., where behavior cloning reaches only 20%": a contrast word, then a level minimised
CONTRAST_BETWEEN_RE = re.compile(
    rf"{_BETWEEN_CHAR}{{0,90}}?(?<![\w-])(?:where(?:as)?|while)\s{_BETWEEN_CHAR}{{0,70}}?"
    rf"(?<![\w-]){_LEVEL_VERB}\s+(?:only|just|merely)\s+",
    _I,
)
# what may follow a competitor's level in parentheses: "(46%)", "(80% pass@1)", "(46%, ...)"
# (not a difference: "(3.2% higher)" is the competitor's gap, read as a change)
COMPETITOR_CLOSE_RE = re.compile(
    r"\s*(?:(?!(?:higher|lower|better|worse|more|less|improvements?|gains?|drops?|increases?|"
    r"decreases?|points?|pp|absolute|relative)\b)[\w@-]+\s*){0,2}[),]",
    _I,
)
# the next competitor of a list: "), fastprop (" / "), and Chemprop (": one to three name
# tokens, none a function word or an -ing verb ("while reducing latency (35%)" is no competitor)
_NAME_TOKEN = (
    r"(?!(?:while|with|without|on|in|at|by|for|from|to|of|the|a|an|than|when|where|whereas|and|"
    r"or|but|far|fewer|more|less|using|its|their|our)\b)(?![a-z]+ing\b)[\w.+@/-]+"
)
COMPETITOR_NEXT_RE = re.compile(
    rf"\)\s*,?\s*(?:and\s+|or\s+)?{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}}\s*\(\s*", _I
)
QUAL_ONLY_RE = re.compile(r"^\s*(?:(?:a|an)\s+)?$", _I)
COMPARATIVE_START_RE = re.compile(
    r"^\s*(?:[\w%]+\s+)?(?:higher|lower|better|worse|greater|smaller|larger|more|less|fewer|"
    r"faster|slower|above|below)\b",
    _I,
)
LIST_BETWEEN_RE = re.compile(
    # the first item's change noun and metric: "5.7% improvement of success rate on A, 10.3%
    # on B", "55% average accuracy drops across X and up to 100% on Y"
    r"^\s*\)?(?:\s+(?:[\w@-]+\s+){0,2}?(?:improvements?|gains?|increases?|decreases?|drops?|"
    r"reductions?|declines?)(?:\s+(?:of|in)\s+(?:[\w@-]+\s*){1,3}?)?)?"
    r"\s*(?:(?:on|in|for|at|across|over|with|of)\s+(?:(?!%|\\%)[^,;:.()]){1,40}?\s*)?"
    r"(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)(?:(?:by|of|with)\s+)?"
    # the next item's own qualifier: "by 5.4% on average and up to 25.4% on Y"
    r"(?:(?:up\s+to|over|about|around|nearly|almost|approximately|more\s+than|at\s+least)\s+)?$",
    _I,
)
# (not the metric names "mean absolute error", "absolute trajectory error")
ABSOLUTE_RE = re.compile(
    r"\babsolute(?:ly)?\b(?!\s+(?:\w+\s+)?(?:error|deviation)s?\b)|\bpercentage[\s-]points?\b", _I
)
# "relative" right after the number, also "39.2% relative to the baseline"
RELATIVE_RIGHT_RE = re.compile(r"^\)?\s*relative(?:ly)?\b(?!\s+(?:cheap|simple|small|easy))", _I)
RELATIVE_RE = re.compile(r"\brelative(?:ly)?\b(?!\s+(?:to|cheap|simple|small|easy))", _I)
# "relative word-level diarization error rate (WDER) reductions of 15-30%": "relative" on the
# change noun whose amount the number is, across the metric's name
RELATIVE_CHANGE_RE = re.compile(
    r"\brelative\s+(?:(?!(?:a|an|the|of|in|on|to|at|with|for|by|and|or|we|our|it|its|this|that|"
    r"is|are|was|were|yields?|gives?|shows?|leads?|results?|brings?|achieves?|provides?|see)\b)"
    r"[^\s,;:.]+\s+){0,6}?(?:reduction|improvement|gain|increase|decrease|drop|degradation)s?"
    r"\s+(?:of|by)\s+(?:(?:up\s+to|about|around|approximately|nearly|over|more\s+than)\s+|"
    r"~\s*)?$",
    _I,
)
ADVERSE_RE = re.compile(
    r"\b(?:affect\w*|hurt\w*|harm\w*|cost\s+of|expense\s+of|sacrific\w*|penalt\w*|overhead\w*|"
    r"compromis\w*|impair\w*|at\s+the\s+cost|trade-?off)\b",
    _I,
)
# "with only a 0.05 decline in", "with a slight decrease of": a cost conceded next to a gain
CONCESSIVE_RE = re.compile(
    rf"\bwith\s+(?:only\s+)?(?:a\s+|an\s+)?(?:only\s+)?(?:\w+\s+)?(?:{CHANGE_NOUN})"
    r"(?:\s+(?:of|in))?\s*$|\bwith\s+(?:only\s+)?(?:a\s+|an\s+)?(?:only\s+)?$",
    _I,
)
MINIMIZER_RE = re.compile(
    r"\b(?:only|slight|small|minor|marginal|negligible|little|minimal|modest|tiny)\b", _I
)
EQUIV_RE = re.compile(
    r"\b(?:similar|equivalent|comparable|equal|on\s+par|matching|same)\b[^.;]{0,60}$"
    r"|\b(?:improv\w*|boost\w*|enhanc\w*|increas\w*)\s+[^.;,]{0,50}?\bby\s*$",
    _I,
)
RESPECTIVELY_RE = re.compile(r"\brespectively\b", _I)
OTHERS_RE = re.compile(r"(?P<rel>,\s*(?:which|who)\b)|\b(?:whereas|unlike)\b", _I)
FIRST_PERSON_RE = re.compile(r"\b(?:we|our|ours|us|this\s+(?:paper|work|method|approach))\b", _I)
NAMED_RE = re.compile(r"\b[A-Z][\w-]*")
# the noun phrase before ", which" starts after these ("we compare X with <SimCLR>, which")
NP_BREAK_RE = re.compile(
    r"\b(?:with|against|than|of|to|versus|vs|over|like|from|and|or|as|that|whereas|unlike)\b",
    _I,
)
# the noun phrase is the authors' own method: "the proposed RE" (not "the previously proposed")
OWN_LEAD_RE = re.compile(r"\b(?:the|our)\s+(?:newly\s+)?(?:proposed|presented|introduced)\b", _I)
BASELINE_WORD_RE = re.compile(
    r"\b(?:prior|previous|existing|baselines?|competitors?|other|conventional|standard|"
    r"traditional|state-of-the-art|SOTA|they|it|its|their)\b",
    _I,
)
HYPER_LEFT_RE = re.compile(r"(?:=|:=)\s*$")
PARENS_RE = re.compile(r"\([^()]*\)")
# where a metric name after the number stops: ",", ";", "(", a number, or a function word;
# written with the first character taken first (and the alternatives picked by lookbehinds on
# it) so that the search only stops at those characters; the matches are those of
# "[,;(]|(?<![\w-])\d|\s(?:and|or|...)\b"
METRIC_RIGHT_STOP_RE = re.compile(
    r"[,;(\d\s](?:(?<=[,;(])|(?<=\d)(?<![\w-]\d)"
    r"|(?<=\s)(?:and|or|while|with|which|whereas|but|compared|than|when|using|on|for|at|"
    r"across|by|to|from|over|under|after|before|without|via|through|because|is|are|was|were|"
    r"as\s+(?!fast|many|much|large|small|long))\b)",
    _I,
)


def tail(rx: re.Pattern[str], s: str, n: int) -> re.Match[str] | None:
    """``rx.search`` over the last ``n`` characters of ``s`` (lookbehinds still see before).

    The match may be one on a lower-cased copy of ``s`` (same offsets): use its positions,
    not its text."""
    guard = _TAIL_GUARDS.get(id(rx))
    if guard is not None and not ends_with(s, *guard):
        return None
    if s.isascii():
        twin = _CASE_TWINS.get(id(rx))
        if twin is None:
            twin = _CASE_TWINS[id(rx)] = case_sensitive_twin(rx)
        if twin is not rx:
            return twin.search(s.lower(), max(0, len(s) - n))
    return rx.search(s, max(0, len(s) - n))


def case_sensitive_twin(rx: re.Pattern[str]) -> re.Pattern[str]:
    """``rx`` without IGNORECASE, to run on lower-cased ASCII text (where it finds the same
    matches, about twice as fast); ``rx`` itself when it is case-sensitive already or the
    twin could differ (a letter other than a-z, or an inline flag group, in the pattern).

    On ASCII text, a case-insensitive pattern whose letters are a-z matches a character exactly
    when the case-sensitive pattern matches its lower-case form: Unicode case folding only adds
    non-ASCII characters, and ``\\w``, ``\\d``, ``\\s`` and ``\\b`` do not depend on case.
    """
    if not rx.flags & re.IGNORECASE:
        return rx
    plain = re.sub(r"\\.", "", rx.pattern)  # without escapes ("\\W", "\\u2212", "\\\\")
    plain = _GROUP_OPEN_RE.sub("(", plain)  # without group syntax ("(?:", "(?P<head>", ...)
    if "(?" in plain or any(c.isalpha() and not "a" <= c <= "z" for c in plain):
        return rx
    return re.compile(rx.pattern, rx.flags & ~re.IGNORECASE)


_GROUP_OPEN_RE = re.compile(r"\(\?(?:P<\w+>|P=\w+\)|[:=!]|<[=!])")
_CASE_TWINS: dict[int, re.Pattern[str]] = {}  # id(pattern) -> its case_sensitive_twin


def ends_with(s: str, suffixes: tuple[str, ...], width: int) -> bool:
    """Whether ``s`` without trailing whitespace ends with one of ``suffixes`` (lower case),
    in any case. It is a cheap necessary condition for a case-insensitive pattern ending in
    one of them and ``\\s*$``; a non-ASCII character among the last ``width`` lets it pass
    (Unicode case folding could let such a character match a letter of a suffix)."""
    t = s[-width:] if s[-1:] and not s[-1].isspace() else s.rstrip()[-width:]
    return not t.isascii() or t.lower().endswith(suffixes)


def may_hold(s: str, words: tuple[str, ...]) -> bool:
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


# patterns that end in a known word (and optional whitespace): tail tests that first
_TAIL_GUARDS: dict[int, tuple[tuple[str, ...], int]] = {
    id(BY_END_RE): (
        ("by", "only", "just", "merely", "mere", "even", "accuracy", "performance", "score", "of"),
        11,
    ),
    id(CHANGE_OF_END_RE): (("of", "by", "from", "reaching", "only", "just", "merely", "mere"), 8),
    id(PAREN_AFTER_COMP_RE): (("(",), 1),
    id(HYPER_LEFT_RE): (("=",), 1),
    id(FACTOR_LEFT_RE): (("factor", "factors", "of"), 7),
    id(FOLD_BAD_LEFT_RE): (("is", "are", "was", "were"), 4),
    id(USE_END_RE): (
        ("only", "just", "merely", "mere", "recover", "recovers", "recovered", "recovering")
        + ("close", "closes", "closed", "closing", "bridge", "bridges", "bridged", "bridging"),
        10,
    ),
    id(IN_END_RE): (("in",), 2),
    id(ONLY_USE_END_RE): (
        ("require", "requires", "required", "requiring", "need", "needs", "needed", "use")
        + ("uses", "used", "using", "select", "selects", "selected", "selecting", "keep")
        + ("keeps", "keeping", "kept", "retain", "retains", "retained", "retaining", "consume")
        + ("consumes", "consumed", "consuming", "only", "just", "merely"),
        10,
    ),
}
