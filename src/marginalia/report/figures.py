"""The report's figures as inline SVG strings (matplotlib, no pyplot state, text kept as text).

Each function takes plain records (comparison rows of rows.py, class estimates of model_views.py)
and returns an SVG string, or None when there is nothing to draw; the template then says why the
figure is absent.
"""

from __future__ import annotations

import io
import math
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from marginalia.report.values import visible_controls  # noqa: E402

__all__ = ["hedge_figure", "forest_figure", "funnel_figure", "power_figure", "HEDGE_COLORS"]

HEDGE_COLORS = {
    "marginal": "#d95f02",
    "mixed": "#7570b3",
    "none": "#777777",
    "strong": "#1b9e77",
}
INK, MUTED, ACCENT, ALERT = "#222222", "#9a9a9a", "#2c5d8f", "#c0392b"
Z90 = 1.6448536269514722

RC = {
    "svg.fonttype": "none",  # text stays text: small, selectable, searchable
    "text.parse_math": False,  # titles are external text: "$" must not start mathtext
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # in the SVG: 'DejaVu Sans', sans-serif
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.labelcolor": INK,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "axes.grid": True,
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
}


_ATTR = re.compile(r'(\s(?:d|x|y|x1|x2|y1|y2|width|height|transform|viewBox|points)=")([^"]*)"')
_LONG = re.compile(r"(\d+\.\d{2})\d+")


def _compact(svg: str) -> str:
    """Shrink matplotlib's SVG without changing what it shows or any text content.

    Coordinates are rounded to 2 decimals, whitespace between tags and no-op rotations are
    dropped, and the ids of <g> groups (unreferenced, and duplicated across figures) removed.
    """
    svg = _ATTR.sub(lambda m: m.group(1) + _LONG.sub(r"\1", m.group(2)) + '"', svg)
    svg = re.sub(r' transform="rotate\(-?0 [^"]*\)"', "", svg)
    svg = re.sub(r'<g id="[^"]*"', "<g", svg)
    return re.sub(r">\s+<", "><", svg)


def _plain_log(axis) -> None:
    """Log-axis tick labels as plain numbers (mathtext is off, see RC)."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _svg(fig: Figure, name: str) -> str:
    """Serialise ``fig``; ids are salted by ``name`` so several SVGs can share one page."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"marginalia-{name}"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    # matplotlib's global "*{stroke-linejoin...}" rule would leak into the page; scope it.
    svg = svg.replace("*{stroke-linejoin", f"#fig-{name} *{{stroke-linejoin", 1)
    svg = re.sub(r"<svg ", f'<svg id="fig-{name}" role="img" ', svg, count=1)
    return _compact(svg)


def _short(s: str, n: int) -> str:
    """Outside text as a figure label: controls shown, not obeyed; at most ``n`` characters."""
    s = " ".join(visible_controls(s).split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _jitter(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-0.16, 0.16, n)


#: (drawn, eligible) when a figure draws a random sample of its points, else None
Sample = tuple[int, int] | None


def _sample(pts: list[dict], max_points: int, seed: int) -> tuple[list[dict], Sample]:
    """At most ``max_points`` of ``pts`` (0: all), a seeded random sample kept in order.

    Above a few thousand points an SVG scatter grows by megabytes and the browser slows; the
    figure's shape is the same on a sample, and the caption says it is one.
    """
    if not max_points or len(pts) <= max_points:
        return pts, None
    keep = np.sort(np.random.default_rng(seed).choice(len(pts), max_points, replace=False))
    return [pts[i] for i in keep], (max_points, len(pts))


def _limits(values: list[float], pad: float = 0.06) -> tuple[float, float]:
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if v.size == 0:
        return -1.0, 1.0
    lo, hi = float(np.min(v)), float(np.max(v))
    if v.size >= 20:  # keep a few wild values from flattening everything else
        lo = min(float(np.quantile(v, 0.02)), 0.0)
        hi = max(float(np.quantile(v, 0.98)), 0.0)
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    span = (hi - lo) or 1.0
    return lo - pad * span, hi + pad * span


def _warn(fig: Figure, warn: str | None) -> None:
    """A red line across the top of a figure whose posterior comes from a failed fit."""
    if warn:
        fig.suptitle(warn, color=ALERT, fontsize=10, fontweight="bold", x=0.01, ha="left")


def hedge_figure(
    rows: list[dict],
    estimates: list[dict],
    family: str = "pp",
    warn: str | None = None,
    max_points: int = 0,
) -> tuple[str | None, Sample]:
    """Reported effects (dots) and posterior class means (diamond + 90% interval) per class.

    Left panel: claim level (the comparison's own hedge); right: paper level (the paper's).
    With more than ``max_points`` effects a random sample of them is drawn (the n per class
    and the axis range still count every one). Returns (svg or None, the sample or None).
    """
    every = [r for r in rows if r["family"] == family and r["in_model"] and r["y"] is not None]
    est = [e for e in estimates if e["family"] == family and not e["is_contrast"]]
    if not every and not est:
        return None, None
    pts, sample = _sample(every, max_points, seed=11)
    panels = [
        ("claim", "hedge_local", "Claim level: what authors called this number"),
        ("paper", "paper_hedge", "Paper level: how the abstract describes its results"),
    ]
    values = [r["y"] for r in every] + [
        x for e in est for x in (e["lo"], e["hi"], e["mean"]) if x is not None
    ]
    xlo, xhi = _limits(values)
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(10.5, 3.6), layout="constrained")
        axes = fig.subplots(1, 2, sharex=True)
        for ax, (analysis, col, title) in zip(axes, panels, strict=True):
            classes = [
                c
                for c in HEDGE_COLORS
                if any(r[col] == c for r in every)
                or any(e["label"] == c and e["analysis"] == analysis for e in est)
            ]
            extra = sorted({r[col] for r in every if r[col] and r[col] not in HEDGE_COLORS})
            classes += extra
            if not classes:
                ax.set_axis_off()
                ax.set_title(title + " (no data)", loc="left", fontsize=9.5)
                continue
            for i, cls in enumerate(classes):
                color = HEDGE_COLORS.get(cls, MUTED)
                ys = [r["y"] for r in pts if r[col] == cls]
                if ys:
                    yv = np.clip(np.asarray(ys), xlo, xhi)
                    clipped = np.asarray(ys) != yv
                    jit = i + 0.12 + _jitter(len(ys), seed=i + 7)
                    ax.scatter(
                        yv[~clipped],
                        jit[~clipped],
                        s=14,
                        color=color,
                        alpha=0.55,
                        linewidths=0,
                        zorder=2,
                    )
                    if clipped.any():
                        ax.scatter(
                            yv[clipped],
                            jit[clipped],
                            s=22,
                            marker=">",
                            color=color,
                            alpha=0.8,
                            linewidths=0,
                            zorder=2,
                        )
                e = next((e for e in est if e["label"] == cls and e["analysis"] == analysis), None)
                if e and e["mean"] is not None:
                    if e["lo"] is not None and e["hi"] is not None:
                        ax.plot(
                            [e["lo"], e["hi"]],
                            [i - 0.24] * 2,
                            color=INK,
                            lw=2.2,
                            solid_capstyle="butt",
                            zorder=3,
                        )
                    ax.plot(
                        [e["mean"]],
                        [i - 0.24],
                        marker="D",
                        ms=6.5,
                        color=color,
                        mec=INK,
                        mew=0.9,
                        zorder=4,
                    )
                n = sum(1 for r in every if r[col] == cls)
                ax.text(
                    1.0,
                    i,
                    f" n={n}",
                    transform=ax.get_yaxis_transform(),
                    va="center",
                    ha="left",
                    fontsize=8,
                    color="#555555",
                )
            ax.axvline(0, color="#555555", lw=0.8, zorder=1)
            ax.set_yticks(range(len(classes)), classes)
            ax.set_ylim(len(classes) - 0.5, -0.6)
            ax.grid(axis="y", visible=False)
            ax.set_xlim(xlo, xhi)
            ax.set_title(title, loc="left", fontsize=9.5)
            ax.set_xlabel(
                "improvement, model scale (percentage points)"
                if family == "pp"
                else f"improvement ({family})"
            )
        handles = [
            Line2D([], [], ls="", marker="o", color=MUTED, ms=5, label="reported effect"),
            Line2D(
                [],
                [],
                color=INK,
                lw=2.2,
                marker="D",
                mfc="white",
                mec=INK,
                ms=6,
                label="posterior class mean, 90% interval",
            ),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8.5)
        _warn(fig, warn)
        return _svg(fig, f"hedge-{family}"), sample


def forest_figure(
    rows: list[dict], max_rows: int, family: str = "pp", warn: str | None = None
) -> tuple[str | None, int]:
    """Reported y (±1.645 se) vs posterior theta (90% interval), sorted by theta.

    Returns (svg or None, number of comparisons left out because of ``max_rows``).
    """
    pts = [r for r in rows if r["family"] == family and r["claim"]["theta_mean"] is not None]
    if not pts:
        return None, 0
    dropped = 0
    if len(pts) > max_rows > 0:
        # keep the comparisons the model moved most: they are the ones worth a look
        pts = sorted(pts, key=lambda r: -abs((r["y"] or 0) - r["claim"]["theta_mean"]))
        dropped = len(pts) - max_rows
        pts = pts[:max_rows]
    pts.sort(key=lambda r: (r["claim"]["theta_mean"], r["y"] or 0))
    labels = []
    for r in pts:
        where = r["benchmark"] or r["metric"] or r["span"]
        labels.append(f"{_short(r['title'], 38)} · {_short(where, 22)}")
    values = []
    for r in pts:
        values += [r["claim"]["theta_lo"], r["claim"]["theta_hi"], r["y"]]
    xlo, xhi = _limits(values, pad=0.04)
    with matplotlib.rc_context(RC):
        height = 0.9 + 0.2 * len(pts)
        fig = Figure(figsize=(10.5, height), layout="constrained")
        ax = fig.subplots()
        idx = np.arange(len(pts), dtype=float)
        ax.barh(idx[::2], xhi - xlo, left=xlo, height=1.0, color="#f3f5f7", zorder=0, lw=0)
        y = np.asarray([np.nan if r["y"] is None else r["y"] for r in pts], dtype=float)
        se = np.asarray([np.nan if r["se"] is None else r["se"] for r in pts], dtype=float)
        has_se = np.isfinite(y) & np.isfinite(se)
        ax.hlines(
            idx[has_se] + 0.18,
            (y - Z90 * se)[has_se],
            (y + Z90 * se)[has_se],
            color=MUTED,
            lw=1,
            zorder=2,
        )
        flagged = np.asarray([bool(r["flags"]) for r in pts])
        ok = np.isfinite(y)
        yc = np.clip(y, xlo, xhi)
        ax.scatter(
            yc[ok & ~flagged],
            idx[ok & ~flagged] + 0.18,
            s=16,
            facecolors="white",
            edgecolors="#555555",
            linewidths=1.1,
            zorder=3,
        )
        ax.scatter(
            yc[ok & flagged],
            idx[ok & flagged] + 0.18,
            s=16,
            facecolors="white",
            edgecolors=ALERT,
            linewidths=1.1,
            zorder=3,
        )
        lo = np.asarray(
            [np.nan if r["claim"]["theta_lo"] is None else r["claim"]["theta_lo"] for r in pts],
            dtype=float,
        )
        hi = np.asarray(
            [np.nan if r["claim"]["theta_hi"] is None else r["claim"]["theta_hi"] for r in pts],
            dtype=float,
        )
        mean = np.asarray([r["claim"]["theta_mean"] for r in pts], dtype=float)
        both = np.isfinite(lo) & np.isfinite(hi)
        ax.hlines(idx[both] - 0.12, lo[both], hi[both], color=ACCENT, lw=2.4, zorder=2)
        ax.scatter(
            mean, idx - 0.12, s=26, color=ACCENT, edgecolors="white", linewidths=0.8, zorder=4
        )
        ax.axvline(0, color="#555555", lw=0.8, zorder=1)
        ax.set_yticks(range(len(pts)), labels, fontsize=7.5)
        ax.set_ylim(len(pts) - 0.4, -0.6)
        ax.set_xlim(xlo, xhi)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("percentage points" if family == "pp" else f"model scale ({family})")
        ax.xaxis.set_ticks_position("both")
        ax.tick_params(axis="x", labeltop=True)
        handles = [
            Line2D(
                [],
                [],
                ls="-",
                color=MUTED,
                marker="o",
                mfc="white",
                mec="#555555",
                ms=4.5,
                label="reported y ± 1.645 se",
            ),
            Line2D(
                [],
                [],
                ls="-",
                color=ACCENT,
                lw=2.4,
                marker="o",
                ms=4.5,
                label="posterior θ, 90% interval (claim level)",
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                mfc="white",
                mec=ALERT,
                ms=4.5,
                label="flagged by the power analysis",
            ),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8)
        _warn(fig, warn)
        return _svg(fig, f"forest-{family}"), dropped


def power_figure(
    rows: list[dict], family: str = "pp", max_points: int = 0
) -> tuple[str | None, str, Sample]:
    """|reported effect| and MDE against test-set size n (or se when n is unknown).

    Returns (svg or None, the x quantity used: "n", "se" or "" when nothing could be drawn,
    the sample drawn when there were more than ``max_points`` comparisons, else None).
    """
    pts = [r for r in rows if r["family"] == family and r["mde"] is not None]
    if not pts:
        return None, "", None
    with_n = [r for r in pts if r["n"] is not None and r["n"] > 0]
    xkey = "n" if with_n else "se"
    pts = with_n if with_n else [r for r in pts if r["se"] is not None and r["se"] > 0]
    if not pts:
        return None, "", None
    pts, sample = _sample(pts, max_points, seed=13)
    x = np.asarray([r[xkey] for r in pts], dtype=float)
    mde = np.asarray([r["mde"] for r in pts], dtype=float)
    rep = np.asarray([abs(r["y"]) if r["y"] is not None else np.nan for r in pts], dtype=float)
    flagged = np.asarray(
        [("within_noise" in r["flags"]) or ("underpowered" in r["flags"]) for r in pts]
    )
    # spread points that share one test set (same n) so they stay visible
    rng = np.random.default_rng(3)
    xj = x * np.exp(rng.uniform(-0.06, 0.06, len(x)))
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(10.5, 4.2), layout="constrained")
        ax = fig.subplots()
        fin = np.isfinite(rep)
        # one collection, not a Line2D per comparison (thousands of artists are slow to draw)
        ax.add_collection(
            LineCollection(
                [
                    [(xi, min(m, rv)), (xi, max(m, rv))]
                    for xi, m, rv in zip(xj[fin], mde[fin], rep[fin], strict=True)
                ],
                colors="#d0d0d0",
                linewidths=0.8,
                zorder=1,
            )
        )
        ax.scatter(
            xj,
            mde,
            marker="_",
            s=90,
            color=INK,
            linewidths=1.6,
            zorder=3,
            label="MDE of the comparison",
        )
        ok = np.isfinite(rep)
        ax.scatter(
            xj[ok & ~flagged],
            rep[ok & ~flagged],
            s=22,
            color=ACCENT,
            zorder=4,
            label="|reported effect|, not flagged",
        )
        ax.scatter(
            xj[ok & flagged],
            rep[ok & flagged],
            s=30,
            marker="^",
            color=ALERT,
            zorder=5,
            label="|reported effect|, underpowered or within noise",
        )
        ax.set_xscale("log")
        _plain_log(ax.xaxis)
        positive = np.concatenate([mde[mde > 0], rep[ok & (rep > 0)]])
        if positive.size and positive.max() / max(positive.min(), 1e-9) > 50:
            ax.set_yscale("log")
            _plain_log(ax.yaxis)
        ax.set_xlabel(
            "test-set size n (log scale)"
            if xkey == "n"
            else "standard error of the comparison (log scale; n unknown)"
        )
        unit = "percentage points" if family == "pp" else family
        ax.set_ylabel(f"effect size ({unit})")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8)
        return _svg(fig, f"power-{family}"), xkey, sample


def funnel_figure(
    rows: list[dict], family: str = "pp", max_points: int = 0
) -> tuple[str | None, Sample]:
    """Contour-enhanced funnel plot: reported effect against its SE, by hedge class.

    The shaded wedge is |y| < 1.96 se (not distinguishable from zero at 5%, two-sided): a
    corpus of reported results that avoids the wedge, especially at large SEs, is what selection
    of significant results looks like (Peters et al. 2008). Only modelled comparisons with a
    known SE are drawn; None when there are none. With more than ``max_points`` a random
    sample is drawn (the legend's counts and the axis range count every one); the second value
    is that sample, or None.
    """
    pts = [
        r
        for r in rows
        if r["family"] == family
        and r["in_model"]
        and r["y"] is not None
        and r["se"] is not None
        and r["se"] > 0
    ]
    if not pts:
        return None, None
    top = max(float(r["se"]) for r in pts) * 1.15
    local = [r["hedge_local"] or "none" for r in pts]
    counts = {cls: local.count(cls) for cls in HEDGE_COLORS}
    pts, sample = _sample(pts, max_points, seed=17)
    y = np.asarray([r["y"] for r in pts], dtype=float)
    se = np.asarray([r["se"] for r in pts], dtype=float)
    grid = np.linspace(0.0, top, 50)
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(6.2, 4.0), layout="constrained")
        ax = fig.subplots()
        ax.fill_betweenx(grid, -1.96 * grid, 1.96 * grid, color="#eeeeee", zorder=0)
        for z, style in ((1.96, "-"), (2.576, ":")):
            for sign in (-1, 1):
                ax.plot(sign * z * grid, grid, color=MUTED, lw=0.8, ls=style, zorder=1)
        ax.axvline(0.0, color="#bbbbbb", lw=0.8, zorder=1)
        for cls, color in HEDGE_COLORS.items():
            mine = np.asarray([(r["hedge_local"] or "none") == cls for r in pts], dtype=bool)
            if counts[cls]:  # in the legend with its full count, even if none was sampled
                ax.scatter(
                    y[mine], se[mine], s=26, color=color, zorder=3, label=f"{cls} ({counts[cls]})"
                )
        ax.set_ylim(top, 0.0)  # small SEs at the top, as in a funnel plot
        unit = "percentage points" if family == "pp" else family
        ax.set_xlabel(f"reported effect y ({unit})")
        ax.set_ylabel("standard error se (inverted)")
        ax.legend(loc="lower right", fontsize=8, title="claim hedge", title_fontsize=8)
        return _svg(fig, f"funnel-{family}"), sample
