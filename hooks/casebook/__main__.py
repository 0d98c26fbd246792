"""Entry point for ``python -m casebook``."""

import sys

from .cli import main

sys.exit(main())
