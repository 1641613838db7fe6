"""Glue for workflow/scripts: logging to the rule's log file and clean exits on user errors.

Scripts call :func:`run` with their main function. A :class:`MarginaliaError` becomes a short
message on stderr and in the log plus exit status 1; anything else is logged with its traceback
and re-raised.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from marginalia.errors import MarginaliaError


def setup_logging(log_path: str | None, level: int = logging.INFO) -> logging.Logger:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    return logging.getLogger("marginalia")


def run(main: Callable[[], object], log_path: str | None) -> None:
    log = setup_logging(log_path)
    try:
        main()
    except MarginaliaError as exc:
        log.error("%s", exc)
        sys.exit(1)
    except Exception:
        log.exception("unexpected error")
        raise
