"""Cue lexicons and precompiled patterns of the hedge classifier (:mod:`.hedges`).

Every pattern here runs on the *lowercased* abstract (same offsets as the original; see
``hedge_cues.lowercase``), so none needs ``re.IGNORECASE``. Patterns are anchored (``.match`` at a
known position) or run on short slices: an unanchored scan over a whole abstract costs far more
than the literal ``str.find`` the detector uses to locate trigger words.
"""

from __future__ import annotations

import re
import string


def words(s: str) -> frozenset[str]:
    """The whitespace-separated words of ``s`` as a frozenset."""
    return frozenset(s.split())


def alt(words: str) -> str:
    """A non-capturing alternation of whitespace-separated words, longest first."""
    return "(?:" + "|".join(sorted(words.split(), key=len, reverse=True)) + ")"


# Punctuation becomes a space in the token view (hyphen and underscore are kept, so
# "large-scale", "weak-to-strong" and "non-negligible" stay single tokens).
TOKEN_TABLE = str.maketrans(
    {
        c: " "
        for c in string.punctuation.replace("-", "").replace("_", "")
        + "\u2018\u2019\u201c\u201d\u2013\u2014\u2212\u00a0\t\n\r"
    }
)
# TOKEN_TABLE for ASCII text, as a bytes.translate table
TOKEN_BYTES = bytes(ord(TOKEN_TABLE.get(i, chr(i))) if i < 128 else i for i in range(256))

# --------------------------------------------------------------------------------------------
# Intensity words
# --------------------------------------------------------------------------------------------

ADV_STRONG = words(
    "significantly substantially dramatically considerably remarkably notably vastly greatly "
    "materially strongly markedly drastically tremendously hugely massively sharply appreciably "
    "noticeably profoundly enormously immensely precipitously"
)
ADV_MARG = words("marginally slightly modestly minimally negligibly barely")
ADJ_STRONG = words(
    "significant substantial dramatic large largest considerable sizable sizeable remarkable "
    "notable vast great greatest huge massive tremendous major big drastic marked noticeable "
    "striking strong impressive material sharp pronounced"
)
ADJ_MARG = words(
    "marginal slight small minor modest little negligible minimal tiny incremental limited mild "
    "insignificant meager meagre"
)
MARG_WORDS = ADV_MARG | ADJ_MARG
# Adjectives that describe anything ("a major reason"): a cue only on a change noun.
CHANGE_ONLY_ADJ = words("major big huge massive great greatest vast tremendous material sharp")
# Predicative use ("the gain is marginal") is only read for these adjectives.
PRED_ADJ = (ADJ_STRONG | ADJ_MARG) - words("strong limited little major big great vast greatest")
# Other trigger tokens, each with its own handler.
NEG_TRIGGERS = words("not doesn don didn fail fails failed evidence no without none")
SOTA_TRIGGERS = words("state states state-of-the-art state-of-the-arts states-of-the-art sota")
OTHER_TRIGGERS = words(
    "much far highly heavily critically margin margins most only just merely superior best "
    "highest first 1st benchmark benchmarks lossless near-lossless lowest fastest"
)
TRIGGERS = ADV_STRONG | ADV_MARG | ADJ_STRONG | ADJ_MARG | NEG_TRIGGERS | SOTA_TRIGGERS
TRIGGERS = TRIGGERS | OTHER_TRIGGERS


# (hedge_cues.read_cues finds the trigger words of an abstract by a set intersection with its
# words, then their places with str.find)

# --------------------------------------------------------------------------------------------
# Heads: what a size word must modify to be a cue
# --------------------------------------------------------------------------------------------

# Nouns naming an effect (a change, a difference, or its cost).
EFFECT_NOUN = (
    r"(?:improvements?|gains?|increases?|increments?|decreases?|reductions?|drops?|declines?|"
    r"degradations?|deteriorations?|boosts?|speed-?ups?|slow-?downs?|accelerations?|"
    r"differences?|gaps?|chasms?|discrepanc(?:y|ies)|disparit(?:y|ies)|benefits?|advantages?|"
    r"changes?|effects?|impacts?|loss(?:es)?|overheads?|costs?|penalt(?:y|ies)|corrections?|"
    r"progress|enhancements?|uplifts?|jumps?|rises?|savings?|regressions?|advances?|"
    r"outperformance|edge|lifts?|trade-?offs?|upticks?)"
)
CHANGE_NOUN = (
    r"(?:improvements?|gains?|increases?|decreases?|reductions?|drops?|declines?|degradations?|"
    r"boosts?|speed-?ups?|advances?|progress|jumps?|leaps?|enhancements?|savings?)"
)
RX_CHANGE_NOUN = re.compile(CHANGE_NOUN + r"$")
# What "strong" also describes when it is about the paper's own results.
STRONG_ONLY_NOUN = (
    r"(?:performance|generali[sz]ation|results?|robustness|reliability|scaling|scalability)"
)
EFFECT_VERB = (
    r"(?:improv(?:e|es|ed|ing)|outperform(?:s|ed|ing)?|underperform(?:s|ed|ing)?|"
    r"increas(?:e|es|ed|ing)|decreas(?:e|es|ed|ing)|reduc(?:e|es|ed|ing)|boost(?:s|ed|ing)?|"
    r"enhanc(?:e|es|ed|ing)|accelerat(?:e|es|ed|ing)|speed(?:s|ing)?\s+up|sped\s+up|"
    r"degrad(?:e|es|ed|ing)|decay(?:s|ed|ing)?|declin(?:e|es|ed|ing)|drop(?:s|ped|ping)?|"
    r"affect(?:s|ed|ing)?|impact(?:s|ed|ing)?|compromis(?:e|es|ed|ing)|hurt(?:s|ing)?|harm(?:s|ed|ing)?|"
    r"lower(?:s|ed|ing)?|rais(?:e|es|ed|ing)|exceed(?:s|ed|ing)?|surpass(?:es|ed|ing)?|"
    r"beat(?:s|ing)?|narrow(?:s|ed|ing)?|extend(?:s|ed|ing)?|var(?:y|ies|ied|ying)|shift(?:s|ed|ing)?|clos(?:e|es|ed|ing)|widen(?:s|ed|ing)?|"
    r"shrink(?:s|ing)?|shrunk|cut(?:s|ting)?|diminish(?:es|ed|ing)?|differ(?:s|ed|ing)?|"
    r"benefit(?:s|ed|ing|ted|ting)?|help(?:s|ed|ing)?|chang(?:e|es|ed|ing)|alter(?:s|ed|ing)?|"
    r"slow(?:s|ed|ing)?|worsen(?:s|ed|ing)?|deteriorat(?:e|es|ed|ing)|"
    r"disadvantag(?:e|es|ed|ing)|lag(?:s|ged|ging)?|trail(?:s|ed|ing)?|advanc(?:e|es|ed|ing)|"
    r"shorten(?:s|ed|ing)?|amplif(?:y|ies|ied|ying)|mitigat(?:e|es|ed|ing)|"
    r"alleviat(?:e|es|ed|ing)|impair(?:s|ed|ing)?|outpac(?:e|es|ed|ing)|"
    r"expedit(?:e|es|ed|ing)|halv(?:e|es|ed|ing)|doubl(?:e|es|ed|ing)|rise[sn]?|rose|"
    r"fall(?:s|en)?|fell|grow(?:s|n)?|grew|gain(?:s|ed)?|elevat(?:e|es|ed|ing)|"
    r"strengthen(?:s|ed|ing)?|weaken(?:s|ed|ing)?|sacrific(?:e|es|ed|ing)|sav(?:e|es|ed|ing)|"
    r"influenc(?:e|es|ed|ing))"
)
COMP = (
    r"(?:better|worse|higher|lower|faster|slower|smaller|larger|bigger|greater|fewer|less|more|"
    r"superior|inferior|below|above|cheaper|costlier|stronger|weaker|shorter|longer|deeper|"
    r"improved|reduced|increased|decreased|degraded|enhanced|lowered|elevated|boosted)"
)
RX_COMP_ONLY = re.compile(COMP + r"$")
# Comparatives that describe an entity's size when they modify an entity noun.
RX_SIZE_COMP = re.compile(
    r"(?:larger|smaller|bigger|stronger|weaker|deeper|wider|shallower|more|less)\b"
)
ENTITY = (
    r"(?:models?|networks?|llms?|lms?|language|teachers?|students?|architectures?|systems?|"
    r"datasets?|corpora|encoders?|decoders?|transformers?|variants?|versions?|agents?|"
    r"classifiers?|learners?|verifiers?|supervisors?|baselines?|backbones?|models-in-the-loop)"
)
# Tokens that may not stand between an adjective cue and its effect head.
STOP = (
    r"(?:the|a|an|of|for|in|on|to|with|by|from|at|as|that|which|who|is|are|was|were|be|been|"
    r"has|have|had|than|into|over|under|between|among|across|via|per|without|within|while|"
    r"when|where|this|these|those|its|their|our|we|they|it|room|number|amount|set|range|"
    r"variety|portion|fraction|part|share|body|lot|deal|scale|size|degree|extent|not|no|but)"
)
# A pre-head modifier: not a stop word, not a plural noun or 3rd-person verb ("interventions").
MOD = rf"(?:(?!{STOP}\b)(?![\w%\\+.\-]*[^su\Wi]s\b)[\w%\\+.\-]+)"

# --------------------------------------------------------------------------------------------
# Cue patterns (anchored at the end of the trigger word unless said otherwise)
# --------------------------------------------------------------------------------------------

RX_ADV_FWD = re.compile(
    r"\s+(?:(?:even|also|still|further|consistently|much)\s+)?"
    rf"(?P<head>(?:more|less)\s+[\w-]+|{EFFECT_VERB}|{COMP})\b"
)
RX_ADJ_FWD = re.compile(
    rf"(?:\s+(?:or|to)\s+(?:no|zero)|,\s+if\s+any,)?"  # "small to no gains", "limited, if any,"
    rf"(?:\s*,?\s+(?:and\s+|or\s+)?{MOD}){{0,2}}?(?:\s+\([^()]{{1,40}}\))?\s+(?P<head>{EFFECT_NOUN})\b"
)
# "negligible parameters", "minimal extra latency": a cost a method adds, sized by a word that
# only ever describes amounts (not "small model" or "minimal supervision")
COST_ADJ = words("negligible minimal")
RX_COST_FWD = re.compile(
    r"(?:\s+(?:extra|additional|added|inference|training|computational|memory|gpu|runtime))?"
    r"\s+(?P<head>parameters?|params|latency|memory|compute|computation|storage|runtime|"
    r"flops|time|footprint)\b"
)
RX_STRONG_FWD = re.compile(
    rf"(?:\s+[\w-]+)?\s+(?P<head>{STRONG_ONLY_NOUN}|{EFFECT_NOUN}|dependenc(?:e|y))\b"
)
RX_LITTLE_NO = re.compile(rf"\s+(?:to|or)\s+no\s+(?:[\w-]+\s+)?(?P<head>{EFFECT_NOUN})\b")
# left of a postposed adverb: "improves similarity scores significantly",
# "improved, sometimes dramatically"
RX_POST_LEFT = re.compile(
    rf"\b(?P<verb>{EFFECT_VERB})(?:\s+[\w\-'.]+){{0,5}}?\s*,?\s+"
    r"(?:(?:sometimes|often|even|only|very|quite|rather|at\s+times)\s+)?$"
)
RX_POST_RIGHT = re.compile(
    r"\s*(?:$|[.,;:()\]]|\s(?:while|and|but|on|in|across|over|compared|relative|with|when|as|"
    r"for|at|than|to|after|without|if|under|during|whereas|because)\b)"
)
# left of a predicative adjective: "the improvement is marginal", "gains remain small"
RX_PRED_LEFT = re.compile(
    rf"\b(?P<noun>{EFFECT_NOUN})(?:\s+[\w-]+|\s+(?:of|on|in|from|over|to|for)\s+(?:the\s+)?"
    r"[\w-]+(?:\s+[\w-]+)?)?\s+(?:is|are|was|were|remains?|remained|"
    r"appears?|seems?|be|being|proved|proves|stays?|becomes?|became)\s+"
    r"(?P<mods>(?:(?:very|quite|rather|only|relatively|statistically|also|still|often|"
    r"typically|generally|at\s+best|not|usually|mostly|largely|especially|particularly|even|"
    r"more)\s+)*)$"
)
# the last word RX_PRED_LEFT can end with (a copula or one of its modifiers; "at best")
PRED_LEFT_LAST = words(
    "is are was were remain remains remained appear appears seem seems be being proved proves "
    "stay stays very quite rather only relatively statistically also still often typically "
    "generally best not usually mostly largely become becomes became especially particularly "
    "even more"
)
# "performs remarkably well", "generalizes markedly well": a degree adverb on a result verb
RX_WELL_LEFT = re.compile(r"\b(?P<verb>perform\w*|work\w*|generali[sz]\w*|scal\w*)\s+$")
RX_WELL_RIGHT = re.compile(r"\s+well\b")
# "to a large extent", "to a small degree": a degree phrase
RX_EXTENT_LEFT = re.compile(r"(?<![\w-])to\s+a\s+(?:very\s+)?$")
RX_EXTENT_RIGHT = re.compile(r"\s+(?:extent|degree)\b")
# "the results ... are rather impressive": a verdict on the paper's own result
RX_PRED_RESULT_LEFT = re.compile(
    rf"\b(?:{STRONG_ONLY_NOUN}|accuracy|findings?|outcomes?)\b[^.;:,]{{0,40}}?"
    r"\s+(?:is|are|was|were|seems?|appears?)\s+"
    r"(?:(?:very|quite|rather|truly|really|particularly)\s+)?$"
)
PRED_RESULT_ADJ = words("impressive remarkable striking")
COPULA_STARTS = ("is ", "are ", "was ", "were ")
# "superior performance over state-of-the-art methods": a best-in-class claim
RX_SUPERIOR_SOTA = re.compile(
    r"superior\s+(?:[\w-]+\s+)?(?:over|to)\s+(?:the\s+)?(?:(?:current|existing|previous|other)\s+)?"
    r"(?:state[- ]of[- ]the[- ]art|sota)\b"
)
RX_ARTICLE_LEFT = re.compile(r"\b(?:the|a|an|this|these|such)\s+$")
RX_ONLY_LEFT = re.compile(r"(?<![\w-])only\s+$")
RX_MUCH_FWD = re.compile(
    r"\s+(?P<head>(?:more|less)\s+[\w-]+|better|worse|higher|lower|faster|slower|smaller|"
    r"larger|bigger|greater|fewer|superior|inferior|stronger|weaker|cheaper|"
    r"exceed(?:s|ed|ing)?|outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?|beyond)\b"
)
RX_MUCH_LEFT_EXCLUDED = re.compile(r"(?:\bso|\bthus|\bas|\bhow|\btoo|\bvery)\s+$")
RX_FAR_FROM_FWD = re.compile(r"\s+from\s+(?P<head>\w+ing)\b")
RX_MARGIN_LEFT = re.compile(
    r"(?<![\w-])(?:by|with)\s+(?:a\s+)?(?P<adj>large|wide|substantial|significant|considerable|"
    r"huge|clear|big|notable|great|remarkable|small|slight|narrow|thin|tiny)\s+$"
)
RX_DEPEND_FWD = re.compile(
    r"\s+(?P<head>dependent|depend(?:s|ed|ing)?|dependence)\s+(?:up)?on\b"
    r"|\s+(?P<sens>sensitive)\s+to\b"
)
RX_NEG_DO = re.compile(
    r"(?:(?:do|does|did)\s+not|(?:doesn|don|didn)['\u2019]t)\s+"
    r"(?:(?!necessarily)\w+ly\s+|really\s+)?"
    r"(?:improve|enhance|help|boost|benefit|outperform|increase|lead\s+to\s+(?:any\s+)?"
    r"(?:better|improved|improvements?|gains?))\b"
)
RX_NEG_DO_LEFT = re.compile(r"(?<![\w-])(?:do|does|did)\s+$")
RX_NEG_FAIL = re.compile(r"fail(?:s|ed)?\s+to\s+(?:improve|outperform|enhance|help)\b")
RX_NEG_NO = re.compile(
    r"no\s+(?:(?:statistically\s+)?(?:significant|meaningful|substantial|notable|noticeable|"
    r"measurable|clear|consistent|appreciable|real)\s+)?"
    r"(?:improvements?|gains?|benefits?|differences?|advantages?)\b"
)
# "without consistent gains": a gain denied (but "without significant overhead" is a claim)
RX_NEG_WITHOUT = re.compile(
    r"without\s+(?:any\s+)?(?:(?:statistically\s+)?(?:significant|meaningful|substantial|"
    r"notable|noticeable|measurable|clear|consistent|appreciable|real)\s+|any\s+)"
    r"(?:improvements?|gains?|benefits?|advantages?)\b"
)
RX_NEG_EVIDENCE = re.compile(
    r"evidence\s+(?:that|confirming|showing|of|for)\b[^.;,]{0,120}?"
    r"\b(?:better|outperform\w*|improve\w*|superior)\b"
)
RX_NEG_EVIDENCE_LEFT = re.compile(
    r"(?:(?<![\w-])no|(?:did|do|does)\s+not\s+find|not\s+find|not\s+found|(?<![\w-])any)\s+$"
)
# "none of our extensions (conclusively) outperform the baselines"
RX_NEG_NONE = re.compile(
    r"none\s+of\s+(?:the\s+|our\s+|these\s+|its\s+)?[\w-]+(?:\s+[\w-]+){0,2}?\s+"
    r"(?:\w+ly\s+)?(?:outperform\w*|improve\w*|beat\w*|surpass\w*)\b"
)
RX_NEG_NOT_BETTER = re.compile(
    r"not\s+(?:(?:significantly|substantially|meaningfully|much|consistently)\s+)?"
    r"(?:(?:better|superior)\s+than\b|(?:beneficial|helpful)\b)"
)
RX_BE_LEFT = re.compile(r"(?<![\w-])(?:is|are|was|were)\s+$")
RX_SOTA_FWD = re.compile(
    r"(?:states?[- ]of[- ]the[- ]arts?|sota)(?![\w-])"
    r"(?![\w-]*\s+(?:baselines?|methods?|models?|systems?|approaches|algorithms?|"
    r"architectures?|detectors?|techniques?|works?))"
)
# the verbs of a result claimed ("achieves state-of-the-art", "obtains the best accuracy")
_CLAIM_VERB = r"achiev\w*|attain\w*|obtain\w*|deliver\w*|reach\w*"
_BUT_OURS = r"\b(?:while|whereas|but)\s+(?:our|we|ours)\b"  # "..., while our model ..."
RX_SOTA_LEFT = re.compile(
    rf"\b(?:{_CLAIM_VERB}|set|sets|setting|establish\w*|"
    r"yield\w*|new|becom\w*|is|are|has|have|giv(?:e|es|ing)|produc\w*|demonstrat\w*|"
    r"show(?:s|ing)?|results?\s+in|leads?\s+to)\s+(?:(?:a|an|the)\s+)?(?:new\s+)?(?:\w+\s+)?$"
)
RX_SOTA_BASELINE = re.compile(
    r"\b(?:previous|prior|existing|other|current|strong|compared|over|than|outperform\w*|"
    r"surpass\w*|beat\w*|rival\w*|match\w*|against|upon|with|to|advance|advancing|even|"
    r"competitive|comparable|close)\s+(?:(?:a|an|the|new)\s+)*(?:\w+\s+)?$"
)
# "achieves the best performance", "obtains the highest overall accuracy": a best-in-class
# claim about the paper's own result (anchored after "best"/"highest")
RX_TOP_FWD = re.compile(
    r"\s+(?:(?:overall|average|quantitative|mean|performance|detection|classification|"
    r"segmentation|retrieval|zero-shot|f1|test)\s+){0,2}"
    r"(?P<head>performance|accuracy|results?|scores?|f1|auc|success\s+rates?|win\s+rates?"
    r"|[\w-]+\s+trade[- ]?offs?)\b"
)
# "exhibits the lowest energy consumption", "has ... and the fastest inference speed": a
# best-in-class claim about a cost
RX_TOP_COST_FWD = re.compile(
    r"\s+(?:(?!validation|val|training\s+loss)[\w-]+\s+)??"
    r"(?P<head>speed|latency|energy\s+consumption|consumption|costs?|memory"
    r"|error(?:\s+rates?)?|runtime|inference\s+time|training\s+time|footprint)\b"
)
RX_TOP_COST_LEFT = re.compile(
    rf"(?<!\bwhich\s)(?<!\bthat\s)(?<!\bwho\s)"
    rf"\b(?:{_CLAIM_VERB}|exhibit\w*|has|have|show(?:s|ed|ing)?|offer\w*|provid\w*|record\w*)"
    r"\b[^.;,]{0,60}?\bthe\s+$"
)
# a best-in-class cost claim about another system: "among (the) baselines, X has the lowest",
# "..., while ours ..."; "among all baselines" after the claim is the paper's own
RX_TOP_COST_OTHERS_LEFT = re.compile(
    r"\bamong\s+(?:the\s+)?(?:baselines?|existing|prior|previous)\b"
)
RX_TOP_COST_OTHERS_RIGHT = re.compile(_BUT_OURS)
# "near-lossless compression": a family of codecs, not a negligible loss
RX_LOSSLESS_TERM = re.compile(
    r"\s+(?:image\s+|video\s+|audio\s+|data\s+|text\s+)?"
    r"(?:compression|codecs?|coding|encoding|encoders?|decoding|reconstruction)\b"
)
# "rank first the candidates", "X ranks first, followed by Y": no best-in-class claim
RX_RANK_FIRST_NOT = re.compile(
    r"\s+(?:the|a|an|all|each|every|candidates?)\b|\s*,?\s+followed\s+by\b"
)
# "avoids the sharp drop", "which causes a sharp degradation": a baseline's sharp change
RX_SHARP_OTHERS_LEFT = re.compile(
    r"\b(?:avoid\w*|prevent\w*|mitigat\w*|eliminat\w*|without|unlike|caus\w*|suffer\w*|"
    r"prone\s+to|observed)\b[^.;]{0,40}$"
)
RX_TOP_LEFT = re.compile(rf"\b(?:{_CLAIM_VERB}|record\w*|gets?)\s+the\s+$")
# a best-in-class claim about someone else: "among the baselines", "..., while our model ..."
RX_TOP_OTHERS = re.compile(
    r"\bamong\s+(?:the\s+)?(?:baselines?|existing|prior|previous|other)\b|\bbaselines?\b"
    rf"|{_BUT_OURS}"
)
# "sets new benchmarks", "establishes a new benchmark in X": a best-in-class claim, as a new
# state of the art (not "we introduce a new benchmark": a dataset); left of "benchmark(s)"
RX_NEW_BENCHMARK_LEFT = re.compile(
    r"\b(?:set|sets|setting|establish(?:es|ed|ing)?)\s+(?:a\s+)?(?:new|novel)\s+$"
)
# ... but not a benchmark the paper builds: "we establish a new benchmark, SciFlow, for
# evaluating ...", "set a new benchmark for code completion with 3,000 tasks"
RX_NEW_BENCHMARK_BUILT = re.compile(
    r"\s*(?:,|\(|:|that\b|which\b|to\s+(?:evaluat|assess|measur|test|stud)\w*"
    r"|for\s+(?:the\s+)?(?:evaluat|assess|measur|test|benchmark|stud|analy)\w*)"
    r"|[^.;]{0,80}?\bwith\s+(?:over\s+|more\s+than\s+)?\d[\d,.]*k?\s+(?:tasks|questions|problems|"
    r"examples|samples|instances|items|images|videos|queries|prompts|dialogues|documents)\b"
)
# "ranks (the) 1st place", "won first place": a best-in-class result (anchored at the ordinal)
RX_PLACE_FWD = re.compile(r"\s+place\b")
# "rank(s) first among ...", without "place" (a ranking verb right before the ordinal)
RX_RANK_FIRST_LEFT = re.compile(r"\brank(?:s|ed)?\s+$")
# "near-lossless acceleration", "nearly lossless accuracy": a negligible loss
RX_NEAR_LOSSLESS_LEFT = re.compile(r"\b(?:nearly|almost|virtually)\s+$")
RX_WORD_AFTER = re.compile(r"\s+[\w-]+")  # the word a cue qualifies ("lossless accuracy")
RX_PLACE_LEFT = re.compile(
    r"\b(?:rank\w*|won|wins?|winning|took|takes|secur\w*|achiev\w*|claim\w*|obtain\w*)"
    r"\s+(?:the\s+)?$"
)
RX_BEST_FWD = re.compile(
    r"\s+(?P<head>sensitive|accurate|efficient|cost-effective|robust|effective|precise|powerful|"
    r"capable|performant)\b"
)
RX_BEST_TARGET = re.compile(
    r"\b(?:with|to|than|against|over|versus|vs\.?|outperform\w*|surpass\w*|beat\w*|"
    r"match\w*|rival\w*|behind|of)\s+(?:the\s+)?$"
)
RX_ONLY_NUM = re.compile(
    r"(?:only|just|merely)\s+(?:(?:a|an|about|approximately|approx\.?|around|roughly|~)\s*)?"
)
RX_ONLY_EFFECT_RIGHT = re.compile(rf"(?:\s+[\w-]+){{0,2}}?\s+(?:{EFFECT_NOUN}|{COMP})\b")
RX_ONLY_OF_RIGHT = re.compile(r"\s*(?:of|out\s+of)\b")
# "a gap of only 0.6 points", "the speedup is only 1.1x": an effect noun owns the number
RX_ONLY_NOUN_LEFT = re.compile(
    rf"\b{EFFECT_NOUN}(?:\s+(?:\w+\s+){{0,3}}?(?:is|are|was|were|remains?|stays?)|\s+of)\s+$"
)
# "only 1.1x", "only 2 times higher": a factor stated as a minimised effect
RX_ONLY_RATIO_RIGHT = re.compile(
    rf"(?:\s*(?:to|-)\s*\d+(?:\.\d+)?)?\s*(?:x|\u00d7|times)\s+{COMP}\b"
)
RX_ONLY_VERB_LEFT = re.compile(
    rf"\b(?:by|{EFFECT_VERB}|los(?:e|es|t|ing)|add(?:s|ed|ing)?|costs?|incur(?:s|red|ring)?)\s+$"
)
# "improves F1 by 2.1 points, a significant improvement": an appositive cue after the number
RX_APPOSITIVE_GAP = re.compile(r"[^,;:.()\d]{0,25},\s*(?:i\.e\.,?\s*)?")
# "no significant gain", "without substantial overhead" (but not "not only significantly")
RX_NEGATED_LEFT = re.compile(
    r"\b(?:not|no|nor|neither|never|n't|without)\s+(?!only\b|just\b|merely\b)(?:\w+\s+)?$"
)
# "marginal" as a term of art, not a size word: "maximal marginal relevance", "marginal
# likelihood / distribution / probability / density / utility"
RX_MARGINAL_TERM = re.compile(
    r"\s+(?:relevance|likelihoods?|distributions?|probabilit(?:y|ies)|densit(?:y|ies)|"
    r"utilit(?:y|ies)|posteriors?|log-likelihoods?|coverage)\b"
)
RX_CONDITION_RIGHT = re.compile(
    r"(?:\s+[\w-]+){1,3}?\s+(?:tends?|leads?|results?|causes?|yields?|helps?|induces?|"
    r"correlates?|improves?|enables?|allows?|makes?|reduces?|increases?)\b"
)
# "small changes in the seed lead to ...": a size word on a cause, not on an effect
RX_CAUSE_RIGHT = re.compile(
    r"(?:\s+(?:in|of|to)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?)?\s+(?:can\s+|may\s+|often\s+|"
    r"could\s+)?(?:lead|leads|led|cause|causes|caused|result|results|resulted|induce|induces|"
    r"induced|trigger|triggers|triggered)\b"
)
RX_ENTITY_RIGHT = re.compile(rf"(?:[\s-]+\w+)?[\s-]+{ENTITY}\b")
RX_ENTITY_NEXT = re.compile(rf"[\s-]+{ENTITY}\b")
RX_LOSS_TECH = re.compile(
    r"\s*(?:function|functions|landscape|terms?|surface|weighting|layers?|curves?)\b"
)
RX_CHANGE_TO = re.compile(r"\s+(?:to|in\s+(?:the\s+)?(?:input|prompts?|data|hyperparameters?))\b")
# names the authors give their method: "(DeepCache)", "called MMPO", "we propose CompA"
RX_OWN_NAME = re.compile(
    r"\((?P<a>[A-Z][\w-]*[A-Z][\w-]*)\)|(?:called|named|dubbed|termed|coined)\s+"
    r"(?P<b>[A-Z][\w-]*[A-Z0-9][\w-]*)|\b(?:propose|introduce|present)\s+(?P<c>[A-Z][\w-]*[A-Z0-9]"
    r"[\w-]*)"
)
# a clause starts after these, for the prior-work check of a cue
CLAUSE_OPENERS = (", ", "; ", " which ", " while ", " whereas ")
# a sentence that opens with these continues about the method just introduced
ANAPHORIC_OPENERS = (
    "it ",
    "this ",
    "these ",
    "such ",
    "the proposed",
    "the resulting",
    "the method",
    "the approach",
    "the model",
    "the framework",
    "the system",
    "the algorithm",
)
RX_THE_LEFT = re.compile(r"\bthe\s+$")

# --------------------------------------------------------------------------------------------
# Context markers (paper level), tested per sentence on the token set first
# --------------------------------------------------------------------------------------------

OWN_WORDS = words("we our ours us here herein")
THIS_NOUNS = words(
    "paper work study article survey thesis report note letter manuscript analysis "
    "investigation research project benchmark dataset method approach framework model technique "
    "algorithm system"
)
RX_THIS_OWN = re.compile(rf"\bthis\s+{alt(' '.join(THIS_NOUNS))}\b")
RESULT_SUBJ = words(
    "experiments experiment experimental results evaluation evaluations analysis analyses "
    "findings simulations simulation ablations ablation"
)
SHOW_VERBS = words(
    "show shows demonstrate demonstrates indicate indicates suggest suggests reveal reveals "
    "confirm confirms validate validates"
)
RX_RESULTS_SHOW = re.compile(
    r"\b(?:experiments?|experimental\s+results|results|evaluations?|analys[ie]s|findings|"
    r"simulations?|ablations?)\s+(?:on\s+[^.;]{0,60}?)?"
    r"(?:show|shows|demonstrate|demonstrates|indicate|indicates|suggest|suggests|reveal|"
    r"reveals|confirm|confirms|validate|validates)\b"
)
INTRO_VERBS = words(
    "propose proposes proposed present presents presented introduce introduces introduced"
)
RX_OWN_INTRO_VERB = re.compile(
    r"(?<!been\s)(?<!were\s)(?<!are\s)"
    r"\b(?:propose[sd]?|present(?:s|ed)?|introduce[sd]?)\b"
)
# The contribution statement: literal anchors, each with the pattern matched at it.
CONTRIB_ANCHORS = (
    ("in this ", re.compile(r"in\s+this\s+(?:paper|work|study|article|letter|note)\b")),
    ("within this ", re.compile(r"within\s+this\s+(?:paper|work|study|article)\b")),
    (
        "this ",
        re.compile(
            r"this\s+(?:paper|work|study|article)\s+(?:proposes|introduces|"
            r"presents|develops)\b"
        ),
    ),
    ("we ", re.compile(r"we\s+(?:propose|introduce|present|develop|design|put\s+forward)\b")),
    ("here", re.compile(r"here,?\s+we\b")),
)
FINDING_WORDS = words(
    "find found show showed observe observed discover discovered demonstrate demonstrated "
    "reveal revealed identify identified notice noticed confirm confirmed findings "
    "investigation analysis analyses experiments results study evaluation observations"
)
RX_OWN_FINDING = re.compile(
    r"\b(?:we|our)\s+(?:\w+\s+){0,3}?(?:find|found|show|showed|observe|observed|discover|"
    r"discovered|demonstrate|demonstrated|reveal|revealed|identify|identified|notice|noticed|"
    r"confirm|confirmed)\b|"
    r"\bour\s+(?:findings|investigation|analysis|analyses|experiments|results|study|"
    r"evaluation|observations)\b"
)
PRIOR_TRIGGERS = words(
    "previous previously prior existing recent recently traditional traditionally conventional "
    "conventionally has have past earlier literature al"
)
# "(?<![\w-])(?:previous(?:ly)?|prior\s+(?:work|...)|existing\s+(?:...)|...)", written with
# the alternatives grouped by their first character and that character first ("p(?<![\w-]p)"
# is "(?<![\w-])p"): the regex engine then jumps to those characters instead of trying the
# lookbehind at every position (the same matches; order kept within each group)
RX_PRIOR = re.compile(
    r"p(?<![\w-]p)(?:revious(?:ly)?|rior\s+(?:work|works|studies|research|methods|approaches|"
    r"art|literature|efforts)|ast\s+work)"
    r"|e(?<![\w-]e)(?:xisting\s+(?:work|works|methods?|approaches|studies|techniques|"
    r"models|systems|literature|solutions|algorithms|baselines|frameworks|pipelines)"
    r"|arlier\s+(?:work|works|studies)|t\s+al\b)"
    r"|r(?<![\w-]r)(?:ecent(?:ly)?\s+(?:work|works|studies|research|years|advances|progress|"
    r"approaches|methods|efforts|literature)|ecently)"
    r"|t(?<![\w-]t)(?:raditional(?:ly)?|he\s+literature)"
    r"|c(?<![\w-]c)onventional(?:ly)?"
    r"|h(?<![\w-]h)(?<!it\sh)(?<!we\sh)(?:as|ave)\s+(?:been\s+)?(?:shown|demonstrated|reported|"
    r"proven|seen|gained|emerged|attracted|enjoyed|received)"
    r"|\((?<![\w-]\()\s*[a-z][^()]{0,60}?(?:19|20)\d\d[a-z]?\s*\)"
)
COMPARE_WORDS = words(
    "compared comparison than over relative versus vs against upon beyond outperform "
    "outperforms outperformed outperforming surpass surpasses surpassed surpassing beat beats "
    "beating exceed exceeds exceeded exceeding"
)
CONJ_WORDS = words(
    "conjecture conjectures conjectured hypothesize hypothesizes hypothesized hypothesise "
    "hypothesises hypothesised hypothesis hypotheses speculate speculates speculated expect"
)
RX_CONJECTURE = re.compile(
    r"\b(?:conjectur\w*|hypothesi[sz]\w*|speculat\w*|we\s+expect|it\s+is\s+expected|"
    r"natural\s+to\s+expect)\b"
)
PROBLEM_WORDS = words(
    "suffer suffers suffering bottleneck bottlenecks prohibitive prohibitively drawback "
    "drawbacks obstacle obstacles struggle struggles hinder hinders hindering"
)
RX_HYPOTHETICAL_LEFT = re.compile(
    r"\b(?:may|might|could|would|should|potentially|possibly|hope|hopefully)\s+"
    r"(?:[\w-]+\s+){0,2}$"
)
# RX_HYPOTHETICAL_LEFT matches only where one of these occurs
HYPOTHETICAL_PARTS = ("may", "might", "ould", "potential", "possibl", "hope")
RX_ASPIRATION_LEFT = re.compile(
    r"\b(?:aims?|aimed|aiming|goal\s+is|in\s+order|seeks?|sought|strives?|designed|intended|"
    r"potential|hope|wish|wants?)\s+to\s+(?:[\w-]+\s+){0,1}$"
)

# --------------------------------------------------------------------------------------------
# Numbers and clause boundaries (local level)
# --------------------------------------------------------------------------------------------

RX_NUMBER = re.compile(
    r"(?<![\w.])[+\-\u2212\u00b1~<>\u2264\u2265]?\s?(?:pm)?\d+(?:[.,]\d+)*"
    r"(?P<unit>\s?(?:\\?%|percent\b|x\b|\u00d7|times\b|-?fold\b|pp\b|points?\b))?"
    r"|(?<![\w-])(?P<word>twice|double[sd]?|triple[sd]?|half|one[- ]third|"
    r"orders?\s+of\s+magnitude)\b"
)
RX_FACTOR_LEFT = re.compile(r"\bfactor\s+(?:of\s+)?(?:up\s+to\s+)?$")
LIST_VERBS = (
    r"(?:improves?|improved|reduces?|reduced|increases?|increased|achieves?|achieved|"
    r"outperforms?|outperformed|runs|trains|yields?|yielded|leads?|led|obtains?|obtained|"
    r"attains?|attained|boosts?|boosted|cuts?|lowers?|lowered|raises?|raised|speeds?|"
    r"accelerates?|decreases?|decreased|requires?|required|uses?|used|enables?|enabled|"
    r"delivers?|delivered|provides?|provided|shows?|showed|exhibits?|performs?|performed|"
    r"surpasses?|surpassed|matches?|matched|reaches?|reached|is|are|was|were|has|have|had|"
    r"offers?|brings?|gives?|doubles?|doubled|halves?|halved|generalizes?|generalises?|"
    r"maintains?|retains?|preserves?|scales?|remains?|costs?|incurs?|consumes?|saves?)"
)
# Clause boundaries: ";", " - ", " \u2014 ", ", but/while/...", " but/whereas/... ", " as the/it
# ...", " and/or <verb>". Written with the first character (";", "," or whitespace) taken
# first and the alternatives picked by a lookbehind on it, so that the search only stops at
# those characters; the matches are those of the plain alternation.
RX_BOUNDARY = re.compile(
    r"[;,\s](?:(?<=;)|(?<=\s)--?\s|(?<=\s)\u2014\s"
    r"|(?<=,)\s+(?:but|while|whereas|yet|although|though|however|we|they|it|this|these|those|"
    r"our|thus|hence|so|whilst|whereby|instead)\b"
    r"|(?<=\s)\s*(?:but|whereas|while|whilst|although|though|yet)\s+"
    r"|(?<=\s)\s*as\s+(?=(?:the|a|an|its|their|our|it|they|we|this|these|those|such)\b|"
    r"(?:[\w-]+\s+){1,3}(?:is|are|was|were|remains?|remained|becomes?|stays?|grows?)\b)"
    rf"|(?<=\s)\s*(?:and|or)\s+(?=(?:also\s+|then\s+)?{LIST_VERBS}\b))"
)
RX_SUBORD_OPEN = re.compile(
    r"(?:(?:^|[,;:]\s*|\bthat\s+)(?:if|when|since|because|whether)|"
    r"(?<![\w-])(?:while|whilst|although|though|whereas|unlike|despite))\b"
)
RX_TIGHT_GAP = re.compile(
    r"\s*(?:[(\[]\s*)?(?:(?:of|by|at|to|a|an|about|approximately|approx\.?|around|roughly|"
    r"nearly|almost|over|more\s+than|less\s+than|up\s+to|upto|only|just|merely|factor|"
    r"(?:a\s+)?factor\s+of|as\s+much\s+as|as\s+little\s+as|~|<|>|\u2264|\u2265)\s*){0,5}"
)
RX_CHAIN_GAP = re.compile(r"[^;:]{0,45}")
RX_WORD_AHEAD = re.compile(r"\s*\S+")
RX_WORD_BEHIND = re.compile(r"\S+\s*$")

# --------------------------------------------------------------------------------------------
# marginal_sense
# --------------------------------------------------------------------------------------------

RX_MARGIN_WORD = re.compile(
    r"margin(?:s|al|als|ally|ality|alities|ali[sz]ation|ali[sz]ations|"
    r"ali[sz]e[sd]?|ali[sz]ing)?\b"
)
RX_STATS_NEXT = re.compile(
    r"[\s-]+(?:log[\s-]+)?(?:likelihoods?|distributions?|probabilit(?:y|ies)|densit(?:y|ies)|"
    r"posteriors?|log-likelihoods?|means?|variances?|inference|map|entropy|entropies|polytopes?|"
    r"independence|priors?|covariances?|kernels?|estimators?|estimates?|models?|moments?|"
    r"quantiles?|marginals?|maximum|maximi[sz]ation|laws?|measures?|coverage|calibration|"
    r"structure|statistics?|cdfs?|pdfs?|score\s+matching)\b"
)
RX_SIZE_NEXT = re.compile(
    rf"[\s-]+(?:[\w-]+\s+)?(?:{EFFECT_NOUN}|returns|role|usefulness|relevance|importance)\b"
)
RX_OTHER_AFTER_MARGINALLY = re.compile(
    r"\s+(?:stable|stability|stabl\w*|unstable|bound(?:ed)?|ignored|overlooked|explored|"
    r"studied|considered|addressed|investigated|examined|discussed|touched|mentioned|covered|"
    r"known|related|involved|represented|included|noticed|acknowledged|attended|treated)\b"
)
RX_STATS_AFTER_MARGINALLY = re.compile(
    r"\s+(?:statistically\s+)?(?:significant|insignificant|"
    r"non-significant|nonsignificant)\b"
)
RX_PRED_MARGINAL = re.compile(
    r"\b(?:is|are|was|were|remains?|remained|be|being|been|seems?|appears?|proved|"
    r"proves|stays?|stayed|only|at\s+best|mostly|largely|rather|relatively|very|quite)\s+$"
)
RX_TERM_BEFORE_MARGINAL = re.compile(r"\b(?:maximal|maximum|max)[\s-]+$")
RX_OTHER_NEXT_MARGINAL = re.compile(r"[\s-]+(?:stability|stable|cases?|notes?|zones?)\b")
RX_SOCIAL_NEXT = re.compile(
    r"\s+(?:groups?|communit(?:y|ies)|populations?|people|individuals|languages?|voices|users|"
    r"identities|students|workers)\b"
)
