"""Entry point for ``python -m casebook``."""

import sys

from .cli import main

if __name__ == "__main__":  # also imported by a spawned pool's processes (casebook.pool)
    sys.exit(main())
