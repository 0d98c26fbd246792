"""A site under a sub-path: robots.txt is not at the host's root, so sitemap.xml itself (a
sitemap index) must lead a crawler to every case page."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conftest import build, case_text, make_library

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
    assert "https://example.org/library/" in reached and "https://example.org/library/explore/" in reached
    robots = (built.site / "robots.txt").read_text("utf-8")
    assert "Sitemap: https://example.org/library/sitemap.xml" in robots
