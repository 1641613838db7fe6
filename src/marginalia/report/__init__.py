"""Stage 6: the regenerated, self-contained HTML report.

``build_report(inputs, config)`` reads the stage outputs named in ``inputs`` (the named inputs of
rule render_report), and returns one HTML document: figures inline as SVG, CSS and JS inline, all
external text escaped. Missing or degraded inputs are shown in the report, never fatal.
"""

from __future__ import annotations

from marginalia.report.build import DEFAULTS, build_report, report_options

__all__ = ["DEFAULTS", "build_report", "report_options"]
