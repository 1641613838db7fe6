"""Hedge classification: paper-level cues and exclusions, marginal_sense, local scope, and the
dev-gold floors (tests/data/eval/dev + config/corpus/hf-trending-marginal.txt)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marginalia.extract.hedges import (
    HEDGE_CLASSES,
    LOCAL_CLASSES,
    MARGINAL_SENSES,
    local_hedge,
    marginal_sense,
    paper_hedge,
)
from marginalia.text.sentences import split_sentences

# An own-work opening, so that the sentence under test is not background.
OWN = "We propose FooNet, a new method for image classification. "


def hedge_of(abstract: str, title: str = "A title") -> str:
    return paper_hedge(title, abstract)[0]


# --------------------------------------------------------------------------------------------
# Paper level: cue classes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected", "span"),
    [
        # adverb + effect verb / comparative
        ("FooNet significantly outperforms all baselines.", "strong", "significantly outperforms"),
        ("Our method dramatically reduces training time.", "strong", "dramatically reduces"),
        ("FooNet runs considerably faster than ResNet.", "strong", "considerably faster"),
        ("FooNet marginally improves accuracy.", "marginal", "marginally improves"),
        ("FooNet performs only slightly better than ResNet.", "marginal", "only slightly better"),
        # adjective + effect noun (with pre-head modifiers)
        ("Our results show substantial accuracy gains.", "strong", "substantial accuracy gains"),
        ("We observe a dramatic reduction in memory use.", "strong", "a dramatic reduction"),
        ("We observe small improvements on CIFAR-10.", "marginal", "small improvements"),
        ("FooNet adds negligible overhead.", "marginal", "negligible overhead"),
        ("Our approach brings little to no improvement.", "marginal", "little to no improvement"),
        # predicative and postposed
        ("The improvement is marginal.", "marginal", "The improvement is marginal"),
        (
            "The gains over ResNet are significant.",
            "strong",
            "The gains over ResNet are significant",
        ),
        ("FooNet improves recall significantly.", "strong", "improves recall significantly"),
        (
            "Accuracy improved, sometimes dramatically.",
            "strong",
            "improved, sometimes dramatically",
        ),
        # negated improvement / negated strong cue
        (
            "FooNet does not meaningfully improve accuracy.",
            "marginal",
            "does not meaningfully improve",
        ),
        (
            "We find no significant difference between the variants.",
            "marginal",
            "no significant difference",
        ),
        (
            "We find no evidence that FooNet is better than ResNet.",
            "marginal",
            "no evidence that FooNet is better",
        ),
        (
            "FooNet doubles throughput without significant loss in accuracy.",
            "marginal",
            "significant loss",
        ),
        # phrases and best-in-class claims
        ("FooNet beats ResNet by a large margin.", "strong", "by a large margin"),
        ("FooNet performs much better than ResNet.", "strong", "much better"),
        ("Accuracy is highly dependent on the seed.", "strong", "highly dependent"),
        ("We are still far from matching human accuracy.", "strong", "far from matching"),
        (
            "FooNet achieves state-of-the-art results on ImageNet.",
            "strong",
            "achieves state-of-the-art",
        ),
        ("FooNet sets a new state of the art on COCO.", "strong", "sets a new state of the art"),
        ("It achieves strong performance across tasks.", "strong", "strong performance"),
        ("Our analysis shows FooNet is the most accurate detector.", "strong", "the most accurate"),
        (
            "FooNet achieves the best overall accuracy on all six sets.",
            "strong",
            "achieves the best overall accuracy",
        ),
        ("FooNet ranked the 1st place in the shared task.", "strong", "ranked the 1st place"),
        # "sets new benchmarks": a new state of the art in other words
        ("FooNet sets new benchmarks on three detection suites.", "strong", "sets new benchmarks"),
        (
            "With it we establish a new benchmark in video QA.",
            "strong",
            "establish a new benchmark",
        ),
        # predicative "pronounced" after "is especially" / "becomes even more"
        (
            "The gain is especially pronounced on long documents.",
            "strong",
            "The gain is especially pronounced",
        ),
        (
            "Its advantage over pruning becomes even more pronounced at 90% sparsity.",
            "strong",
            "advantage over pruning becomes even more pronounced",
        ),
        # near-lossless: a negligible loss
        (
            "FooNet gives near-lossless acceleration of decoding.",
            "marginal",
            "near-lossless acceleration",
        ),
        (
            "FooNet keeps nearly lossless accuracy at 3 bits.",
            "marginal",
            "nearly lossless accuracy",
        ),
        # best-in-class in other words
        ("Models with FooNet rank first among all MLP baselines.", "strong", "rank first"),
        (
            "FooNet achieved the highest average test accuracy on CIFAR-10.",
            "strong",
            "achieved the highest average test accuracy",
        ),
        (
            "FooNet exhibits the lowest energy consumption on phones.",
            "strong",
            "the lowest energy consumption",
        ),
        ("FooNet has the fastest inference speed of all.", "strong", "the fastest inference speed"),
        ("FooNet shows strong scalability across data sizes.", "strong", "strong scalability"),
        # "sharp" on a change noun, like "sharply"; "slightly" on "impacting", like "affecting"
        (
            "Harder prompts reveal sharp accuracy drops on FooBench.",
            "strong",
            "sharp accuracy drops",
        ),
        (
            "FooNet helps rare classes while slightly impacting frequent ones.",
            "marginal",
            "slightly impacting",
        ),
        # a minimising "only"/"just" on a number counts for the paper too
        ("FooNet loses only 0.3 mIoU at half the FLOPs.", "marginal", "only 0.3"),
        ("FooNet doubles speed with an accuracy loss of just 0.2%.", "marginal", "just 0.2%"),
        (
            "FooNet shows only a 0.4% AUROC degradation.",
            "marginal",
            "only a 0.4% AUROC degradation",
        ),
        (
            "We find that accuracy is highly sensitive to the prompt format.",
            "strong",
            "highly sensitive",
        ),
        ("We find a strong dependence of recall on depth.", "strong", "a strong dependence"),
        ("FooNet significantly saves 40% memory.", "strong", "significantly saves"),
        (
            "FooNet cuts token usage and computational cost significantly.",
            "strong",
            "cuts token usage and computational cost significantly",
        ),
        (
            "FooNet achieves the best quality-latency trade-off.",
            "strong",
            "achieves the best quality-latency trade-off",
        ),
        (
            "FooNet has negligible (-0.05 SSIM) degradation.",
            "marginal",
            "negligible (-0.05 SSIM) degradation",
        ),
        (
            "None of our variants reliably outperform the baseline.",
            "marginal",
            "None of our variants reliably outperform",
        ),
        (
            "We do not find evidence showing that pretraining gives superior recall.",
            "marginal",
            "do not find evidence showing that pretraining gives superior",
        ),
        (
            "Recall is significantly influenced by the index size.",
            "strong",
            "significantly influenced",
        ),
        # "negligible"/"minimal" sizing a cost the method adds
        ("The gating block adds negligible parameters.", "marginal", "negligible parameters"),
        ("FooNet incurs minimal extra latency.", "marginal", "minimal extra latency"),
    ],
)
def test_paper_cue_classes(sentence: str, expected: str, span: str) -> None:
    hedge, spans, _ = paper_hedge("A title", OWN + sentence)
    assert hedge == expected
    assert span in spans


def test_both_kinds_make_mixed_and_spans_follow_text_order() -> None:
    abstract = OWN + "FooNet significantly improves accuracy while marginally increasing latency."
    assert paper_hedge("T", abstract) == (
        "mixed",
        ["significantly improves", "marginally increasing"],
        "improvement",
    )


# --------------------------------------------------------------------------------------------
# Paper level: exclusions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "abstract",
    [
        # background before the first own-work sentence / before the contribution statement
        "Large language models have achieved dramatic improvements in reasoning. " + OWN,
        "Recent work has shown large gains from scaling. However, models remain costly. "
        "In this paper, we study pruning on five benchmarks.",
        # prior-work clause inside an own-work sentence
        OWN + "We build on ResNet, which has been shown to significantly improve recall.",
        OWN + "Previous work has shown large improvements from pretraining.",
        # problem / motivation
        OWN + "Existing detectors suffer from substantial computational overhead.",
        # hypotheticals, questions, conjectures, aspirations
        OWN + "Such changes may significantly disadvantage minority groups.",
        OWN + "Can small perturbations dramatically change predictions?",
        OWN + "We conjecture that gains strongly depend on the data.",
        OWN + "We aim to significantly reduce memory.",
        # size words on non-effects
        OWN + "We find a very strong correlation between depth and accuracy.",
        OWN + "We find overwhelming evidence that depth matters.",
        OWN + "We identify significant limitations of current benchmarks.",
        OWN + "The method selects contexts with large uncertainty.",
        OWN + "Modest interventions are applied to the training data.",
        OWN + "We train small models and large models on a large dataset.",
        OWN + "We compare against substantially larger models.",
        OWN + "Questions with a slightly lower likelihood tend to improve diversity.",
        OWN + "Large pretrained models show strong performance on many tasks.",
        # sentence adverb and state-of-the-art naming the baseline
        OWN + "Notably, FooNet improves accuracy by 3%.",
        OWN + "FooNet improves upon the previous state-of-the-art by 2 points.",
        OWN + "FooNet outperforms state-of-the-art methods on ImageNet.",
        # best-in-class wording about a baseline, and "minimal" on a non-cost
        OWN + "We compare with the best accuracy reported by prior work.",
        OWN + "Previous detectors achieve the best accuracy but run slowly.",
        OWN + "FooNet needs minimal supervision.",
        OWN + "None of the variants were tested on video.",
        OWN + "We find no evidence of overfitting, and FooNet improves accuracy by 5.2%.",
        OWN + "None of the baselines handle long inputs while FooNet improves recall by 20%.",
        OWN + "Our experiments show the best performance is obtained with moderate batch sizes.",
        OWN + "Cosine schedules yield the best results when data is scarce.",
        OWN + "Among the baselines, focal loss achieves the best performance, but ours is simpler.",
        OWN + "Existing adapters improve accuracy by only 0.5 points on these tasks.",
        OWN + "It is just as fast with just 3 layers.",
        # a new benchmark that is a dataset, one set by others; "sharp" not on a change
        OWN + "We introduce a new benchmark, FooBench, for table QA.",
        "Prior detectors set new benchmarks on COCO. " + OWN,
        OWN + "The trade-off comes from a sharp threshold in the loss.",
        OWN + "We use lossless compression for the logs.",
        OWN + "We keep the checkpoint with the lowest validation loss.",
        OWN + "Among the baselines, GRU has the lowest latency, but FooNet is more accurate.",
        # mended after a review of round 5
        OWN + "We establish a new benchmark, SciFlow, for evaluating LLM agents.",
        OWN + "We set a new benchmark for code completion with 3,000 tasks.",
        OWN + "We keep the checkpoint that achieves the highest validation accuracy.",
        OWN
        + "Compared with FlashAttention, which has the fastest inference speed, FooNet is exact.",
        "We propose a near-lossless image compression codec for satellites.",
        OWN + "In our study GPT-4o ranks first, followed by Claude and Gemini.",
        OWN + "FooNet avoids the sharp drop in accuracy observed for standard fine-tuning.",
    ],
)
def test_paper_exclusions(abstract: str) -> None:
    assert paper_hedge("A title", abstract) == ("none", [], "absent")


def test_title_claim_rescues_an_opening_sentence() -> None:
    title = "Accuracy can be significantly improved without retraining"
    abstract = "Accuracy can be significantly improved without retraining. We review 20 methods."
    assert hedge_of(abstract, title) == "strong"
    assert hedge_of(abstract, "A survey of post-training methods") == "none"


def test_own_findings_before_the_contribution_statement_count() -> None:
    abstract = (
        "Tool use helps agents. Our investigation reveals that gains significantly decay with "
        "data size. A brute-force fix significantly raises costs. In this paper, we propose X."
    )
    hedge, spans, _ = paper_hedge("T", abstract)
    assert (hedge, spans) == ("strong", ["significantly decay"])


def test_empty_and_missing_text() -> None:
    assert paper_hedge("", "") == ("none", [], "absent")
    assert paper_hedge("Marginal likelihood", "") == ("none", [], "statistics")


# --------------------------------------------------------------------------------------------
# marginal_sense
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        ("T", "FooNet marginally improves accuracy.", "improvement"),
        ("T", "The gains are marginal.", "improvement"),
        ("T", "Directly using BERT has been marginally useful.", "improvement"),
        ("T", "We maximize the marginal likelihood of the data.", "statistics"),
        ("T", "The marginal distributions of the covariates differ.", "statistics"),
        ("Quantifying Infra-Marginality", "We study bias.", "statistics"),
        ("T", "We use Input Marginalization for attribution.", "statistics"),
        ("Writing in the Margins", "A new inference pattern.", "other"),
        ("T", "We train a max-margin classifier.", "other"),
        ("T", "FooNet wins by a substantial margin.", "other"),
        ("T", "Learning marginally stable systems is hard.", "other"),
        ("T", "Existing studies marginally ignored this attribute.", "other"),
        ("T", "The effect was marginally significant (p = 0.06).", "statistics"),
        ("T", "We estimate each player's marginal contribution.", "other"),
        ("T", "Nothing of that family here.", "absent"),
    ],
)
def test_marginal_sense(title: str, abstract: str, expected: str) -> None:
    assert marginal_sense(title, abstract) == expected
    assert paper_hedge(title, abstract)[2] == expected


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        # improvement > statistics > other, over title and abstract together
        ("Writing in the Margins", "It increases overhead marginally.", "improvement"),
        (
            "T",
            "Input Marginalization is popular, but it only marginally reduces accuracy.",
            "improvement",
        ),
        ("Margin Matching", "We maximize the marginal likelihood.", "statistics"),
        ("Marginal Likelihood Training", "The gains are marginal.", "improvement"),
    ],
)
def test_marginal_sense_precedence(title: str, abstract: str, expected: str) -> None:
    assert marginal_sense(title, abstract) == expected


def test_sense_is_independent_of_hedge() -> None:
    abstract = "Using BERT in NMT has been marginally useful. We propose a new method."
    assert paper_hedge("T", abstract) == ("none", [], "improvement")


# --------------------------------------------------------------------------------------------
# Local level
# --------------------------------------------------------------------------------------------


def local(text: str, number: str, nth: int = 0) -> tuple[str, str | None]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(number, start + 1)
    return local_hedge(text, start, start + len(number))


SPEED = "It runs 2.3x faster with only a 0.1 drop in BLEU, and 4x faster with a slight 0.5 drop."


@pytest.mark.parametrize(
    ("text", "number", "expected", "span"),
    [
        # a cue bound to one number ("only a 0.1 drop") does not reach the other conjuncts
        (SPEED, "2.3x", "none", None),
        (SPEED, "0.1", "marginal", "only a 0.1 drop"),
        (SPEED, "4x", "none", None),
        (SPEED, "0.5", "marginal", "slight 0.5 drop"),
        # a cue over a list applies to each number
        (
            "FooNet yields notable improvements of 3.0% on GSM8K and 7.9% on MATH.",
            "7.9%",
            "strong",
            "notable improvements of 3.0%",
        ),
        # a cue stays in its own conjunct / clause
        (
            "FooNet slightly outperforms BERT (<1%), but trains 65% faster.",
            "<1%",
            "marginal",
            "slightly outperforms",
        ),
        ("FooNet slightly outperforms BERT (<1%), but trains 65% faster.", "65%", "none", None),
        ("FooNet significantly improves accuracy and reduces latency by 20%.", "20%", "none", None),
        (
            "While marginally increasing latency by 3%, FooNet improves accuracy by 9%.",
            "3%",
            "marginal",
            "marginally increasing",
        ),
        (
            "While marginally increasing latency by 3%, FooNet improves accuracy by 9%.",
            "9%",
            "none",
            None,
        ),
        (
            "Emissions increase marginally as emissions remain below 1% of 1990 levels.",
            "1%",
            "none",
            None,
        ),
        # a colon or "e.g." carries the cue
        (
            "Post-training has significant benefits: most methods gain more than 5x compute.",
            "5x",
            "strong",
            "significant benefits",
        ),
        (
            "FooNet sets a new state of the art, e.g., 81.2% on STS (+1.1%).",
            "+1.1%",
            "strong",
            "sets a new state of the art",
        ),
        # same sentence only
        (
            "FooNet improves finetuning, sometimes dramatically. It gains 10% on AlpacaEval.",
            "10%",
            "none",
            None,
        ),
        # "only" counts when it minimises the effect
        ("Accuracy drops by only 0.3 points.", "0.3", "marginal", "only 0.3"),
        ("FooNet uses only 10% of the training data.", "10%", "none", None),
        ("We train on only positive data and gain 4%.", "4%", "none", None),
        # the sentence adverb "Notably," and SOTA naming the baseline are not cues
        ("Notably, PPO outperforms DPO by up to 2.5% in math.", "2.5%", "none", None),
        (
            "FooNet improves upon previous state-of-the-art models by +4.58%.",
            "+4.58%",
            "none",
            None,
        ),
        # a cue inside the comparison's own span, and a postposed predicate
        (
            "The improvement is marginal (0.2 BLEU).",
            "0.2",
            "marginal",
            "The improvement is marginal (0.2 BLEU)",
        ),
        (
            "FooNet improves F1 by 2.1 points, a significant improvement over BERT.",
            "2.1",
            "strong",
            "a significant improvement",
        ),
        # the author's word decides, not the size of the number
        (
            "The change marginally affects sensitivity by a factor 2.",
            "2",
            "marginal",
            "marginally affects",
        ),
    ],
)
def test_local_scope(text: str, number: str, expected: str, span: str | None) -> None:
    label, got = local(text, number)
    assert label == expected
    if span is None:
        assert got is None
    else:
        assert got is not None and span in got
        assert got in text


def test_local_cue_inside_the_span() -> None:
    text = "RoBERTa achieves 39.9 F1 - only marginally lower than with its own data (41.0 F1)."
    start = text.index("39.9")
    end = text.index("(41.0 F1)") + len("(41.0 F1)")
    assert local_hedge(text, start, end) == ("marginal", "only marginally lower")


def test_local_span_is_extended_until_unique() -> None:
    text = "FooNet shows significant gains on A. FooNet shows significant gains on B, up to 7%."
    label, span = local(text, "7%")
    assert label == "strong"
    assert span is not None and text.count(span) == 1 and "significant gains" in span


def test_local_bad_offsets_are_none() -> None:
    assert local_hedge("", 0, 1) == ("none", None)
    assert local_hedge("a 5% gain", 5, 2) == ("none", None)
    assert local_hedge("a 5% gain", -1, 3) == ("none", None)
    assert local_hedge("a 5% gain", 0, 99) == ("none", None)


# --------------------------------------------------------------------------------------------
# Sentence splitting
# --------------------------------------------------------------------------------------------


def test_split_sentences_keeps_abbreviations_and_decimals() -> None:
    text = (
        "We use e.g. BERT (Devlin et al., 2019) and get 58.9 vs. 61.7 acc. on XNLI. "
        "It is 2.3 times faster! Does it work? Yes. Code: https://x.io/a.b"
    )
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == [
        "We use e.g. BERT (Devlin et al., 2019) and get 58.9 vs. 61.7 acc. on XNLI.",
        "It is 2.3 times faster!",
        "Does it work?",
        "Yes.",
        "Code: https://x.io/a.b",
    ]
    assert split_sentences("   ") == []


# --------------------------------------------------------------------------------------------
# Dev gold floors
# --------------------------------------------------------------------------------------------


def _corpus_papers(path: Path) -> list[tuple[str, str]]:
    """Title/abstract pairs of the listing file: 2 chrome lines, 'Subscribe' glued to title 1."""
    lines = path.read_text(encoding="utf-8").split("\n")[2:]
    lines[0] = lines[0].removeprefix("Subscribe")
    lines = [line for line in lines if line.strip()]
    return [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]


@pytest.fixture(scope="module")
def dev_gold(data_dir: Path, corpus_path: Path) -> dict:
    dev = data_dir / "eval" / "dev"
    papers = [json.loads(x) for x in (dev / "gold_papers.jsonl").read_text().splitlines() if x]
    effects = [json.loads(x) for x in (dev / "gold_effects.jsonl").read_text().splitlines() if x]
    corpus = _corpus_papers(corpus_path)
    assert len(corpus) == 93
    return {"papers": papers, "effects": effects, "corpus": corpus}


def test_dev_gold_floors(dev_gold: dict) -> None:
    corpus = dev_gold["corpus"]
    hedge_ok = sense_ok = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for gold in dev_gold["papers"]:
        title, abstract = corpus[gold["paper"] - 1]
        assert title == gold["title"]
        hedge, spans, sense = paper_hedge(title, abstract)
        confusion[gold["hedge"], hedge] += 1
        hedge_ok += hedge == gold["hedge"]
        sense_ok += sense == gold["marginal_sense"]
        assert all(span in abstract for span in spans)
    n = len(dev_gold["papers"])
    assert n == 62
    assert hedge_ok / n >= 0.85, confusion
    assert sense_ok / n >= 0.90

    tp = fp = fn = 0
    for gold in dev_gold["effects"]:
        abstract = corpus[gold["paper"] - 1][1]
        start = abstract.index(gold["span"])
        label, span = local_hedge(abstract, start, start + len(gold["span"]))
        assert (label == "none") == (span is None)
        assert span is None or span in abstract
        if label != "none" and label == gold["hedge_local"]:
            tp += 1
        else:
            fp += label != "none"
            fn += gold["hedge_local"] != "none"
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert tp > 0
    assert f1 >= 0.80, (tp, fp, fn)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

_VOCABULARY = (
    "We our the a only marginally slightly significantly substantial small large gains "
    "improvement improves is marginal not no evidence that better than by state-of-the-art "
    "achieves 5% 0.05 2.3x ( ) , ; : . ? e.g. Notably, while but and margin likelihood"
)
_WORDS = st.sampled_from(_VOCABULARY.split())
_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(_WORDS, max_size=60).map(" ".join),
)


@settings(max_examples=150, deadline=None)
@given(_TEXT, st.integers(0, 400), st.integers(0, 400))
def test_arbitrary_text_never_raises_and_spans_are_substrings(text: str, a: int, b: int) -> None:
    hedge, spans, sense = paper_hedge(text[:40], text)
    assert hedge in HEDGE_CLASSES and sense in MARGINAL_SENSES
    assert (hedge == "none") == (not spans)
    assert all(span in text for span in spans)
    label, span = local_hedge(text, min(a, b), max(a, b))
    assert label in LOCAL_CLASSES
    assert (label == "none") == (span is None)
    assert span is None or span in text
    for s, e in split_sentences(text):
        assert 0 <= s < e <= len(text)


# --------------------------------------------------------------------------------------------
# Degree phrases and verdicts (sentences written for these tests)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected", "span"),
    [
        ("The sparse update has negligible or no impact on recall.", "marginal", "negligible"),
        ("FooNet performs remarkably well on every split.", "strong", "performs remarkably well"),
        ("The curriculum improves calibration to a large extent.", "strong", "to a large extent"),
        ("The gains of FooNet are rather impressive.", "strong", "are rather impressive"),
        ("We obtain impressive gains on long documents.", "strong", "impressive gains"),
        (
            "FooNet shows superior accuracy over state-of-the-art detectors in speed.",
            "strong",
            "superior accuracy over state-of-the-art",
        ),
        ("FooNet is markedly faster than the dense baseline.", "strong", "markedly faster"),
    ],
)
def test_degree_phrases_and_verdicts(sentence: str, expected: str, span: str) -> None:
    hedge, spans, _ = paper_hedge("A title", OWN + sentence)
    assert hedge == expected
    assert any(span in s for s in spans), spans


def test_impressive_background_claim_is_excluded() -> None:
    text = (
        "Large language models have shown impressive gains on many tasks. "
        "We study their calibration and propose a new probe."
    )
    assert hedge_of(text) == "none"


def test_local_verdict_after_the_subject_holding_the_number() -> None:
    text = "The finding that a student trained on 2% of the data keeps 88% accuracy is remarkable."
    assert local(text, "88%") == ("strong", "is remarkable")
    # a verdict in another clause does not reach the number
    text = "The student keeps 88% accuracy, but the teacher's speed is remarkable."
    assert local(text, "88%")[0] == "none"


@pytest.mark.parametrize(
    "sentence",
    [
        "FooNet has state-of-the-art error rates on two test sets.",
        "This results in state-of-the-art word error rates.",
    ],
)
def test_sota_claims_with_more_verbs(sentence: str) -> None:
    assert hedge_of(OWN + sentence) == "strong"


@pytest.mark.parametrize(
    "sentence",
    [
        "In our runs the gain of the new schedule is only 1.05x over cosine decay.",
        "FooNet keeps a calibration gap of only 0.4 points between domains.",
        "Encrypted training is only 2 to 3 times slower than plain training.",
    ],
)
def test_only_with_an_effect_number_is_a_paper_level_marginal_cue(sentence: str) -> None:
    assert hedge_of(OWN + sentence) == "marginal"


def test_only_with_a_resource_level_is_not_a_cue() -> None:
    assert hedge_of(OWN + "FooNet is trained on only 12 images per class.") == "none"


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        # a postposed adverb before a parenthesis
        ("Accuracy of all readers degrades sharply (4%-60%) as the documents grow.", "strong"),
        (
            "Careful prompting brings limited, if any, improvements on the rare languages.",
            "marginal",
        ),
        ("The pruner can drastically narrow the candidate set before decoding.", "strong"),
        (
            "Our audit finds a substantial privacy-utility trade-off among current defences.",
            "strong",
        ),
        ("The agent variant raises cost heavily without consistent gains.", "marginal"),
        ("The receiver stands out by considerably extending the usable range.", "strong"),
    ],
)
def test_more_change_verbs_and_nouns_carry_size_words(sentence: str, label: str) -> None:
    assert hedge_of(OWN + sentence) == label


def test_without_denies_only_a_gain() -> None:
    assert hedge_of(OWN + "It trains twice as fast without any loss of accuracy.") == "none"


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("On long inputs accuracy falls precipitously for every reader.", "strong"),
        ("The curriculum gives a marked uptick in sample efficiency.", "strong"),
        ("Rubric wording substantially shifts rater agreement.", "strong"),
        ("We find that the extra retrieval step is not beneficial on noisy queries.", "marginal"),
    ],
)
def test_more_size_words(sentence: str, label: str) -> None:
    assert hedge_of(OWN + sentence) == label


@pytest.mark.parametrize(
    "sentence",
    [
        "Candidates are reranked with maximal marginal relevance and gain 3 points.",
        "We maximise the marginal likelihood and improve recall by 2 points.",
    ],
)
def test_marginal_as_a_term_of_art_is_not_a_cue(sentence: str) -> None:
    assert hedge_of(OWN + sentence) == "none"


def test_material_improvement_is_a_strong_cue() -> None:
    assert hedge_of(OWN + "The retriever brings a material improvement in recall.") == "strong"
