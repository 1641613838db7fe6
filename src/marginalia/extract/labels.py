"""Labels people read: the metric and benchmark of a comparison without the LaTeX and
markup artefacts abstracts carry (``\\%``, ``$\\rightarrow$``, ``rightarrow``, ``\\textbf{}``).

Only the labels are cleaned; the span keeps the exact text and its offsets (issue 14, item 5).
"""

from __future__ import annotations

import re

__all__ = ["clean_label"]

_COMMANDS = {
    "rightarrow": "→",
    "longrightarrow": "→",
    "to": "→",
    "leftarrow": "←",
    "uparrow": "↑",
    "downarrow": "↓",
    "times": "×",
    "pm": "±",
    "sim": "~",
    "approx": "≈",
    "geq": "≥",
    "ge": "≥",
    "leq": "≤",
    "le": "≤",
    "cdot": "·",
    "alpha": "α",
    "beta": "β",
    "mu": "μ",
}
# \textbf{x}, \mathrm{x}, \emph{x}, \text{x}, \texttt{x}, \mathbf{x}, \textit{x}: keep x
_WRAPPER = re.compile(
    r"\\(?:text(?:bf|it|tt|rm|sc)?|math(?:rm|bf|it|tt|cal)|emph|operatorname)\{([^{}]*)\}"
)
_ESCAPED = re.compile(r"\\([%&_#$])")
# a command with its backslash, or a bare arrow word glued between tokens ("A rightarrow B")
_COMMAND = re.compile(
    r"\\(" + "|".join(sorted(_COMMANDS, key=len, reverse=True)) + r")(?![A-Za-z])"
)
_BARE_ARROW = re.compile(r"(?<![A-Za-z])(rightarrow|leftarrow|uparrow|downarrow)(?![A-Za-z])")
_SPACE = re.compile(r"\s+")


def clean_label(label: str | None) -> str:
    """``label`` as a reader should see it: ``"acc. \\% $\\rightarrow$ {BLEU}"`` ->
    ``"acc. % → BLEU"``. Empty for None."""
    if not label:
        return ""
    text = _WRAPPER.sub(r"\1", label)
    text = _ESCAPED.sub(r"\1", text)
    text = _COMMAND.sub(lambda m: _COMMANDS[m.group(1)], text)
    text = _BARE_ARROW.sub(lambda m: _COMMANDS[m.group(1)], text)
    # math delimiters and grouping braces carry nothing a reader needs
    text = text.replace("$", "").replace("{", "").replace("}", "")
    text = text.replace("\\", "")
    return _SPACE.sub(" ", text).strip(" ,;:")
