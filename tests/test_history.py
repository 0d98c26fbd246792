"""Other hosts clone with depth 1: a shallow history never becomes every case's date."""

from __future__ import annotations

import subprocess

from conftest import build, build_dated_by_git, case_text, commit, git, make_library


def _repository(tmp_path):
    """A library whose two cases were added in 2019 and 2021, and a later commit in 2024."""
    lib = make_library(tmp_path / "origin", {"older.md": case_text("Older programme")})
    git(lib, "init", "-q", "-b", "main")
    commit(lib, "first", "2019-05-01T12:00:00Z")
    (lib / "cases" / "newer.md").write_text(case_text("Newer programme"), "utf-8")
    commit(lib, "second", "2021-05-01T12:00:00Z")
    (lib / "README.md").write_text("later\n", "utf-8")
    commit(lib, "third", "2024-05-01T12:00:00Z")
    return lib


_build = build_dated_by_git


def test_full_history_dates_the_additions(tmp_path):
    lib = _repository(tmp_path)
    built = build(lib)
    assert built.returncode == 0, built.output
    home = built.html("")
    assert home.select_one("#latest").get_text() == "Latest additions"
    assert [t.get_text() for t in home.select(".cb-card time")] == ["2021-05-01", "2019-05-01"]
    cite = (built.site / "cases/older/index.html").read_text("utf-8")
    assert "2019" in cite


def test_shallow_clone_fails_the_strict_build_with_the_fix(tmp_path):
    origin = _repository(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", origin.as_uri(), str(clone)], check=True, capture_output=True)
    strict = _build(clone)
    assert strict.returncode != 0
    assert "shallow clone" in strict.stderr and "git fetch --unshallow" in strict.stderr
    assert "fetch-depth: 0" in strict.stderr
    assert "Traceback" not in strict.stderr


def test_shallow_clone_builds_without_invented_dates(tmp_path):
    origin = _repository(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", origin.as_uri(), str(clone)], check=True, capture_output=True)
    plain = _build(clone, strict=False)
    assert plain.returncode == 0, plain.stderr
    assert "WARNING" in plain.stderr and "shallow clone" in plain.stderr
    from bs4 import BeautifulSoup

    home = BeautifulSoup((clone / "site/index.html").read_text("utf-8"), "html.parser")
    assert home.select_one("#latest").get_text() == "Most recent programmes"
    assert home.select(".cb-card time") == []  # no "added 2024-05-01" on every case
    page = (clone / "site/cases/older/index.html").read_text("utf-8")
    cite = BeautifulSoup(page, "html.parser")
    # HEAD's year is no citation year (the version, 2024.05.01+<commit>, names the commit, and is no year)
    assert "(n.d.)" in cite.select_one("#cb-cite-text").get_text()
    assert "year =" not in cite.select_one("#cb-bibtex").get_text()
    assert "issued" not in cite.select_one("#cb-csl").get_text()
