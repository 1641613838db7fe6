"""``python -m marginalia.evaluate --corpus ... --gold ...``: see :mod:`marginalia.evaluate.cli`."""

import sys

from marginalia.evaluate.cli import main

sys.exit(main())
