"""Throughput of the extraction stage on one core: abstracts per CPU-second, and peak memory.

What is timed: marginalia.extract.extract_corpus on a corpus table, end to end: reading the
numbers, the comparison grammar (effects), the local and paper-level hedges, and building the
effects and papers DataFrames. Reading the corpus file and loading the benchmark registry are
not timed.

The embedded corpus (config/corpus/hf-trending-marginal.txt, 93 papers) is replicated to at
least ``--abstracts`` papers with distinct paper_ids, and every copy's abstract gets a distinct
digit-free closing sentence ("Replica bc."), so no two abstracts are equal and nothing computed
for one abstract can be reused for another (the extractor keeps no results across abstracts
other than the hedge analysis of an identical text and benchmark-name lookups in the registry).
One warm-up pass on a slice, then ``--repeats``
timed passes over the whole set; the median is reported. The process is pinned to one CPU and
BLAS/OpenMP pools to one thread. Both wall-clock and CPU time (time.process_time) are measured:
on a shared machine the CPU time is the steadier measure of the work per core, and
"abstracts / CPU s" is the figure to quote (the last line of the output is a one-line summary).

    .venv/bin/python benchmarks/bench_extract.py                 # 10,000 abstracts, 5 repeats
    .venv/bin/python benchmarks/bench_extract.py --json results/benchmarks/extract.json

Not part of the test gate (pytest collects tests/ only).
"""

from __future__ import annotations

import os

# one core: no BLAS/OpenMP thread pools (set before numpy/pandas are imported)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _letters(k: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'ba': a digit-free tag (digits could be read as numbers)."""
    out = ""
    while True:
        k, r = divmod(k, 26)
        out = chr(ord("a") + r) + out
        if not k:
            return out


def replicate(corpus: pd.DataFrame, n: int, *, identical: bool = False) -> pd.DataFrame:
    """At least ``n`` rows: copies of ``corpus`` with distinct paper_ids and titles.

    Unless ``identical``, every copy's abstract also gets a digit-free closing sentence
    ("Replica bc.") so that no two abstracts are equal: the extractor caches per-text work
    (functools.lru_cache), and 108 copies of 93 abstracts would otherwise be served from the
    cache and overstate the throughput on new text.
    """
    copies = -(-n // len(corpus))
    frames = []
    for k in range(copies):
        part = corpus.copy()
        part["paper_id"] = [f"bench:{k}:{i}" for i in range(len(part))]
        if k:
            part["title"] = part["title"] + f" (copy {_letters(k)})"
            if not identical:
                part["abstract"] = part["abstract"] + f" Replica {_letters(k)}."
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def source_fingerprint() -> str:
    """sha1 over the extractor's source files, to tell which state of the code was measured."""
    import hashlib

    import marginalia.extract as extract
    import marginalia.text as text

    digest = hashlib.sha1()
    files = [*Path(extract.__file__).parent.glob("*.py"), *Path(text.__file__).parent.glob("*.py")]
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def max_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 1024 / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.rsplit("\n\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--corpus",
        default=str(REPO / "config/corpus/hf-trending-marginal.txt"),
        help="paper list to replicate (default: the embedded corpus)",
    )
    parser.add_argument(
        "--benchmarks",
        default=str(REPO / "config/benchmarks.yaml"),
        help="benchmark registry (default: config/benchmarks.yaml)",
    )
    parser.add_argument(
        "--abstracts", type=int, default=10_000, help="at least this many (default: 10000)"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed passes, median reported (default: 5)"
    )
    parser.add_argument(
        "--warmup", type=int, default=500, help="abstracts in the warm-up pass (default: 500)"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also measure peak Python allocations in one extra, untimed pass",
    )
    parser.add_argument(
        "--identical",
        action="store_true",
        help="keep replicated abstracts identical (lets per-text caches hit: an upper bound)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to 1 CPU")
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)

    pinned = None
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        pinned = cpu

    from marginalia.evaluate import read_corpus, run_extractor
    from marginalia.registry import load_registry

    registry = load_registry(args.benchmarks)
    base = read_corpus(args.corpus)
    corpus = replicate(base, args.abstracts, identical=args.identical)
    n = len(corpus)
    rss_before = max_rss_mb()

    run_extractor(corpus.iloc[: args.warmup], registry)  # warm-up: imports, regex caches

    seconds, cpu_seconds = [], []
    n_effects = n_papers = 0
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        effects, papers = run_extractor(corpus, registry)
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(time.process_time() - c0)
        n_effects, n_papers = len(effects), len(papers)
    del effects, papers
    rss_peak = max_rss_mb()

    traced_peak = None
    if args.tracemalloc:
        tracemalloc.start()
        run_extractor(corpus, registry)
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()

    median = statistics.median(seconds)
    cpu_median = statistics.median(cpu_seconds)
    us_per_abstract = cpu_median / n * 1e6
    result = {
        "abstracts": n,
        "distinct_paper_ids": int(corpus["paper_id"].nunique()),
        "distinct_abstracts": int(corpus["abstract"].nunique()),
        "source_papers": len(base),
        "effects_per_pass": n_effects,
        "papers_per_pass": n_papers,
        "repeats": args.repeats,
        "seconds": [round(s, 4) for s in seconds],
        "median_seconds": round(median, 4),
        "abstracts_per_second_per_core": round(n / median, 1),
        "best_abstracts_per_second": round(n / min(seconds), 1),
        "cpu_seconds": [round(s, 4) for s in cpu_seconds],
        "abstracts_per_cpu_second": round(n / cpu_median, 1),
        "cpu_us_per_abstract": round(us_per_abstract, 1),
        "max_rss_mb_before_extraction": round(rss_before, 1),
        "max_rss_mb_peak": round(rss_peak, 1),
        "tracemalloc_peak_mb": None if traced_peak is None else round(traced_peak, 1),
        "pinned_cpu": pinned,
        "extract_source_sha1": source_fingerprint(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor_count": os.cpu_count(),
    }
    rows = [
        (
            "abstracts (distinct ids / texts)",
            f"{n:,} ({result['distinct_paper_ids']:,} / {result['distinct_abstracts']:,})",
        ),
        ("effects / papers per pass", f"{n_effects:,} / {n_papers:,}"),
        ("timed passes (s)", ", ".join(f"{s:.2f}" for s in seconds)),
        ("median pass (s)", f"{median:.2f}"),
        ("abstracts / s / core (median)", f"{result['abstracts_per_second_per_core']:,.1f}"),
        ("CPU s per pass (median)", f"{cpu_median:.2f}"),
        ("abstracts / CPU s (median)", f"{result['abstracts_per_cpu_second']:,.1f}"),
        ("CPU time per abstract (median)", f"{us_per_abstract:.1f} us"),
        ("peak RSS (MB), before -> after", f"{rss_before:.0f} -> {rss_peak:.0f}"),
    ]
    if traced_peak is not None:
        rows.append(("tracemalloc peak (MB), one pass", f"{traced_peak:.1f}"))
    width = max(len(k) for k, _ in rows)
    print(
        f"extraction throughput (pinned to CPU {pinned}; "
        f"marginalia.extract sources sha1 {result['extract_source_sha1']})"
    )
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    print(
        f"extract_corpus: {result['abstracts_per_cpu_second']:,.0f} abstracts per CPU-second "
        f"on one core ({us_per_abstract:.0f} us each; median of {args.repeats} passes over "
        f"{n:,} distinct abstracts; peak RSS {rss_peak:.0f} MB)"
    )
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
