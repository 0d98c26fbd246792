"""``python -m casebook check``: validate the library without building the site."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .library import load_library
from .problems import format_report


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="casebook", description="Check a Casebook case library.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate cases/ and taxonomy/ and list every problem")
    check.add_argument("root", nargs="?", default=".", help="the library folder (default: current folder)")
    check.add_argument(
        "--github",
        action="store_true",
        default=os.environ.get("GITHUB_ACTIONS") == "true",
        help="also print GitHub Actions ::error annotations (default when GITHUB_ACTIONS=true)",
    )
    args = parser.parse_args(argv)
    library = load_library(Path(args.root))
    if library.problems:
        print(format_report(library.problems), file=sys.stderr)
        if args.github:
            for problem in library.problems:
                print(problem.github_annotation())
        return 1
    n = len(library.cases)
    print(f"OK: {n} case{'s' if n != 1 else ''} and {len(library.taxonomy.keywords)} keywords checked, no problems.")
    return 0
