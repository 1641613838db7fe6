"""Two small commands for a finished run:

- ``python -m marginalia summary [OUTDIR]``: the few-line answer of the run in OUTDIR;
- ``python -m marginalia report-path [CONFIG ...]``: the report of the run the configs describe
  (their ``outdir``, the last one that sets it; config/config.yaml first), as ``make report``
  prints it.
"""

from __future__ import annotations

import argparse
import sys

from marginalia.errors import MarginaliaError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m marginalia")
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="what a finished run found, and its report")
    summary.add_argument("outdir", nargs="?", default="results", help="the run's output folder")
    where = commands.add_parser("report-path", help="the report of the run these configs make")
    where.add_argument("configs", nargs="*", help="config files laid over config/config.yaml")
    args = parser.parse_args(argv)
    from marginalia.report.summary import report_path, run_summary

    try:
        if args.command == "summary":
            print(run_summary(args.outdir))
        else:
            print(report_path(["config/config.yaml", *args.configs]))
    except MarginaliaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
