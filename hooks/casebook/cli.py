"""``python -m casebook check``: validate the library without building the site."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .cache import BuildCache
from .docs import write_contributing
from .library import load_library
from .problems import ValidationFailed, format_notes, format_report
from .scaffold import new_case


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
    new = sub.add_parser("new", help="create cases/<id>.md from the template")
    new.add_argument("id", help="the new case's id: lower-case letters, digits and single hyphens")
    new.add_argument("--root", default=".", help="the library folder (default: current folder)")
    docs = sub.add_parser("docs", help="regenerate the field reference in CONTRIBUTING.md from the schema")
    docs.add_argument("--root", default=".", help="the library folder (default: current folder)")
    args = parser.parse_args(argv)
    if args.command == "docs":
        try:
            changed = write_contributing(Path(args.root))
        except ValidationFailed as exc:
            print(format_report(exc.problems), file=sys.stderr)
            return 1
        print("CONTRIBUTING.md updated." if changed else "CONTRIBUTING.md is up to date.")
        return 0
    if args.command == "new":
        try:
            path = new_case(Path(args.root), args.id)
        except ValueError as exc:
            print(f"casebook new: {exc}", file=sys.stderr)
            return 2
        except ValidationFailed as exc:
            print(format_report(exc.problems), file=sys.stderr)
            return 1
        print(f"Created {path.relative_to(Path(args.root)).as_posix()}. Fill in every TODO, then run: make check")
        return 0
    cache = BuildCache.for_library(Path(args.root))
    library = load_library(Path(args.root), cache=cache)
    cache.close()
    if library.problems:
        print(format_report(library.problems), file=sys.stderr)
        _notes(library.notes, args.github, sys.stderr)
        if args.github:
            for problem in library.problems:
                print(problem.github_annotation())
        return 1
    n = len(library.cases)
    counted = f"{n} case{'s' if n != 1 else ''} and {len(library.taxonomy.keywords)} keywords"
    if not _config_readable(Path(args.root) / "mkdocs.yml"):
        print(
            f"Not OK: mkdocs.yml cannot be read, so the {counted} were checked with Markdown's built-in "
            "settings, not the site's (no problems found in them); correct mkdocs.yml, then check again",
            file=sys.stderr,
        )
        return 1
    print(f"OK: {counted} checked, no problems.")
    _notes(library.notes, args.github, sys.stdout)
    return 0


def _config_readable(path: Path) -> bool:
    """Whether the library's ``mkdocs.yml`` is missing (a folder of cases alone) or readable as
    YAML; else its Markdown settings, which decide what a heading is, were not known to the check
    (``make check`` reports why first: ``python -m casebook_options``)."""
    import yaml

    from .markdown_reading import ConfigError, read_mkdocs_config

    if not path.exists():
        return True
    try:
        read_mkdocs_config(path)
    except ConfigError:  # reported with the cases' problems (MarkdownReading.from_file)
        return True
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return True


def _notes(notes: list, github: bool, stream) -> None:
    """Print the library's notes after the problems or the OK line (they never fail the check);
    with ``github``, also as ``::notice`` annotations on standard output."""
    if notes:
        print(format_notes(notes), file=stream)
    if github:
        for note in notes:
            print(note.github_annotation("notice"))
