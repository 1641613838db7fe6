"""Synthetic, internally consistent inputs for the report: for tests and demos (test-only code).

``write_synthetic_inputs(directory, n_papers=..., seed=...)`` writes all eleven inputs of rule
render_report (same file names and column contracts as the workflow) and returns the ``inputs``
mapping for :func:`marginalia.report.build_report`. Abstracts are generated from templates, so
every span's offsets are exact by construction; ranges give two rows sharing one span.

    python tests/synthetic.py OUT_DIR [N_PAPERS] [SEED]   # also writes report.html
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from marginalia.columns import CORPUS, EFFECTS, MODEL_COMPARISONS, PAPERS
from marginalia.power import analyze
from marginalia.report import build_report
from marginalia.tables import atomic_write_text, write_csv, write_json, write_table

__all__ = ["write_synthetic_inputs", "synthetic_tables"]

BENCHMARKS = [
    ("GSM8K", 1319, "accuracy"),
    ("MMLU", 14042, "accuracy"),
    ("HumanEval", 164, "pass@1"),
    ("ARC-Challenge", 1172, "accuracy"),
    ("MATH", 5000, "accuracy"),
    ("ImageNet", 50000, "top-1 accuracy"),
    ("SQuAD", 10570, "F1"),
    ("AlpacaEval", 805, "win rate"),
    ("", None, "accuracy"),  # a benchmark the registry does not know: no se
]
ADJ = ["Efficient", "Robust", "Sparse", "Adaptive", "Contrastive", "Scalable", "Implicit", "Latent"]
NOUN = ["Reasoning", "Distillation", "Attention", "Retrieval", "Alignment", "Decoding", "Tuning"]
TASK = [
    "Language Models",
    "Vision Transformers",
    "Code Generation",
    "Math Word Problems",
    "Preference Learning",
    "Diffusion Models",
    "Long-Context QA",
]
CLASS_MEAN = {"marginal": 0.6, "none": 2.0, "mixed": 1.5, "strong": 3.2}


def point_holdout(comparisons: pd.DataFrame | None) -> xr.Dataset | None:
    """A holdout.nc dataset whose plausible effects are point masses at the claim rows'
    ``theta_mean`` (one draw, zero variance): the power stage then evaluates power and type S/M
    at that point, which the tests compare with the closed forms."""
    if comparisons is None or comparisons.empty:
        return None
    rows = comparisons
    if "analysis" in rows.columns:
        rows = rows[rows["analysis"] == "claim"]
    eids = [str(e) for e in rows["effect_id"]]
    papers = [e.split("#")[0] for e in eids]
    uniq = sorted(set(papers))
    return xr.Dataset(
        {
            "theta_mean": (("draw", "effect"), np.asarray(rows["theta_mean"], float)[None, :]),
            "theta_var": (("draw", "effect"), np.zeros((1, len(eids)))),
            "log_weight": (("draw", "paper"), np.zeros((1, len(uniq)))),
            "pareto_k": (("paper",), np.zeros(len(uniq))),
            "method": (("paper",), np.array(["psis"] * len(uniq))),
            "effect_paper": (("effect",), np.array(papers)),
        },
        coords={"effect": eids, "paper": uniq},
    )


def _sentences(rng: np.random.Generator, hedge: str, k: int) -> list[dict]:
    """Up to ``k`` comparison sentences: text, effect dicts with local offsets, cue."""
    out = []
    for j in range(k):
        bench, n, metric = BENCHMARKS[rng.integers(len(BENCHMARKS))]
        local = hedge if hedge != "mixed" else ("marginal", "strong")[j % 2]
        if hedge == "none":
            local = "none"
        kind = rng.choice(
            ["points", "upto", "fromto", "range", "ratio"], p=[0.3, 0.2, 0.25, 0.1, 0.15]
        )
        on = f" on {bench}" if bench else ""
        d = round(float(abs(rng.normal(CLASS_MEAN.get(local, 2.0), 1.5))) + 0.1, 2)
        cue = {"marginal": "only marginally improves", "strong": "significantly improves"}.get(
            local, "improves"
        )
        eff = {
            "benchmark": bench,
            "n": n,
            "metric": metric,
            "hedge_local": local,
            "aspect": "performance",
            "qualifier": "",
            "scale": "absolute",
            "unit": "points",
            "baseline": None,
            "treatment": None,
        }
        if kind == "points":
            span = f"by {d} points"
            text = f"Our method {cue} {metric}{on} {span}."
            effs = [{**eff, "span": span, "delta": d}]
        elif kind == "upto":
            span = f"up to {d}%"
            text = f"It {cue} {metric}{on}, with gains of {span}."
            effs = [
                {
                    **eff,
                    "span": span,
                    "delta": d,
                    "unit": "percent",
                    "scale": "ambiguous",
                    "qualifier": "up_to",
                }
            ]
        elif kind == "fromto":
            b = round(float(rng.uniform(30, 80)), 1)
            t = round(b + d, 1)
            span = f"from {b} to {t}"
            text = f"This {cue} {metric}{on} {span}."
            effs = [{**eff, "span": span, "delta": round(t - b, 2), "baseline": b, "treatment": t}]
        elif kind == "range":
            lo_, hi_ = round(d / 2, 1), round(d * 1.5, 1)
            span = f"{lo_}-{hi_} points"
            text = f"Across tasks it {cue} {metric} by {span}."
            effs = [
                {**eff, "span": span, "delta": lo_, "qualifier": "range_low", "benchmark": ""},
                {**eff, "span": span, "delta": hi_, "qualifier": "range_high", "benchmark": ""},
            ]
        else:
            r = round(float(rng.uniform(1.2, 4.0)), 1)
            span = f"{r}x faster"
            text = f"Inference is {span} than the baseline."
            cue = ""
            effs = [
                {
                    **eff,
                    "span": span,
                    "delta": r,
                    "unit": "ratio",
                    "scale": "relative",
                    "aspect": "efficiency",
                    "metric": "speedup",
                    "benchmark": "",
                    "hedge_local": "none",
                }
            ]
        for e in effs:
            e["local_start"] = text.index(e["span"])
            if cue and e["hedge_local"] != "none":
                e["hedge_local_span"] = cue
                e["cue_start"] = text.index(cue)
        out.append({"text": text, "effects": effs, "cue": cue if local != "none" else ""})
    return out


def synthetic_tables(n_papers: int = 40, seed: int = 0, model_ok: bool = True) -> dict:
    """All report inputs as DataFrames (and the diagnostics dict), consistent with each other."""
    rng = np.random.default_rng(seed)
    corpus, papers, effects = [], [], []
    for i in range(n_papers):
        pid = f"arxiv:24{(i % 12) + 1:02d}.{10000 + 37 * i:05d}"
        title = f"{ADJ[i % len(ADJ)]} {NOUN[(i * 3) % len(NOUN)]} for {TASK[(i * 5) % len(TASK)]}"
        hedge = str(rng.choice(["marginal", "strong", "mixed", "none"], p=[0.3, 0.35, 0.15, 0.2]))
        k = int(rng.choice([0, 1, 2, 3], p=[0.15, 0.35, 0.3, 0.2]))
        intro = (
            f"We study {NOUN[i % len(NOUN)].lower()} for {TASK[i % len(TASK)].lower()} "
            "and propose a simple method. "
        )
        abstract = intro
        cues: list[str] = []
        rows = []
        for s in _sentences(rng, hedge, k):
            offset = len(abstract)
            abstract += s["text"] + " "
            if s["cue"]:
                cues.append(s["cue"])
            for e in s["effects"]:
                e["start"] = offset + e.pop("local_start")
                e["end"] = e["start"] + len(e["span"])
                e.pop("cue_start", None)
                rows.append(e)
        if hedge == "marginal" and not cues:
            abstract += "Gains over strong baselines remain modest. "
            cues.append("remain modest")
        abstract += "Code is available."
        corpus.append(
            {
                "paper_id": pid,
                "title": title,
                "abstract": abstract,
                "arxiv_id": pid.split(":")[1],
                "doi": None,
                "year": 2024,
                "url": f"https://arxiv.org/abs/{pid.split(':')[1]}",
                "source": "synthetic",
                "shard": i % 4,
            }
        )
        papers.append(
            {
                "paper_id": pid,
                "title": title,
                "source": "synthetic",
                "year": 2024,
                "n_effects": len(rows),
                "hedge": hedge,
                "hedge_spans": json.dumps(sorted(set(cues))),
                "marginal_sense": "improvement" if "marginal" in " ".join(cues) else "absent",
            }
        )
        for j, e in enumerate(rows, start=1):
            sign = 1.0
            effects.append(
                {
                    "paper_id": pid,
                    "title": title,
                    "effect_id": f"{pid}#{j}",
                    "span": e["span"],
                    "start": e["start"],
                    "end": e["end"],
                    "aspect": e["aspect"],
                    "metric": e["metric"],
                    "benchmark": e["benchmark"],
                    "baseline": e["baseline"],
                    "treatment": e["treatment"],
                    "delta": sign * e["delta"],
                    "unit": e["unit"],
                    "scale": e["scale"],
                    "qualifier": e["qualifier"],
                    "direction": "better",
                    "lower_is_better": False,
                    "hedge_local": e["hedge_local"],
                    "hedge_local_span": e.get("hedge_local_span"),
                    "n_reg": e["n"],
                    "hedge_p": hedge,
                }
            )
    corpus_df = pd.DataFrame(corpus, columns=CORPUS).astype({"year": "Int64"})
    papers_df = pd.DataFrame(papers, columns=PAPERS).astype({"year": "Int64"})
    eff_df = pd.DataFrame(effects, columns=[*EFFECTS, "n_reg", "hedge_p"])
    eff_df["start"] = eff_df["start"].astype("int64")
    eff_df["end"] = eff_df["end"].astype("int64")
    eff_df["lower_is_better"] = eff_df["lower_is_better"].astype("boolean")
    eff_df["baseline"] = eff_df["baseline"].astype("float64")
    eff_df["treatment"] = eff_df["treatment"].astype("float64")

    # standardize
    std = eff_df.copy()
    fam, y, se, reason, nn, base_lvl = [], [], [], [], [], []
    for r in std.itertuples():
        if r.unit == "ratio":
            fam.append("log_ratio")
            y.append(math.log(r.delta))
            se.append(np.nan)
            reason.append("no test-set size for a speedup")
            nn.append(pd.NA)
            base_lvl.append(np.nan)
            continue
        fam.append("pp")
        y.append(float(r.delta))
        p = (r.baseline if r.baseline == r.baseline and r.baseline is not None else 60.0) / 100
        if r.n_reg == r.n_reg and r.n_reg:  # NaN != NaN: unknown benchmark
            se.append(100 * math.sqrt(2 * p * (1 - p) / r.n_reg))
            reason.append(f"binomial, n={int(r.n_reg)}, baseline {100 * p:.1f}%")
            nn.append(int(r.n_reg))
        else:
            se.append(np.nan)
            reason.append("benchmark unknown: no test-set size")
            nn.append(pd.NA)
        base_lvl.append(100 * p)
    std["family"], std["y"], std["se"], std["se_reason"] = fam, y, se, reason
    std["n"] = pd.array(nn, dtype="Int64")
    std["baseline_level"] = base_lvl
    std["metric_kind"] = ["proportion" if f == "pp" else pd.NA for f in fam]
    std["paper_hedge"] = std["hedge_p"]
    std["in_model"] = [f == "pp" for f in fam]
    std["exclusion_reason"] = ["" if f == "pp" else "too few log_ratio effects" for f in fam]
    std["scale_note"] = [
        "ambiguous scale treated as points" if s == "ambiguous" else "" for s in std["scale"]
    ]
    effects_out = eff_df[EFFECTS].copy()
    std_out = std.drop(columns=["n_reg", "hedge_p"])

    # model (the layout of marginalia.model.stage's outputs)
    in_model = std[std["in_model"]]
    comps, summ, hc, fits = [], [], [], []
    classes = {
        "claim": ["none", "marginal", "strong"],
        "paper": ["none", "marginal", "strong", "mixed"],
    }
    for analysis, col in (("claim", "hedge_local"), ("paper", "paper_hedge")):
        means = {c: CLASS_MEAN[c] + rng.normal(0, 0.2) for c in classes[analysis]}
        counts = in_model[col].value_counts()
        for c in classes[analysis]:
            width = 0.5 + rng.uniform(0, 0.6)
            hc.append(
                {
                    "analysis": analysis,
                    "family": "pp",
                    "hedge_class": c,
                    "n_effects": int(counts.get(c, 0)),
                    "n_papers": int(in_model[in_model[col] == c]["paper_id"].nunique()),
                    "mean": means[c],
                    "sd": width / 1.645,
                    "eti_5": means[c] - width,
                    "eti_95": means[c] + width,
                    "p_marginal_lt_strong": np.nan,
                    "reference_class": "none",
                    "note": "reference class (beta_hedge = 0)" if c == "none" else "",
                }
            )
        diff = means["marginal"] - means["strong"]
        hc.append(
            {
                "analysis": analysis,
                "family": "pp",
                "hedge_class": "marginal - strong",
                "n_effects": int(counts.get("marginal", 0) + counts.get("strong", 0)),
                "n_papers": int(
                    in_model[in_model[col].isin(["marginal", "strong"])]["paper_id"].nunique()
                ),
                "mean": diff,
                "sd": 0.42,
                "eti_5": diff - 0.7,
                "eti_95": diff + 0.7,
                "p_marginal_lt_strong": float(stats.norm.cdf(0, diff, 0.42)),
                "reference_class": "none",
                "note": "",
            }
        )
        for r in in_model.itertuples():
            prior = means.get(getattr(r, col), 2.0)
            s = r.se if r.se == r.se else 1.5
            w = 1 / (1 + (s**2) / 1.2**2)
            m = w * r.y + (1 - w) * prior
            half = 1.645 * math.sqrt(1 / (1 / s**2 + 1 / 1.2**2))
            comps.append(
                {
                    "analysis": analysis,
                    "effect_id": r.effect_id,
                    "paper_id": r.paper_id,
                    "family": "pp",
                    "y": r.y,
                    "se": r.se,
                    "theta_mean": m,
                    "theta_lo": m - half,
                    "theta_hi": m + half,
                    "shrinkage": 1 - w,
                    "p_positive": float(stats.norm.sf(0, m, half / 1.645)),
                    "p_meaningful": float(stats.norm.sf(1.0, m, half / 1.645)),
                }
            )
        rhat = 1.002 if model_ok else 1.08
        for p, mu in (
            ("mu", 2.0),
            ("tau_paper", 0.9),
            ("tau_bench", 0.5),
            ("sigma_run", 0.6),
            ("sigma_unknown", 1.4),
            ("beta_upto", 0.8),
        ):
            summ.append(
                {
                    "analysis": analysis,
                    "family": "pp",
                    "parameter": p,
                    "mean": mu,
                    "sd": 0.2,
                    "eti_5": mu - 0.35,
                    "eti_95": mu + 0.35,
                    "r_hat": rhat,
                    "ess_bulk": 900.0 if model_ok else 95.0,
                    "ess_tail": 700.0,
                }
            )
        for name, shift in (("beta_hedge", -2.0), ("class_mean", 0.0)):
            for c in classes[analysis]:
                summ.append(
                    {
                        "analysis": analysis,
                        "family": "pp",
                        "parameter": f"{name}[{c}]",
                        "mean": means[c] + shift,
                        "sd": 0.3,
                        "eti_5": means[c] + shift - 0.5,
                        "eti_95": means[c] + shift + 0.5,
                        "r_hat": 1.003,
                        "ess_bulk": 800.0,
                        "ess_tail": 650.0,
                    }
                )
        fits.append(
            {
                "name": f"pp_{analysis}",
                "model": "hierarchical",
                "family": "pp",
                "analysis": analysis,
                "n_effects": len(in_model),
                "n_papers": int(in_model["paper_id"].nunique()),
                "n_benchmarks": 9,
                "notes": [],
                "ok": model_ok,
                "reasons": []
                if model_ok
                else [
                    "17 divergent transitions (allowed 0)",
                    "max R-hat 1.08 on tau_paper (allowed 1.01)",
                ],
                "divergences": 0 if model_ok else 17,
                "max_rhat": rhat,
                "max_rhat_parameter": "tau_paper",
                "min_ess_bulk": 812.0 if model_ok else 95.0,
                "min_ess_bulk_parameter": "tau_bench",
                "min_ess_tail": 640.0,
                "min_ess_tail_parameter": "sigma_run",
                "min_bfmi": 0.82,
                "required_ess_bulk": 400,
                "required_ess_tail": 400,
                "retried": not model_ok,
                "attempts": [{"attempt": 1}] * (1 if model_ok else 2),
                "sampler": "nutpie",
                "compile_seconds": 2.1,
                "sampling_seconds": 4.8,
            }
        )
    for kind in ("complete_pooling", "no_pooling"):
        fits.append(
            {
                "name": f"pp_{kind}",
                "model": kind,
                "family": "pp",
                "analysis": "",
                "n_effects": len(in_model),
                "ok": True,
                "reasons": [],
                "divergences": 0,
                "max_rhat": 1.001,
                "min_ess_bulk": 1500.0,
                "min_ess_tail": 1200.0,
                "min_bfmi": 0.95,
                "retried": False,
                "sampling_seconds": 1.2,
            }
        )
    comps_df = pd.DataFrame(comps, columns=MODEL_COMPARISONS)
    loo = pd.DataFrame(
        [
            {
                "family": "pp",
                "model": m,
                "rank": k,
                "elpd": e,
                "se": se_,
                "p": pl,
                "elpd_diff": d,
                "dse": ds,
                "weight": w,
                "n_high_pareto_k": hk,
                "good_k": 0.7,
                "note": note,
            }
            for k, (m, e, se_, pl, d, ds, w, hk, note) in enumerate(
                [
                    ("hierarchical_claim", -180.2, 9.1, 21.4, 0.0, 0.0, 0.81, 0, ""),
                    ("hierarchical_paper", -181.0, 9.2, 22.0, -0.8, 1.1, 0.0, 0, ""),
                    ("complete_pooling", -191.7, 10.3, 3.1, -11.5, 4.2, 0.19, 0, ""),
                    (
                        "no_pooling",
                        -214.9,
                        8.8,
                        48.0,
                        -34.7,
                        6.3,
                        0.0,
                        3,
                        "3 Pareto k above 0.70: PSIS-LOO is unreliable for those effects",
                    ),
                ]
            )
        ]
    )
    reasons = [
        f"{f['name']}: {r}" for f in fits if f["model"] == "hierarchical" for r in f["reasons"]
    ]
    diagnostics = {
        "ok": model_ok,
        "reasons": reasons,
        "status": "fitted",
        "sampler": "nutpie",
        "seconds": 12.2,
        "families": {
            "pp": {"n_effects": len(in_model), "modelled": True, "note": ""},
            "log_ratio": {
                "n_effects": int((std["family"] == "log_ratio").sum()),
                "modelled": False,
                "note": "too few effects < min_effects_log_ratio = 8",
            },
        },
        "fits": fits,
        "warnings": [],
        "notes": ["pp_claim: reference hedge class is 'none'"],
        "settings": {"draws": 1000, "tune": 1000, "chains": 4, "seed": seed},
        "priors": [
            {
                "family": "pp",
                "parameter": "mu",
                "distribution": "Normal(0, 10)",
                "unit": "percentage points",
                "rationale": "centred on no improvement",
            },
            {
                "family": "pp",
                "parameter": "beta_hedge",
                "distribution": "Normal(0, 5); reference class fixed at 0",
                "unit": "percentage points",
                "rationale": "shift of a hedge class's mean",
            },
            {
                "family": "pp",
                "parameter": "tau_paper",
                "distribution": "HalfNormal(5)",
                "unit": "percentage points",
                "rationale": "spread between papers",
            },
            {
                "family": "pp",
                "parameter": "sigma_run",
                "distribution": "LogNormal(log 1, 0.7)",
                "unit": "percentage points",
                "rationale": "seed-to-seed noise of a reported difference",
            },
        ],
        "interval": {"kind": "eti", "prob": 0.9},
        "choices": {"identifiability": "beta_hedge of the reference class is fixed at 0"},
    }

    # power: the real stage on these tables (its columns, flags and reasons)
    power_df, power_summary = analyze(
        std_out,
        comps_df,
        papers_df,
        None,
        {},
        0.6,
        diagnostics=diagnostics,
        sigma_run_source="synthetic model posterior mean",
        holdout=point_holdout(comps_df),
    )
    return {
        "corpus": corpus_df,
        "effects": effects_out,
        "papers": papers_df,
        "standardized": std_out,
        "summary": pd.DataFrame(summ),
        "hedge_classes": pd.DataFrame(hc),
        "comparisons": comps_df,
        "loo": loo,
        "diagnostics": diagnostics,
        "power": power_df,
        "power_summary": power_summary,
    }


FILES = {
    "corpus": "corpus/papers.parquet",
    "effects": "effects.parquet",
    "papers": "papers.parquet",
    "standardized": "model/effects_standardized.parquet",
    "summary": "model/summary.csv",
    "hedge_classes": "model/hedge_classes.csv",
    "comparisons": "model/comparisons.csv",
    "loo": "model/loo.csv",
    "diagnostics": "model/diagnostics.json",
    "power": "power.parquet",
    "power_summary": "power_summary.csv",
}


def write_tables(directory: str | Path, tables: dict) -> dict[str, Path]:
    """Write ``tables`` (as from :func:`synthetic_tables`) under ``directory``; return inputs."""
    directory = Path(directory)
    inputs = {}
    for key, rel in FILES.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        obj = tables[key]
        if key == "diagnostics":
            write_json(path, obj)
        elif rel.endswith(".parquet"):
            write_table(obj, path)
        else:
            write_csv(obj, path)
        inputs[key] = path
    return inputs


def write_synthetic_inputs(
    directory: str | Path, n_papers: int = 40, seed: int = 0, model_ok: bool = True
) -> dict[str, Path]:
    return write_tables(directory, synthetic_tables(n_papers, seed, model_ok))


if __name__ == "__main__":  # pragma: no cover - a demo entry point
    out = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    paths = write_synthetic_inputs(out, n, seed)
    atomic_write_text(out / "report.html", build_report(paths, {"report": {}}))
    print(out / "report.html")
