"""The answer of a finished run in the terminal (issue 14, item 2): `python -m marginalia
summary [OUTDIR]` and the workflow's onsuccess handler print the same few lines."""

from __future__ import annotations

import pandas as pd
import pytest

from marginalia.__main__ import main
from marginalia.errors import MarginaliaError
from marginalia.report.model_views import class_estimates, conclusion
from marginalia.report.summary import run_summary
from synthetic import synthetic_tables, write_tables


def test_summary_of_a_finished_run(tmp_path, capsys):
    tables = synthetic_tables(40, 0, True)
    write_tables(tmp_path, tables)
    (tmp_path / "report.html").write_text("<html></html>")
    text = run_summary(tmp_path)
    lines = text.splitlines()
    assert 3 <= len(lines) <= 5
    n_model = int(tables["standardized"]["in_model"].astype(bool).sum())
    assert lines[0] == (
        f"marginalia: {len(tables['papers'])} papers, {len(tables['effects'])} comparisons "
        f"extracted, {n_model} in the model."
    )
    sentence = conclusion(class_estimates(tables["hedge_classes"]), True)
    assert sentence and f"Result: {sentence}" in text
    power = tables["power"]
    assessed = power[power["assessed"].astype(bool)]
    n_under = int(assessed["underpowered"].fillna(False).astype(bool).sum())
    assert f"of {len(assessed)} comparisons with a known test-set size: {n_under} underpowered" in (
        text
    )
    assert lines[-1] == f"Report: {(tmp_path / 'report.html').resolve()}"
    assert main(["summary", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == text


def test_summary_says_when_the_model_was_not_fitted_or_nothing_ran(tmp_path, capsys):
    tables = synthetic_tables(40, 0, True)
    tables["diagnostics"] = {
        "ok": False,
        "status": "no effects",
        "reasons": ["no effects to model"],
    }
    tables["hedge_classes"] = pd.DataFrame()
    write_tables(tmp_path / "run", tables)
    assert "Model: not fitted (no effects to model)." in run_summary(tmp_path / "run")
    assert "Report: not written yet." in run_summary(tmp_path / "run")
    assert main(["summary", str(tmp_path / "nothing")]) == 1
    assert "no finished run here" in capsys.readouterr().err


def test_report_path_follows_the_outdir_of_the_last_config_that_sets_it(tmp_path, monkeypatch):
    from marginalia.report.summary import report_path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text("outdir: results\n")
    (tmp_path / "my.yaml").write_text("outdir: runs/mine\n")
    (tmp_path / "other.yaml").write_text("corpus: {shards: 2}\n")
    (tmp_path / "runs/mine").mkdir(parents=True)
    (tmp_path / "runs/mine/report.html").write_text("<html></html>")
    configs = ["config/config.yaml", "my.yaml", "other.yaml"]
    assert report_path(configs) == (tmp_path / "runs/mine/report.html").resolve()
    assert main(["report-path", "my.yaml"]) == 0
    with pytest.raises(MarginaliaError, match="no report yet at results/report.html"):
        report_path(["config/config.yaml"])
