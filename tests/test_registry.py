"""The benchmark registry: config/benchmarks.yaml loads, every entry is sourced, aliases resolve,
and malformed files fail with messages naming the file, the entry and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from marginalia.errors import MarginaliaError
from marginalia.registry import METRIC_KINDS, load_registry, name_key, parse_registry


@pytest.fixture(scope="module")
def registry(repo_dir: Path):
    return load_registry(repo_dir / "config" / "benchmarks.yaml")


GOOD_ENTRY = """
    aliases: [GSM-8K]
    n: 1319
    split: test
    metric_kind: proportion
    scale_max: 100
    item_sd: null
    typical_baseline: null
    source: "dataset card"
"""


def test_registry_has_at_least_40_sourced_entries(registry):
    assert len(registry) >= 40
    for name in registry:
        entry = registry.get(name)
        assert entry["source"].strip(), name
        assert entry["metric_kind"] in METRIC_KINDS, name
        assert entry["scale_max"] > 0, name
        assert entry["n"] is None or (isinstance(entry["n"], int) and entry["n"] > 0), name
        if entry["n"] is None:
            # the reason for the missing size is given in the source text
            assert len(entry["source"]) > 40, name


@pytest.mark.parametrize(
    ("name", "n", "split"),
    [
        ("GSM8K", 1319, "test"),
        ("MATH", 5000, "test"),
        ("MMLU", 14042, "test"),
        ("HumanEval", 164, "test"),
        ("MBPP", 500, "test"),
        ("ARC-Challenge", 1172, "test"),
        ("ARC-Easy", 2376, "test"),
        ("OpenBookQA", 500, "test"),
        ("SIQA", 1954, "validation"),
        ("CommonsenseQA", 1221, "validation"),
        ("Winoground", 400, "test"),
        ("MT-Bench", 80, None),
        ("AlpacaEval", 805, "test"),
        ("RewardBench", 2985, None),
        ("CIFAR-10", 10000, "test"),
        ("CIFAR-100", 10000, "test"),
        ("ImageNet", 50000, "validation"),
        ("WMT14 newstest2014", 3003, None),
        ("CoLA", 1043, "dev"),
        ("SST-2", 872, "dev"),
        ("QQP", 40430, "dev"),
        ("RTE", 277, "dev"),
        ("WNLI", 71, "dev"),
        ("HotpotQA", 7405, None),
    ],
)
def test_reference_sizes(registry, name, n, split):
    entry = registry.get(name)
    assert entry["n"] == n
    if split is not None:
        assert entry["split"] == split


def test_glue_test_sizes_recorded_as_alternative_split(registry):
    assert registry.get("SST-2")["n_alt"] == 1821
    assert registry.get("SST-2")["split_alt"] == "test"
    assert registry.get("MNLI-mm")["n_alt"] == 9847
    assert registry.get("MBPP")["n_alt"] == 257


def test_aggregates_and_unknown_sizes_are_null_with_a_reason(registry):
    for name in ("GLUE", "SuperGLUE", "ARO", "LiveCodeBench"):
        entry = registry.get(name)
        assert entry["n"] is None
    assert "aggregate" in registry.get("GLUE")["source"]
    assert "aggregate" in registry.get("SuperGLUE")["source"]


def test_mt_bench_is_a_mean_score_with_item_sd(registry):
    entry = registry.get("MT-Bench")
    assert entry["metric_kind"] == "mean_score"
    assert entry["scale_max"] == 10
    assert entry["item_sd"] > 0
    assert "ESTIMATE" in entry["source"]


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("GSM-8K", "GSM8K"),
        ("gsm8k", "GSM8K"),
        ("GSM 8K", "GSM8K"),
        ("ARC-C", "ARC-Challenge"),
        ("ARC Challenge", "ARC-Challenge"),
        ("arc_challenge", "ARC-Challenge"),
        ("CIFAR10", "CIFAR-10"),
        ("cifar-100", "CIFAR-100"),
        ("MT Bench", "MT-Bench"),
        ("MT-bench", "MT-Bench"),
        ("HumanEval+", "HumanEval+"),
        ("HumanEval", "HumanEval"),
        ("ImageNet-1k", "ImageNet"),
        ("MNLI", "MNLI-m"),
        ("MNLI-mm", "MNLI-mm"),
        ("SQuAD2.0", "SQuAD v2.0"),
        ("SQuAD", "SQuAD v1.1"),
        ("STS tasks", "STS"),
        ("BBH", "BIG-Bench Hard"),
        ("newstest2014", "WMT14 newstest2014"),
    ],
)
def test_canonical_resolves_aliases(registry, alias, canonical):
    assert registry.canonical(alias) == canonical
    assert alias in registry


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("GSM8K test set", "GSM8K"),
        ("the GSM8K testset", "GSM8K"),
        ("MGSM test split", "MGSM"),
        ("HumanEval benchmark", "HumanEval"),
        ("the HumanEval", "HumanEval"),
        ("the GLUE datasets", "GLUE"),
        ("MNLI-m test set", None),  # a dev-set entry is not its own test set
        ("Unknown test set", None),
        ("dataset", None),
        ("the benchmark", None),
    ],
)
def test_a_known_name_with_a_generic_word_is_its_entry(registry, written, canonical):
    assert registry.canonical(written) == canonical


def test_unknown_names(registry):
    assert registry.canonical("Not A Benchmark") is None
    assert registry.canonical(None) is None
    assert registry.canonical("") is None
    with pytest.raises(KeyError, match="not in the registry"):
        registry.get("Not A Benchmark")


def test_name_key_keeps_plus_apart():
    assert name_key("GSM-8K") == name_key("gsm 8k") == "gsm8k"
    assert name_key("HumanEval+") == "humanevalplus"
    assert name_key("HumanEval+") != name_key("HumanEval")


def test_find_in_running_text(registry):
    text = (
        "gains of 3.0% on GSM8K and 7.9% on MATH, in math tasks, 76.4% on ARC-C, "
        "and on CIFAR-100 and ImageNet-1K; HumanEval+ vs HumanEval; mt bench; MNLI-mm; "
        "CIFAR-10-C is a corruption set; ARC (Challenge) too"
    )
    found = registry.find_in(text)
    names = [c for c, _, _ in found]
    assert names == [
        "GSM8K",
        "MATH",
        "ARC-Challenge",
        "CIFAR-100",
        "ImageNet",
        "HumanEval+",
        "HumanEval",
        "MT-Bench",
        "MNLI-mm",
        "ARC-Challenge",
    ]
    spans = [text[s:e] for _, s, e in found]
    assert spans == [
        "GSM8K",
        "MATH",
        "ARC-C",
        "CIFAR-100",
        "ImageNet-1K",
        "HumanEval+",
        "HumanEval",
        "mt bench",
        "MNLI-mm",
        "ARC (Challenge)",
    ]
    assert registry.find_in("") == []


def test_case_sensitive_entries_need_their_written_case(registry):
    assert registry.find_in("we drop the math record") == []
    assert [c for c, _, _ in registry.find_in("DROP, MATH and ReCoRD")] == [
        "DROP",
        "MATH",
        "ReCoRD",
    ]


def _registry_text(body: str) -> str:
    return "benchmarks:\n" + body


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(MarginaliaError, match="nope.yaml.*does not exist"):
        load_registry(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("benchmarks: [unclosed\n")
    with pytest.raises(MarginaliaError, match=r"bad\.yaml.*not valid YAML"):
        load_registry(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD_ENTRY.replace("    n: 1319\n", ""), r"entry 'GSM8K'.*missing key\(s\) \['n'\]"),
        (GOOD_ENTRY.replace("proportion", "accuracy"), r"entry 'GSM8K', key 'metric_kind'"),
        (GOOD_ENTRY.replace("n: 1319", "n: -3"), r"entry 'GSM8K', key 'n'"),
        (GOOD_ENTRY.replace("n: 1319", "n: 13.5"), r"entry 'GSM8K', key 'n'"),
        (GOOD_ENTRY.replace('source: "dataset card"', 'source: ""'), r"key 'source'"),
        (GOOD_ENTRY.replace("scale_max: 100", "scale_max: 0"), r"key 'scale_max'"),
        (GOOD_ENTRY + "    colour: red\n", r"entry 'GSM8K': unknown key\(s\) \['colour'\]"),
        (GOOD_ENTRY + "    n_alt: 5\n", r"'n_alt' and 'split_alt' go together"),
        (GOOD_ENTRY.replace("item_sd: null", "item_sd: -1"), r"key 'item_sd'"),
        (
            GOOD_ENTRY.replace("proportion", "mean_score"),
            r"entry 'GSM8K', key 'item_sd': a mean_score",
        ),
        # matched without case, "IN-A" would be every "in a" of running text
        (GOOD_ENTRY.replace("[GSM-8K]", "[GSM-8K, IN-A]"), r"entry 'GSM8K', key 'aliases'.*'in a'"),
    ],
)
def test_bad_entries_name_file_entry_and_key(tmp_path, body, message):
    path = tmp_path / "reg.yaml"
    path.write_text(_registry_text("  GSM8K:" + body))
    with pytest.raises(MarginaliaError, match=message) as info:
        load_registry(path)
    assert "reg.yaml" in str(info.value)


def test_duplicate_alias_across_entries(tmp_path):
    other = GOOD_ENTRY.replace("[GSM-8K]", "[gsm 8k]")
    path = tmp_path / "reg.yaml"
    path.write_text(_registry_text("  GSM8K:" + GOOD_ENTRY + "  GSM8K-copy:" + other))
    with pytest.raises(MarginaliaError, match=r"reg\.yaml, entry 'GSM8K-copy'.*duplicate alias"):
        load_registry(path)


def test_duplicate_entry_name_is_an_error(tmp_path):
    path = tmp_path / "reg.yaml"
    path.write_text(_registry_text("  GSM8K:" + GOOD_ENTRY + "  GSM8K:" + GOOD_ENTRY))
    with pytest.raises(MarginaliaError, match=r"reg\.yaml.*duplicate key 'GSM8K'"):
        load_registry(path)


def test_wrong_top_level_shape():
    with pytest.raises(MarginaliaError, match="key 'benchmarks'"):
        parse_registry("- a\n- b\n", "x.yaml")
    with pytest.raises(MarginaliaError, match="no entries"):
        parse_registry("benchmarks: {}\n", "x.yaml")


def test_minimal_registry_round_trip():
    reg = parse_registry(_registry_text("  GSM8K:" + GOOD_ENTRY), "mem.yaml")
    assert reg.names == ["GSM8K"]
    assert reg.get("gsm-8k") == {
        "name": "GSM8K",
        "aliases": ["GSM-8K"],
        "n": 1319,
        "split": "test",
        "n_alt": None,
        "split_alt": None,
        "metric_kind": "proportion",
        "scale_max": 100,
        "item_sd": None,
        "typical_baseline": None,
        "case_sensitive": False,
        "source": "dataset card",
    }


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Pascal VOC", "PASCAL VOC"),
        ("VOC2007", "PASCAL VOC 2007"),
        ("PASCAL VOC 2012", "PASCAL VOC 2012"),
        ("IWSLT'14 German to English", "IWSLT'14 De-En"),
        ("IWSLT14 De-En", "IWSLT'14 De-En"),
        ("WMT 2014 English-to-French", "WMT14 newstest2014"),
        ("MS COCO", "COCO"),
    ],
)
def test_detection_and_translation_spellings(registry, written, canonical):
    assert registry.canonical(written) == canonical


def test_voc_and_iwslt_sizes(registry):
    assert registry.get("PASCAL VOC 2007")["n"] == 4952
    assert registry.get("IWSLT'14 De-En")["n"] == 6750
    for name in ("PASCAL VOC", "PASCAL VOC 2012"):
        assert registry.get(name)["n"] is None
        assert "n null" in registry.get(name)["source"]


def test_a_case_sensitive_short_alias_does_not_match_english(tmp_path):
    entry = GOOD_ENTRY.replace("[GSM-8K]", "[GSM-8K, IN-A]") + "    case_sensitive: true\n"
    path = tmp_path / "reg.yaml"
    path.write_text(_registry_text("  GSM8K:" + entry))
    reg = load_registry(path)
    assert reg.find_in("resulting in a lack of data") == []
    assert [m[0] for m in reg.find_in("accuracy on IN-A rises")] == ["GSM8K"]
