"""The whole-config check that runs before Snakemake's own validation: a few lines naming the
key, what was expected and the closest valid key (issue 13, item 2)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from marginalia.config import MAX_CONFIG_ERRORS, key_path, schema_problems, validate_config
from marginalia.errors import MarginaliaError

REPO = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))


def with_(**sections) -> dict:
    config = copy.deepcopy(BASE)
    for name, values in sections.items():
        if isinstance(values, dict) and isinstance(config.get(name), dict):
            config[name].update(values)
        else:
            config[name] = values
    return config


@pytest.mark.parametrize(
    "path", ["config/config.yaml", "config/large.yaml", "benchmarks/synthetic.yaml"]
)
def test_the_shipped_configs_pass(path):
    assert schema_problems(yaml.safe_load((REPO / path).read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    ("config", "line"),
    [
        (
            with_(corpus={"shard": 4}),
            "config key corpus.shard: unknown key; did you mean 'shards'? "
            "(valid keys here: http, shards, sources)",
        ),
        (
            with_(corpus={"shards": -2}),
            "config key corpus.shards: -2 is less than the minimum of 1",
        ),
        (
            with_(corpus={"shards": "four"}),
            "config key corpus.shards: expected integer, got 'four' (str)",
        ),
        (
            with_(model={"sampler": "nutpi"}),
            "config key model.sampler: 'nutpi' is not allowed; did you mean 'nutpie'? "
            "(expected one of 'nutpie', 'pymc')",
        ),
        (with_(modle={}), "config key modle: unknown key; did you mean 'model'?"),
        (with_(zzz=1), "config key zzz: unknown key (valid keys here: corpus,"),
        (
            with_(outdir="../elsewhere"),
            "config key outdir: '../elsewhere' is not a relative path inside the working",
        ),
        (with_(outdir="/tmp/x"), "config key outdir: '/tmp/x' is not a relative path"),
        (
            with_(corpus={"sources": [{"name": "../../etc", "type": "file", "path": "x"}]}),
            "config key corpus.sources[0].name: '../../etc' is not a name of letters",
        ),
    ],
)
def test_one_problem_is_one_line_with_the_key(config, line):
    with pytest.raises(MarginaliaError) as info:
        validate_config(config)
    message = str(info.value)
    assert line in message
    assert len(message.splitlines()) == 2  # the heading and the problem


def test_many_problems_are_listed_up_to_a_limit_and_counted():
    config = with_(model={"draws": 10.5, "chains": 0, "sampler": "x", "tune": -1})
    with pytest.raises(MarginaliaError, match="has 4 errors") as info:
        validate_config(config)
    lines = str(info.value).splitlines()
    assert len(lines) == 1 + MAX_CONFIG_ERRORS + 1 and lines[-1].strip() == "(and 1 more)"
    assert lines[1].strip().startswith("config key model.chains")  # sorted by key


def test_key_paths_read_as_written_in_yaml():
    assert key_path(("corpus", "sources", 0, "name")) == "corpus.sources[0].name"
    assert key_path(()) == "(top level)"
    assert key_path(("model", "a\nb")) == "model['a\\nb']"  # one line, whatever the key


# Fuzzing the loader: whatever a YAML file can hold gives a pass or the project's own error.
_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8)
)
_value = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["corpus", "extract", "model", "power", "report", "standardize", "other"]),
    st.dictionaries(st.text(max_size=10), _value, max_size=4),
)
def test_any_section_content_gives_a_pass_or_a_short_marginalia_error(section, content):
    config = with_(**{section: content})
    try:
        validate_config(config)
    except MarginaliaError as exc:
        assert 2 <= len(str(exc).split("\n")) <= 2 + MAX_CONFIG_ERRORS
        assert "config key" in str(exc)


def test_paths_in_a_configfile_are_relative_to_that_file(tmp_path):
    from marginalia.config import resolve_config_paths

    (tmp_path / "lists").mkdir()
    first = tmp_path / "lists" / "my.yaml"
    first.write_text(
        "corpus:\n  sources:\n    - {name: a, type: file, path: mine.csv}\n"
        "    - {name: b, type: arxiv, ids_file: ids.txt}\n"
        "  http: {cache_dir: cache}\nextract: {benchmarks: /abs/bench.yaml}\n"
        "outdir: runs/x\n"
    )
    later = tmp_path / "later.yaml"
    later.write_text("extract: {benchmarks: reg.yaml}\n")
    # the merged config as Snakemake makes it: the last file that sets a key wins
    config = {
        "outdir": "runs/x",
        "corpus": {
            "sources": [
                {"name": "a", "type": "file", "path": "mine.csv"},
                {"name": "b", "type": "arxiv", "ids_file": "ids.txt"},
            ],
            "http": {"cache_dir": "cache"},
        },
        "extract": {"benchmarks": "reg.yaml"},
        "evaluation": {"gold_dir": "../shared/eval"},  # from config/config.yaml: untouched
    }
    resolve_config_paths(config, [first, later], workdir=tmp_path)
    assert config["corpus"]["sources"][0]["path"] == "lists/mine.csv"
    assert config["corpus"]["sources"][1]["ids_file"] == "lists/ids.txt"
    assert config["corpus"]["http"]["cache_dir"] == "lists/cache"
    assert config["extract"]["benchmarks"] == "reg.yaml"  # later.yaml, at the top
    assert config["outdir"] == "runs/x"  # relative to the working directory
    assert config["evaluation"]["gold_dir"] == "../shared/eval"
    # a file next to the working directory's root changes nothing
    same = {"corpus": {"sources": [{"name": "a", "type": "file", "path": "mine.csv"}]}}
    (tmp_path / "root.yaml").write_text(yaml.safe_dump(same))
    resolve_config_paths(same, [tmp_path / "root.yaml"], workdir=tmp_path)
    assert same["corpus"]["sources"][0]["path"] == "mine.csv"
