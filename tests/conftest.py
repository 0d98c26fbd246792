"""Fixtures: build real sites in temporary folders from a dict of case files."""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from casebook.body import SECTIONS as BODY_SECTIONS

ROOT = Path(__file__).resolve().parent.parent
"""The repository: its generator files are copied into each test library."""

GENERATOR = ("mkdocs.yml", "docs", "overrides", "hooks", "CONTRIBUTING.md")

SECTIONS = BODY_SECTIONS
"""The eight sections, from the package (tests import them from here)."""

FRONT = """\
title: {title}
summary: >-
  A test programme used by the Casebook test suite to check how cases are
  loaded, validated and published.
country: SE
municipalities:
  - Malmö
neighbourhoods:
  - Seved
period:
  start: 2010
  end: 2015
keywords:
  - urban-renewal
  - Participation
  - segregation
sources:
  - title: A report
    publisher: A publisher
    year: 2016
    url: https://example.org/report
    language: sv
"""


def body(sections=SECTIONS, text="Something the sources report.") -> str:
    """A case body with the given H2 sections, each with one paragraph."""
    return "".join(f"## {name}\n\n{text}\n\n" for name in sections)


def case_text(title: str = "Test programme", front: str | None = None, body_text: str | None = None) -> str:
    """A complete valid case file (or one with the given front matter/body)."""
    front = FRONT.format(title=title) if front is None else textwrap.dedent(front)
    return f"---\n{front.rstrip()}\n---\n\nA lead paragraph.\n\n{body() if body_text is None else body_text}"


def make_case(title: str, country: str, municipality: str, keywords: list[str], start: int = 2010, end="2015") -> str:
    """A valid case with the given title, place, keywords and period."""
    text = case_text(title)
    text = text.replace("country: SE", f"country: {country}").replace("  - Malmö", f"  - {municipality}")
    text = text.replace("  start: 2010\n  end: 2015", f"  start: {start}\n  end: {end}")
    return re.sub(r"keywords:\n(  - .*\n)+", "keywords:\n" + "".join(f"  - {k}\n" for k in keywords), text)


def synthetic(n: int) -> dict:
    """``n`` deterministic cases spread over countries, periods and keywords.

    Each case depends only on its number, so case 7 is the same in every library size.
    """
    words = [
        "urban-renewal",
        "participation",
        "segregation",
        "safety",
        "energy-renovation",
        "evaluation",
        "public-procurement",
        "social-economy",
        "young-people",
        "schools",
    ]
    places = {"SE": "Malmö", "DK": "Odense", "NO": "Oslo", "FI": "Espoo"}
    out = {}
    for i in range(n):
        rng = random.Random(i)
        country = rng.choice(list(places))
        start = rng.randint(2000, 2020)
        end = rng.choice(["ongoing", start + rng.randint(0, 6)])
        keywords = rng.sample(words, rng.randint(3, 6))
        out[f"case-{i:04d}.md"] = make_case(f"Programme {i:04d}", country, places[country], keywords, start, end)
    return out


@dataclass
class Built:
    """The result of building a library."""

    returncode: int
    output: str
    site: Path

    def html(self, path: str) -> BeautifulSoup:
        """The parsed page at site path ``path`` (e.g. ``cases/x/``)."""
        file = self.site / path
        if path.endswith("/") or not path:
            file = file / "index.html"
        return BeautifulSoup(file.read_text("utf-8"), "html.parser")


def make_library(folder: Path, cases: dict[str, str | bytes], taxonomy: str | None = None) -> Path:
    """A library in ``folder``: the repository's generator plus the given cases."""
    folder.mkdir(parents=True)
    for name in GENERATOR:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, folder / name)
    (folder / "taxonomy").mkdir()
    tax = (ROOT / "taxonomy" / "keywords.yml").read_text("utf-8") if taxonomy is None else taxonomy
    (folder / "taxonomy" / "keywords.yml").write_text(tax, "utf-8")
    (folder / "cases").mkdir()
    for name, content in cases.items():
        path = folder / "cases" / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    return folder


def env() -> dict:
    """The environment for subprocesses: no Material end-of-life banner, hooks importable."""
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT / "hooks")}


def build(folder: Path) -> Built:
    """Run a strict ``mkdocs build`` of ``folder`` into ``folder/site``."""
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", "site"],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env(),
        check=False,
    )
    return Built(proc.returncode, proc.stdout + proc.stderr, folder / "site")


def git(folder: Path, *args: str, date: str | None = None) -> None:
    """Run git in ``folder`` as a test author; ``date`` (ISO 8601) dates the commit."""
    extra = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        cwd=folder,
        check=True,
        capture_output=True,
        env={**os.environ, **extra},
    )


def commit(folder: Path, message: str, date: str) -> None:
    """Commit everything in ``folder`` (``git add -A``) with ``message``, dated ``date`` (ISO 8601)."""
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", message, date=date)


def build_dated_by_git(folder: Path, strict: bool = True) -> subprocess.CompletedProcess:
    """``mkdocs build`` of ``folder`` into ``folder/site`` without a SOURCE_DATE_EPOCH from outside,
    so the build's dates come from git, as in CI."""
    args = [sys.executable, "-m", "mkdocs", "build", "--site-dir", "site", *(["--strict"] if strict else [])]
    environment = {k: v for k, v in env().items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.run(args, cwd=folder, capture_output=True, text=True, env=environment, check=False)


def check(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``python -m casebook check`` on ``folder``."""
    return subprocess.run(
        [sys.executable, "-m", "casebook", "check", str(folder), *args],
        capture_output=True,
        text=True,
        env=env(),
        check=False,
    )


@pytest.fixture
def library(tmp_path):
    """Make a library: ``library({"x.md": text})`` returns its folder."""
    return lambda cases, taxonomy=None: make_library(tmp_path / "lib", cases, taxonomy)


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Built:
    """A strict build of the repository itself (its real cases and taxonomy)."""
    out = tmp_path_factory.mktemp("real")
    for name in (*GENERATOR, "cases", "taxonomy"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, out / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, out / name)
    built = build(out)
    assert built.returncode == 0, built.output
    return built


def cache_rows(folder: Path, kind: str | None = None) -> list[tuple[str, str]]:
    """The (kind, key) of every entry in the build cache in ``folder`` (of one ``kind``, or all)."""
    database = folder / "cache.sqlite"
    if not database.is_file():
        return []
    with closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT kind, key FROM entries ORDER BY kind, key").fetchall()
    return [(k, key) for k, key in rows if kind is None or k == kind]


def raw_entry(folder: Path, kind: str, key: str) -> bytes | None:
    """The stored bytes of one build-cache entry (None if missing)."""
    with closing(sqlite3.connect(folder / "cache.sqlite")) as db:
        row = db.execute("SELECT value FROM entries WHERE kind = ? AND key = ?", (kind, key)).fetchone()
    return None if row is None else bytes(row[0])


def write_entry(folder: Path, kind: str, key: str, data: bytes, used: float | None = None) -> None:
    """Overwrite one build-cache entry's bytes (and, given ``used``, when a build last used it)."""
    with closing(sqlite3.connect(folder / "cache.sqlite")) as db:
        db.execute("UPDATE entries SET value = ? WHERE kind = ? AND key = ?", (data, kind, key))
        if used is not None:
            db.execute("UPDATE uses SET used = ? WHERE kind = ? AND key = ?", (used, kind, key))
        db.commit()


def explorer_state(url: str, facets=()):
    """The view (:class:`casebook.facets.State`) a canonical explorer address holds; ``facets``:
    the library's own facets (``library.contract.facets``), read from their names and
    ``<name>_from``/``<name>_to``."""
    from urllib.parse import parse_qs, urlsplit

    from casebook.facets import State

    q = parse_qs(urlsplit(url).query)
    year = lambda k: int(q[k][0]) if k in q else None  # noqa: E731
    return State(
        keywords=q.get("keyword", []),
        match=q.get("match", ["all"])[0],
        groups=q.get("group", []),
        countries=q.get("country", []),
        start=year("from"),
        end=year("to"),
        q=q.get("q", [""])[0],
        fields={f.name: q[f.name] for f in facets if f.name in q},
        ranges={
            f.name: (year(f"{f.name}_from"), year(f"{f.name}_to"))
            for f in facets
            if f"{f.name}_from" in q or f"{f.name}_to" in q
        },
    )


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (see browser.py)."""
    from browser import CHROMIUM_ARGS, chromium_path
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
