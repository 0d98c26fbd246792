"""A site under a sub-path: robots.txt is not at the host's root, so sitemap.xml itself (a
sitemap index) must lead a crawler to every case page."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

from conftest import build, build_dated_by_git, case_text, commit, git, make_library

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_sitemap_index_reaches_every_case_under_a_sub_path(tmp_path):
    cases = {f"case-{i}.md": case_text(f"Programme {i}") for i in range(3)}
    lib = make_library(tmp_path / "lib", cases)
    config = lib / "mkdocs.yml"
    text = config.read_text("utf-8").replace(
        "site_url: https://casebook.example.org/", "site_url: https://example.org/library/"
    )
    config.write_text(text, "utf-8")
    built = build(lib)
    assert built.returncode == 0, built.output

    index = ET.parse(built.site / "sitemap.xml").getroot()
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    named = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
    assert named == ["https://example.org/library/sitemap-pages.xml", "https://example.org/library/sitemap-cases.xml"]

    reached = set()
    for url in named:
        sitemap = ET.parse(built.site / url.rsplit("/", 1)[1]).getroot()
        assert sitemap.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
        reached |= {loc.text for loc in sitemap.findall("s:url/s:loc", NS)}
    for i in range(3):
        assert f"https://example.org/library/cases/case-{i}/" in reached
    assert "<lastmod>" not in (built.site / "sitemap-cases.xml").read_text("utf-8")  # no git: no dates
    assert "https://example.org/library/" in reached and "https://example.org/library/explore/" in reached
    robots = (built.site / "robots.txt").read_text("utf-8")
    assert "Sitemap: https://example.org/library/sitemap.xml" in robots


def _lastmods(site) -> dict:
    """Case page address → its <lastmod> (``None`` when there is none) in sitemap-cases.xml."""
    root = ET.parse(site / "sitemap-cases.xml").getroot()
    out = {}
    for url in root.findall("s:url", NS):
        lastmod = url.find("s:lastmod", NS)
        out[url.find("s:loc", NS).text.rsplit("/cases/", 1)[1]] = None if lastmod is None else lastmod.text
    return out


def _history(tmp_path):
    """Cases added in 2019 and 2021, the older corrected in 2022, an unrelated commit in 2024 (HEAD)."""
    lib = make_library(tmp_path / "origin", {"older.md": case_text("Older programme")})
    git(lib, "init", "-q", "-b", "main")
    commit(lib, "first", "2019-05-01T12:00:00Z")
    (lib / "cases" / "newer.md").write_text(case_text("Newer programme"), "utf-8")
    commit(lib, "second", "2021-05-01T12:00:00Z")
    older = lib / "cases" / "older.md"
    older.write_text(older.read_text("utf-8").replace("A lead paragraph.", "A corrected lead."), "utf-8")
    commit(lib, "correct older", "2022-03-04T23:30:00Z")
    (lib / "README.md").write_text("later\n", "utf-8")
    commit(lib, "third", "2024-05-01T12:00:00Z")
    return lib


def _build(folder, strict=True):
    """The site built with git's dates (the commit's date is the build's)."""
    proc = build_dated_by_git(folder, strict)
    assert proc.returncode == 0, proc.stderr
    return folder / "site"


def test_each_case_has_its_own_last_change_date(tmp_path):
    lib = _history(tmp_path)
    (lib / "cases" / "draft.md").write_text(case_text("Draft programme"), "utf-8")  # not committed: unknown
    site = _build(lib)
    assert _lastmods(site) == {"draft/": None, "newer/": "2021-05-01", "older/": "2022-03-04"}
    assert "2024-05-01" not in (site / "sitemap-cases.xml").read_text("utf-8")  # never HEAD's date


def test_a_shallow_clone_gives_no_case_a_date(tmp_path):
    origin = _history(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", origin.as_uri(), str(clone)], check=True, capture_output=True)
    site = _build(clone, strict=False)  # strict stops at the shallow clone's warning (test_history.py)
    assert _lastmods(site) == {"newer/": None, "older/": None}
