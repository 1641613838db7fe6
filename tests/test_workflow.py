"""Real Snakemake runs in temporary directories: lint, dry run, config errors, full runs."""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import signal
import time

import pandas as pd
import pytest
import yaml

from marginalia.columns import CORPUS, EFFECTS, PAPERS
from wf import REPO, in_own_group, kill_group, make_workdir, run_snakemake, snakemake_command


def test_lint_is_clean(tmp_path):
    work = make_workdir(tmp_path)
    proc = run_snakemake(work, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dry_run_plans_every_stage(tmp_path):
    work = make_workdir(tmp_path)
    proc = run_snakemake(work, "-n", "--quiet", "rules")
    out = proc.stdout + proc.stderr
    for rule in (
        "fetch_source",
        "merge_corpus",
        "extract_shard",
        "gather_extractions",
        "standardize_effects",
        "fit_model",
        "analyze_power",
        "render_report",
    ):
        assert rule in out, f"{rule} missing from the plan:\n{out}"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"corpus": {"shards": "four"}}, "corpus.shards: expected integer, got 'four'"),
        ({"corpus": {"shard": 4}}, "corpus.shard: unknown key; did you mean 'shards'?"),
        ({"corpus": {"colour": "blue"}}, "corpus.colour: unknown key"),
        ({"modle": {}}, "modle: unknown key; did you mean 'model'?"),
        ({"power": {"alpha": -0.05}}, "power.alpha: -0.05 is less than"),
        (
            {"corpus": {"sources": [{"name": "../../etc", "type": "file", "path": "x"}]}},
            "corpus.sources[0].name: '../../etc' is not a name of letters, digits, _ and -",
        ),
        (
            {"corpus": {"sources": [{"name": "a", "type": "fil", "path": "x"}]}},
            "corpus.sources[0].type: 'fil' is not allowed; did you mean 'file'?",
        ),
        ({"corpus": {"sources": [{"name": "a", "type": "file"}]}}, "path"),
    ],
)
def test_bad_config_stops_before_any_job_in_a_few_lines(tmp_path, overrides, expected):
    work = make_workdir(tmp_path, overrides)
    proc = run_snakemake(work, "-n", check=False)
    assert proc.returncode != 0
    err = proc.stdout + proc.stderr
    assert expected in err
    # the key, not Snakemake's dump of the whole config and schema (574 lines before)
    assert len(err.strip().splitlines()) <= 12, err
    assert not (work / "results").exists()


def test_semantic_config_errors_name_the_key(tmp_path):
    dup = {"name": "a", "type": "file", "path": "config/corpus/hf-trending-marginal.txt"}
    work = make_workdir(tmp_path, {"corpus": {"sources": [dup, dup]}})
    proc = run_snakemake(work, "-n", check=False)
    assert proc.returncode != 0
    assert "corpus.sources[1].name" in proc.stdout + proc.stderr

    missing = {"name": "a", "type": "file", "path": "papers/nope.jsonl"}
    work2 = make_workdir(tmp_path / "2", {"corpus": {"sources": [missing]}})
    proc = run_snakemake(work2, "-n", check=False)
    assert proc.returncode != 0
    assert "corpus.sources[0].path" in proc.stdout + proc.stderr
    assert "papers/nope.jsonl" in proc.stdout + proc.stderr


def test_bad_corpus_file_fails_with_file_and_line_and_keeps_other_sources(tmp_path):
    work = make_workdir(tmp_path)
    (work / "bad.jsonl").write_text('{"title": "A", "abstract": "x"}\n{"title": "B"}\n')
    good = {"name": "good", "type": "file", "path": "config/corpus/hf-trending-marginal.txt"}
    bad = {"name": "bad", "type": "file", "path": "bad.jsonl"}
    cfg = yaml.safe_load((work / "config" / "config.yaml").read_text())
    cfg["corpus"]["sources"] = [good, bad]
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    proc = run_snakemake(
        work,
        "--keep-going",
        "results/corpus/sources/good.jsonl",
        "results/corpus/sources/bad.jsonl",
        check=False,
    )
    assert proc.returncode != 0
    log = (work / "results" / "logs" / "fetch_source" / "bad.log").read_text()
    assert "bad.jsonl, line 2: abstract is missing" in log
    assert not (work / "results" / "corpus" / "sources" / "bad.jsonl").exists()
    assert (work / "results" / "corpus" / "sources" / "good.jsonl").exists()


@pytest.mark.slow
def _report_rows(html_text: str) -> dict[str, list[str]]:
    """Per table row (data-effect), the data-v values of its cells, in column order."""
    rows = {}
    for m in re.finditer(
        r'<tr id="[^"]*" data-flags="[^"]*" data-effect="([^"]+)"[^>]*>(.*?)</tr>', html_text, re.S
    ):
        rows[html.unescape(m.group(1))] = [
            html.unescape(v) for v in re.findall(r'<td data-v="([^"]*)"', m.group(2))
        ]
    return rows


def _v(x) -> str:
    return "" if pd.isna(x) else f"{float(x):.10g}"


@pytest.fixture(scope="module")
def embedded_run(tmp_path_factory):
    """The default run on the embedded corpus, with the production sampler settings."""
    work = make_workdir(tmp_path_factory.mktemp("embedded"), fast=False)
    return work, run_snakemake(work, cores=2)


def test_full_run_on_the_embedded_corpus_then_nothing_to_do(embedded_run):
    # the production sampler settings: the primary fits must pass the diagnostic gate
    work, proc = embedded_run
    res = work / "results"
    # the answer at the end of the run (issue 14): the few lines of `python -m marginalia summary`
    assert "marginalia: 93 papers," in proc.stdout
    assert f"Report: {(res / 'report.html').resolve()}" in proc.stdout
    assert ("Result: " in proc.stdout) or ("Model: " in proc.stdout)
    corpus = pd.read_parquet(res / "corpus" / "papers.parquet")
    assert list(corpus.columns) == CORPUS
    assert len(corpus) == 93
    assert corpus["title"].iloc[0] == (
        "Rethinking Thinking Tokens: Understanding Why They Underperform in Practice"
    )
    effects = pd.read_parquet(res / "effects.parquet")
    assert list(effects.columns) == EFFECTS
    assert len(effects) > 40
    for row in effects.itertuples():
        abstract = corpus.loc[corpus.paper_id == row.paper_id, "abstract"].iloc[0]
        assert abstract[row.start : row.end] == row.span
    papers = pd.read_csv(res / "papers.csv")
    assert list(papers.columns) == PAPERS
    assert len(papers) == 93
    for name in (
        "effects.csv",
        "power.csv",
        "power_summary.csv",
        "report.html",
        "model/effects_standardized.csv",
        "model/posterior.nc",
        "model/summary.csv",
        "model/hedge_classes.csv",
        "model/comparisons.csv",
        "model/loo.csv",
        "model/sensitivity.csv",
        "model/diagnostics.json",
    ):
        assert (res / name).stat().st_size > 0, name
    diag = json.loads((res / "model" / "diagnostics.json").read_text())
    assert diag["ok"] is True, diag["reasons"]
    primary = [f for f in diag["fits"] if f["model"] == "hierarchical"]
    assert primary and all(f["ok"] for f in primary if not f["name"].startswith("sensitivity_"))
    # power: the flags are the rules of DESIGN.md §5, the default test is paired, and the
    # plausible effect is the leave-paper-out predictive, not the posterior mean of theta
    power = pd.read_csv(res / "power.csv")
    judged = power[power["assessed"]]
    assert len(judged) >= 10 and (judged["test"] == "mcnemar").sum() >= len(judged) // 2
    z = 1.959963984540054
    assert (judged["within_noise"] == (judged["y"].abs() < z * judged["se"])).all()
    assert (judged["below_mde"] == (judged["y"].abs() < judged["mde"]) | judged["mde"].isna()).all()
    comps = pd.read_csv(res / "model" / "comparisons.csv")
    claim = comps[(comps["analysis"] == "claim") & (comps["family"] == "pp")].set_index("effect_id")
    with_theta = judged.dropna(subset=["plausible_effect"])
    assert len(with_theta) >= 10
    for r in with_theta.itertuples():
        key = r.effect_id if r.effect_id in claim.index else None
        if key is not None:
            assert r.plausible_effect == pytest.approx(
                claim.loc[key, "theta_holdout_mean"], rel=1e-6
            )
    assert set(with_theta["plausible_method"]) <= {"psis", "refit", "psis_high_k"}
    # the report shows the numbers of the tables: its table cells, tiles and conclusion
    page = (res / "report.html").read_text()
    rows = _report_rows(page)
    assert set(rows) == set(pd.read_csv(res / "effects.csv")["effect_id"])
    for r in judged.itertuples():
        cells = rows[r.effect_id]
        assert cells[7] == _v(r.y) and cells[14] == _v(r.mde), r.effect_id
        assert cells[16] == _v(r.power_plausible), r.effect_id
    for eid, r in claim.iterrows():
        if eid in rows:
            assert rows[eid][10] == _v(r["theta_mean"]), eid
    noise = re.search(r'id="tile-within-noise"><span class="big">(\d+)</span>', page)
    assert noise and int(noise.group(1)) == int(power["within_noise"].fillna(False).sum())
    hc = pd.read_csv(res / "model" / "hedge_classes.csv")
    diff = hc[(hc["analysis"] == "claim") & (hc["family"] == "pp")].iloc[-1]
    assert diff["hedge_class"] == "marginal - strong"
    sentence = html.unescape(re.search(r'id="conclusion">(.*?)</p>', page, re.S).group(1))
    assert f"{abs(diff['mean']):.1f} pp" in sentence
    assert f"{diff['eti_5']:.1f} to {diff['eti_95']:.1f}" in sentence
    # only the paper's own results, on a known scale, enter the model (issue 10)
    std = pd.read_parquet(res / "model" / "effects_standardized.parquet")
    assert set(std["attribution"]) <= {"own", "prior_work", "problem", "hypothetical"}
    assert not std.loc[std["attribution"] != "own", "in_model"].any()
    bare = (std["unit"] == "percent") & (std["scale"] == "ambiguous")
    bare &= std["baseline"].isna() & std["treatment"].isna()
    assert bare.any() and not (bare & std["in_model"] & (std["family"] == "pp")).any()
    reasons = std.loc[bare & (std["family"] == "excluded"), "exclusion_reason"]
    assert reasons.str.startswith("ambiguous_scale").sum() >= 10
    assert set(std.loc[std["in_model"] & (std["family"] == "pp"), "scale_used"]) <= {
        "absolute",
        "relative",
    }
    sens = pd.read_csv(res / "model" / "sensitivity.csv")
    assert sens["sensitivity"].iloc[0] == "primary"
    n_bare = int((std["exclusion_reason"].str.startswith("ambiguous_scale")).sum())
    points = sens[sens["sensitivity"] == "ambiguous_as_points"]
    assert (points["n_changed"] <= n_bare).all() and len(points) == 5
    for rule in ("fetch_source", "extract_shard", "fit_model", "render_report"):
        assert list((work / "results" / "logs" / rule).iterdir()), f"no log for {rule}"
    assert list((res / "benchmarks" / "fit_model").glob("*.tsv"))
    # A second run has nothing to do.
    proc = run_snakemake(work)
    assert "Nothing to be done" in proc.stdout + proc.stderr


#: the tables of the model and power stages (everything but timings and the HTML's date)
MODEL_TABLES = (
    "model/summary.csv",
    "model/hedge_classes.csv",
    "model/comparisons.csv",
    "model/loo.csv",
    "model/sensitivity.csv",
    "model/checks.csv",
    "power.csv",
    "power_summary.csv",
)


def _kill_while_fitting(work, sig, *extra: str, fit: int = 2) -> None:
    """Start the workflow, wait until the model stage has begun its ``fit``-th fit, and send
    ``sig`` to Snakemake's whole process group."""
    log = work / "results/logs/fit_model/fit_model.log"
    log.unlink(missing_ok=True)
    with in_own_group(snakemake_command(work, *extra), work) as job:
        deadline = time.monotonic() + 600
        while not (log.exists() and f"model fit {fit} of" in log.read_text()):
            assert job.poll() is None, "the workflow ended before the model stage was killed"
            assert time.monotonic() < deadline, f"the model stage never reached fit {fit}"
            time.sleep(0.2)
        kill_group(job, sig)


def test_killed_while_fitting_then_rerun_gives_the_uninterrupted_tables(embedded_run, tmp_path):
    """Issue 13, item 3: SIGTERM, then SIGKILL, to the whole process group in the middle of the
    model stage. Nothing half-written is taken as complete (the rerun plans the model stage
    and everything after it), and the rerun gives the same tables as the run that was never
    interrupted (same seed: the fits are deterministic)."""
    ref = embedded_run[0]
    expected = {name: pd.read_csv(ref / "results" / name) for name in MODEL_TABLES}
    work = tmp_path / "work"
    shutil.copytree(ref, work, symlinks=True)  # mtimes kept: upstream stays complete
    upstream = {p: p.read_bytes() for p in (work / "results").rglob("*") if p.suffix == ".parquet"}
    upstream = {p: b for p, b in upstream.items() if "model" not in p.parts}
    _kill_while_fitting(work, signal.SIGTERM, "--forcerun", "fit_model", fit=2)
    # the SIGTERM left the model stage to redo: this run starts it again, and is killed too
    _kill_while_fitting(work, signal.SIGKILL, fit=1)
    leftovers = [p.name for p in (work / "results/model").glob(".*.tmp")]
    assert not leftovers, f"half-written files left behind: {leftovers}"
    # a killed Snakemake cannot remove its lock: the rerun says so, --unlock lifts it
    locked = run_snakemake(work, check=False)
    assert locked.returncode != 0 and "unlock" in (locked.stdout + locked.stderr).lower()
    run_snakemake(work, "--unlock")
    plan = run_snakemake(work, "-n", "--quiet", "rules").stdout
    for rule in ("fit_model", "analyze_power", "render_report"):
        assert rule in plan, f"{rule} not planned after the kill:\n{plan}"
    assert "fetch_source" not in plan and "extract_shard" not in plan
    run_snakemake(work)
    for path, content in upstream.items():
        assert path.read_bytes() == content, f"{path} changed"
    for name, table in expected.items():
        pd.testing.assert_frame_equal(pd.read_csv(work / "results" / name), table, obj=name)
    diag = json.loads((work / "results/model/diagnostics.json").read_text())
    assert diag["ok"] is True


_MINE = {"name": "mine", "type": "file", "path": "mine.csv"}


def _my_paper_list(folder, rows: list[tuple[str, str]], base=None) -> dict:
    """Write rows (title, abstract) to folder/mine.csv; the config of the working directory
    ``base`` (default ``folder``) with it as the only source."""
    with open(folder / "mine.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "abstract"])
        w.writerows(rows)
    cfg = yaml.safe_load(((base or folder) / "config" / "config.yaml").read_text())
    cfg["corpus"]["sources"] = [dict(_MINE)]
    return cfg


@pytest.mark.slow
def test_configfile_with_another_paper_list(tmp_path):
    work = make_workdir(tmp_path)
    rows = [
        ("A faster sampler", "Our sampler runs 3.5x faster than NUTS while matching accuracy."),
        (
            "Better reasoning",
            "Our method improves accuracy on GSM8K from 58.3% to 68.6%, a significant gain.",
        ),
        ("Modest gains", "The approach only marginally improves accuracy on MMLU (+0.4%)."),
        ("Data pruning", "Pruning improves CIFAR-10 accuracy by 1.2% over random pruning."),
    ]
    # a config file in a folder of its own, with the list beside it: its paths are relative to
    # the file (issue 14), its outdir to the working directory
    lists = work / "lists"
    lists.mkdir()
    _my_paper_list(lists, rows, base=work)
    config = {"outdir": "runs/mylist", "corpus": {"sources": [_MINE]}}
    (lists / "my.yaml").write_text(yaml.safe_dump(config))
    proc = run_snakemake(work, "--configfile", "lists/my.yaml")
    # runs kept apart (issue 14): everything under the config's outdir, nothing in results/
    res = work / "runs" / "mylist"
    assert not (work / "results").exists() and not (work / "logs").exists()
    assert (res / "logs" / "fit_model" / "fit_model.log").is_file()
    assert (res / "benchmarks" / "fit_model" / "fit_model.tsv").is_file()
    corpus = pd.read_csv(res / "corpus" / "papers.csv")
    assert sorted(corpus["title"]) == sorted(r[0] for r in rows)
    assert set(corpus["source"]) == {"mine"}
    effects = pd.read_csv(res / "effects.csv")
    assert set(effects["title"]) <= {r[0] for r in rows}
    assert len(effects) >= 4
    html = (res / "report.html").read_text()
    assert "Better reasoning" in html
    # the run ends with its summary, naming this run's report
    assert "marginalia: 4 papers," in proc.stdout
    assert f"Report: {(res / 'report.html').resolve()}" in proc.stdout


def _job_counts(text: str) -> dict[str, int]:
    """Snakemake's own "Job stats" table: rule -> count."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts


@pytest.mark.slow
def test_adding_two_papers_reextracts_at_most_two_shards(tmp_path):
    work = make_workdir(tmp_path, {"corpus": {"shards": 8}})
    first = run_snakemake(work, "results/effects.parquet")
    assert _job_counts(first.stdout + first.stderr)["extract_shard"] == 8
    listing = work / "config" / "corpus" / "hf-trending-marginal.txt"
    with listing.open("a", encoding="utf-8") as fh:
        fh.write(
            "\nA Sharper Retriever for Long Documents\n"
            "Our retriever improves recall@10 on NQ from 61.2% to 64.0%.\n"
            "Compact Adapters Revisited\n"
            "Adapters match full fine-tuning on GLUE while training 2% of the weights.\n"
        )
    shard_dir = work / "results" / "corpus" / "shards"
    before = {p.name: p.stat().st_mtime_ns for p in shard_dir.glob("*.parquet")}
    # the checkpoint rewrites the shard files whose papers changed; Snakemake's own dry run
    # then plans extraction for those shards only
    run_snakemake(work, "results/corpus/papers.parquet")
    after = {p.name: p.stat().st_mtime_ns for p in shard_dir.glob("*.parquet")}
    changed = sorted(n for n in after if after[n] != before.get(n))
    assert 1 <= len(changed) <= 2
    dry = run_snakemake(work, "results/effects.parquet", "-n")
    planned = _job_counts(dry.stdout + dry.stderr)
    assert 1 <= planned["extract_shard"] <= 2 and planned["extract_shard"] == len(changed)
    run = run_snakemake(work, "results/effects.parquet")
    assert _job_counts(run.stdout + run.stderr)["extract_shard"] == len(changed)
    papers = pd.read_parquet(work / "results" / "papers.parquet")
    assert len(papers) == 95 and "Compact Adapters Revisited" in set(papers["title"])
    # and in one invocation from the start: the same at most two shards
    with listing.open("a", encoding="utf-8") as fh:
        fh.write("One More Paper\nIt reduces latency by 12% on ImageNet.\n")
    once = run_snakemake(work, "results/effects.parquet")
    # (the job stats printed before the checkpoint runs list every shard; the jobs executed
    # after the DAG update are what counts)
    assert (once.stdout + once.stderr).count("rule extract_shard:") == 1


@pytest.mark.slow
def test_a_small_corpus_runs_through_the_cluster_generic_executor(tmp_path):
    """Every job goes through a real executor plugin (cluster-generic) and a submit script that
    runs it as its own process, as a scheduler would (profiles/local-cluster)."""
    work = make_workdir(tmp_path, {"corpus": {"shards": 2}})
    rows = [
        ("Better reasoning", "Our method improves accuracy on GSM8K from 58.3% to 68.6%."),
        ("Modest gains", "The approach only marginally improves accuracy on MMLU (+0.4%)."),
        ("Data pruning", "Pruning improves CIFAR-10 accuracy by 1.2% over random pruning."),
        ("Faster decoding", "Decoding runs 2.1x faster with the same BLEU on WMT14 En-De."),
    ]
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(_my_paper_list(work, rows)))
    profile = REPO / "profiles" / "local-cluster"
    proc = run_snakemake(work, "--profile", str(profile), "results/effects.csv", cores=2)
    log = proc.stdout + proc.stderr
    submitted = re.findall(r"Submitted job \d+ with external jobid '(\d+)'", log)
    # fetch, merge (checkpoint), two shards, gather: each its own process with its own id
    assert len(submitted) == 5 and len(set(submitted)) == 5
    assert str(os.getpid()) not in submitted
    effects = pd.read_csv(work / "results" / "effects.csv")
    assert set(effects["title"]) <= {r[0] for r in rows} and len(effects) >= 4
    again = run_snakemake(work, "--profile", str(profile), "results/effects.csv", cores=2)
    assert "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.slow
def test_a_corpus_without_papers_or_comparisons_still_gives_a_report_that_says_so(tmp_path):
    work = make_workdir(tmp_path)
    (work / "empty.jsonl").write_text("")
    papers = [
        {"title": "A qualitative study", "abstract": "We discuss how benchmarks are built."},
        {"title": "Position: evaluation", "abstract": "We argue that evaluation should change."},
    ]
    (work / "plain.jsonl").write_text("".join(json.dumps(p) + "\n" for p in papers))
    for name, count in (("empty", 0), ("plain", 2)):
        source = {"name": name, "type": "file", "path": f"{name}.jsonl"}
        (work / f"{name}.yaml").write_text(yaml.safe_dump({"corpus": {"sources": [source]}}))
        proc = run_snakemake(work, "--configfile", f"{name}.yaml")
        out = proc.stdout + proc.stderr
        # the model is skipped with its reason, the report renders and says so, the run ends
        # with the summary
        assert f"marginalia: {count} papers, 0 comparisons extracted, 0 in the model." in out
        assert "Model: not fitted (no effects to model" in out
        diag = json.loads((work / "results/model/diagnostics.json").read_text())
        assert diag["status"] == "no effects to model" and not diag["ok"]
        html = (work / "results/report.html").read_text()
        assert "no effects to model" in html
        log = (work / "results/logs/fit_model/fit_model.log").read_text()
        assert "model skipped" in log and "FAILED" not in log
    assert "holds no papers" in (work / "results/logs/fetch_source/empty.log").read_text()
