"""benchmarks/eval_unseen.py: one table of every development part (the final test left out)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import eval_unseen  # noqa: E402


def test_every_development_part_and_the_agreement_are_scored(tmp_path, capsys):
    out = tmp_path / "rows.json"
    assert eval_unseen.main(["--skip-final", "--agreement", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    names = [r["part"] for r in rows]
    parts = sorted(p.name for p in eval_unseen.UNSEEN.iterdir() if p.name.startswith("develop"))
    assert names[:-1] == parts and "final_test" not in names
    assert names[-1].startswith("final_test: second annotation")
    for r in rows:
        assert 0.0 <= r["precision"] <= 1.0 and 0.0 <= r["f1"] <= 1.0
        assert r["comparisons"] > 0 and r["papers"] > 0
    # the printed table has a header, a rule and one line per row
    assert len(capsys.readouterr().out.strip().splitlines()) == len(rows) + 2
