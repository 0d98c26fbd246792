"""Site search with Pagefind: a static index split into small chunks, so a
visitor downloads only what a query needs (Material's lunr index is one file
that grows with the library: ~90 MB at 10,000 cases)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GLOB = "cases/*/index.html"
"""Only case pages are indexed; their templates mark the text, filters and parts to skip."""


class SearchIndexError(Exception):
    """Pagefind failed; the message says what it printed."""


def build_index(site_dir: Path) -> str:
    """Index the built site in ``site_dir`` into ``site_dir/pagefind/``; returns Pagefind's summary.

    A library without cases gets no index (Pagefind refuses to build an empty one).
    """
    if not any(Path(site_dir).glob(GLOB)):
        return "no case pages to index"
    proc = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--glob", GLOB, "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not (Path(site_dir) / "pagefind" / "pagefind.js").is_file():
        raise SearchIndexError((proc.stdout + proc.stderr).strip() or f"pagefind exited with {proc.returncode}")
    return proc.stdout.strip()
