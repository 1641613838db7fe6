"""Put the repository's src/ first on sys.path, so job scripts import this checkout's marginalia.

Snakemake puts workflow/scripts on sys.path for `script:` jobs; each adapter imports this module
first. This makes the workflow run where marginalia is not pip-installed, e.g. under
`--sdm conda`, whose environment (envs/marginalia.yaml) holds only the dependencies.
"""

import sys
from pathlib import Path

_SRC = str(Path(__file__).resolve().parents[2] / "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)
