"""Strict builds of real sites, asserting on what a reader sees in the HTML."""

from __future__ import annotations

import json
from urllib.parse import urljoin, urlparse

import pytest

from casebook import load_library
from casebook.i18n import country_name
from conftest import ROOT, SECTIONS, build, case_text

REAL = load_library(ROOT)


def text_of(node) -> str:
    return " ".join(node.get_text(" ").split())


@pytest.mark.parametrize("case_id", sorted(REAL.cases))
def test_real_case_pages(real_site, case_id):
    case = REAL.cases[case_id]
    page = real_site.html(f"cases/{case_id}/")
    article = page.select_one(f"article.cb-case[data-case-id='{case_id}']")
    assert article is not None
    assert text_of(article.h1) == case.title
    assert page.title.string.startswith(case.title)
    meta = article.select_one("dl.cb-meta")
    assert text_of(meta.select_one(".cb-meta__country")) == country_name(case.country)
    assert text_of(meta.select_one(".cb-meta__municipalities")) == ", ".join(case.municipalities)
    if case.neighbourhoods:
        assert text_of(meta.select_one(".cb-meta__neighbourhoods")) == ", ".join(case.neighbourhoods)
    assert text_of(meta.select_one(".cb-meta__period")) == case.period_label
    chips = [a["data-keyword"] for a in meta.select(".cb-meta__keywords li a")]
    assert chips == list(case.keywords)
    labels = [text_of(li) for li in meta.select(".cb-meta__keywords li")]
    assert labels == [REAL.taxonomy.keywords[k].label for k in case.keywords]
    # All eight sections, in order, then the sources.
    headings = [text_of(h2).rstrip("¶").strip() for h2 in article.select(".cb-case__text h2")]
    assert headings == list(SECTIONS)
    sources = article.select(".cb-sources li")
    assert [text_of(s.cite or s.a) for s in sources] == [s.title for s in case.sources]
    # The summary is the page's description for search engines and link previews.
    assert page.select_one("meta[name=description]")["content"] == case.summary


def test_real_case_list(real_site):
    page = real_site.html("cases/")
    rows = page.select("tr[data-case-id]")
    titles = {c.title.casefold(): c.id for c in REAL.cases.values()}
    assert [r["data-case-id"] for r in rows] == [titles[t] for t in sorted(titles)]
    for row in rows:
        link = row.select_one("a")
        assert link["href"] == f"../cases/{row['data-case-id']}/" or link["href"] == f"{row['data-case-id']}/"
        assert (real_site.site / "cases" / row["data-case-id"] / "index.html").exists()


def test_real_home_page(real_site):
    page = real_site.html("")
    stats = text_of(page.select_one(".cb-stats"))
    assert "4 cases" in stats and "2 countries" in stats
    assert page.select_one("a.cb-way[href='cases/']") is not None
    assert sorted(c["data-case-id"] for c in page.select(".cb-card")) == sorted(REAL.cases)


def test_cases_are_not_listed_in_every_page_navigation(real_site):
    page = real_site.html("cases/miljardprogrammet/")
    nav = page.select_one("nav.md-nav--primary")
    assert not nav.select("a[href*='together-botkyrka']")


def test_real_site_is_indexed_for_search(real_site):
    fragments = list((real_site.site / "pagefind" / "fragment").glob("*.pf_fragment"))
    assert len(fragments) == len(REAL.cases)  # one per case page, nothing else


def test_nothing_generated_is_written_into_the_source_tree(real_site):
    assert not (real_site.site.parent / "docs" / "cases").exists()


def test_front_matter_is_escaped_everywhere(library):
    title = '</title><script>alert("t")</script> & <b>bold</b>'
    summary = 'A summary that tries to leave its attribute: " onmouseover="alert(1)" and <script>x</script> too.'
    hostile = (
        case_text(title=title)
        .replace("  - Seved", '  - "<img src=x onerror=alert(1)>"')
        .replace("summary: >-", f"summary: '{summary}'\nx_summary: >-")
        .replace(
            "x_summary: >-\n  A test programme used by the Casebook test suite to check how cases are\n"
            "  loaded, validated and published.\n",
            "",
        )
    )
    assert "x_summary" not in hostile
    built = build(library({"hostile.md": hostile}))
    assert built.returncode == 0, built.output
    for path in ("cases/hostile/index.html", "cases/index.html", "index.html"):
        html = (built.site / path).read_text("utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert" in html, path
    page = built.html("cases/hostile/")
    assert text_of(page.select_one("article h1")) == title
    assert page.title.string == f"{title} - Casebook"
    assert page.select_one("meta[name=description]")["content"] == summary
    assert not page.select("[onmouseover], [onerror]")


def test_a_fixture_library_builds_with_its_cases(library):
    built = build(
        library({"alpha.md": case_text("Alpha"), "beta.md": case_text("Beta").replace("end: 2015", "end: ongoing")})
    )
    assert built.returncode == 0, built.output
    assert "Material for MkDocs reaches end of life" not in built.output
    assert text_of(built.html("cases/beta/").select_one(".cb-meta__period")) == "2010–ongoing"
    assert [r["data-case-id"] for r in built.html("cases/").select("tr[data-case-id]")] == ["alpha", "beta"]


def test_an_empty_library_builds(library):
    built = build(library({}))
    assert built.returncode == 0, built.output
    assert "0 cases" in text_of(built.html("").select_one(".cb-stats"))


NAV_TARGETS = {"", "cases/", "keywords/", "countries/", "explore/", "data/", "contribute/"}


@pytest.mark.parametrize(
    "path",
    [
        "cases/miljardprogrammet/",
        "cases/together-botkyrka/",
        "keywords/urban-renewal/",
        "countries/se/",
        "countries/dk/",
        "keywords/",
        "",
    ],
)
def test_tabs_drawer_and_logo_lead_to_the_right_pages(real_site, path):
    # The frame of pages outside the navigation is rendered once per folder (overrides/main.html):
    # its relative links must still resolve, from every page, to the navigation's own pages.
    page = real_site.html(path)
    base = "https://site.test/" + path

    def targets(selector):
        return [urlparse(urljoin(base, a["href"])).path.lstrip("/") for a in page.select(selector)]

    assert set(targets(".md-tabs__link")) == NAV_TARGETS
    assert set(targets("nav.md-nav--primary .md-nav__list .md-nav__link[href]")) == NAV_TARGETS
    assert set(targets("a.md-logo")) == {""}
    config = json.loads(page.select_one("#__config").get_text())  # Material's app: where the site root is
    assert urlparse(urljoin(base, config["base"] + "/")).path == "/"


def test_the_shared_frame_is_not_reused_where_its_links_would_differ(library):
    # guide/ is outside the navigation but contains a page that is in it; other/ is a neighbour
    # folder at the same depth. From each, the tab and drawer links must reach guide/install/.
    folder = library({"a.md": case_text("A programme")})
    config = (folder / "mkdocs.yml").read_text("utf-8")
    (folder / "mkdocs.yml").write_text(
        config.replace(
            "  - Contribute: contribute/index.md\n",
            "  - Contribute: contribute/index.md\n  - Install: guide/install.md\n",
        ),
        "utf-8",
    )
    for path in ("guide/index.md", "guide/install.md", "other/index.md"):
        (folder / "docs" / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / "docs" / path).write_text(f"# {path}\n\nText.\n", "utf-8")
    built = build(folder)
    assert built.returncode == 0, built.output
    for path in ("guide/", "other/", "cases/a/"):
        page = built.html(path)
        base = "https://site.test/" + path
        tabs = {urlparse(urljoin(base, a["href"])).path for a in page.select(".md-tabs__link")}
        drawer = {
            urlparse(urljoin(base, a["href"])).path for a in page.select("nav.md-nav--primary .md-nav__link[href]")
        }
        assert "/guide/install/" in tabs and "/guide/install/" in drawer, path
