"""Keyword and country indexes, related cases, JSON-LD and the home page, on built sites."""

from __future__ import annotations

import json
import os
import subprocess
from urllib.parse import urljoin

import pytest
from linkcheck import broken_links

from casebook import load_library
from casebook.collation import Collation
from casebook.indexes import build_indexes, related_cases
from conftest import build, case_text, make_case

# Five cases, three countries; participation is shared by four, public-procurement by one;
# 'gentrification' (like most of the vocabulary) by none.
FIXTURE = {
    "alpha.md": make_case(
        "Alpha", "SE", "Malmö", ["urban-renewal", "participation", "segregation", "safety"], 2008, 2012
    ),
    "bravo.md": make_case(
        "Bravo", "SE", "Botkyrka", ["urban-renewal", "participation", "segregation"], 2011, "ongoing"
    ),
    "charlie.md": make_case(
        "Zulu programme", "DK", "Odense", ["participation", "safety", "energy-renovation"], 2015, 2015
    ),
    "delta.md": make_case("Delta", "DK", "Gladsaxe", ["participation", "segregation", "evaluation"], 2012, 2014),
    "echo.md": make_case("Echo", "NO", "Oslo", ["energy-renovation", "evaluation", "public-procurement"], 2016, 2019),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import make_library

    built = build(make_library(tmp_path_factory.mktemp("idx") / "lib", FIXTURE))
    assert built.returncode == 0, built.output
    return built


def text_of(node) -> str:
    return " ".join(node.get_text(" ").split())


def case_ids(page) -> list[str]:
    return [el["data-case-id"] for el in page.select("[data-case-id]") if el.name == "li"]


def test_keyword_overview_groups_counts_and_order(site):
    page = site.html("keywords/")
    groups = page.select("section.cb-group")
    assert len(groups) >= 6
    lib = load_library(site.site.parent)
    counts = {}
    for group in groups:
        labels = [text_of(li.a) for li in group.select("li")]
        assert labels == sorted(labels, key=str.casefold), "alphabetical within a group"
        for li in group.select("li"):
            counts[li.a["data-keyword"]] = int(text_of(li.select_one(".cb-count")))
    assert set(counts) == set(lib.taxonomy.keywords), "every keyword is listed once"
    assert counts["participation"] == 4
    assert counts["segregation"] == 3
    assert counts["public-procurement"] == 1
    assert counts["gentrification"] == 0


def test_keyword_page_lists_exactly_its_cases_by_title(site):
    page = site.html("keywords/participation/")
    assert text_of(page.select_one("article h1")) == "Participation"
    assert case_ids(page) == ["alpha", "bravo", "delta", "charlie"]  # Alpha, Bravo, Delta, Zulu programme
    assert text_of(page.select_one("h2#cases .cb-count")) == "4"
    dl = text_of(page.select_one("dl.cb-meta"))
    assert "Swedish Delaktighet" in dl and "Danish" in dl and "Norwegian Bokmål" in dl


def test_keyword_page_relations_and_translations(site):
    lib = load_library(site.site.parent)
    kw = next(k for k in lib.taxonomy.keywords.values() if k.broader)
    page = site.html(f"keywords/{kw.id}/")
    here = f"/keywords/{kw.id}/"
    assert urljoin(here, page.select_one(".cb-broader a")["href"]) == f"/keywords/{kw.broader}/"
    broader = site.html(f"keywords/{kw.broader}/")
    assert here in [urljoin(f"/keywords/{kw.broader}/", a["href"]) for a in broader.select(".cb-narrower a")]
    for lang in ("sv", "da", "nb"):
        assert text_of(page.select_one(f"dd[lang={lang}]")) == kw.labels[lang]


def test_zero_case_keyword_says_so(site):
    page = site.html("keywords/gentrification/")
    assert case_ids(page) == []
    assert "No case is tagged with this keyword yet" in text_of(page.select_one(".cb-empty"))


def test_country_overview(site):
    page = site.html("countries/")
    rows = [
        (r["data-country"], text_of(r.select("td")[0]), text_of(r.select("td")[1]))
        for r in page.select("tr[data-country]")
    ]
    assert rows == [("DK", "Denmark · Danmark", "2"), ("NO", "Norway · Norge", "1"), ("SE", "Sweden · Sverige", "2")]
    links = [urljoin("/countries/", a["href"]) for a in page.select("tr[data-country] a")]
    assert links == ["/countries/dk/", "/countries/no/", "/countries/se/"]


def test_country_page_by_municipality_with_keyword_counts(site):
    page = site.html("countries/dk/")
    places = [(text_of(s.h3), case_ids(s)) for s in page.select("section.cb-place")]
    assert places == [("Gladsaxe", ["delta"]), ("Odense", ["charlie"])]
    chips = {li.a["data-keyword"]: text_of(li.select_one(".cb-count")) for li in page.select("ul.cb-chips li")}
    assert chips == {
        "participation": "2",
        "safety": "1",
        "energy-renovation": "1",
        "segregation": "1",
        "evaluation": "1",
    }
    first = page.select("ul.cb-chips li a")[0]  # one link per chip: the country's cases with the keyword
    assert first["href"] == "../../explore/?country=DK&keyword=participation"


def test_related_cases_ranking(site):
    page = site.html("cases/alpha/")
    related = page.select(".cb-related li")
    assert [li["data-case-id"] for li in related] == ["bravo", "charlie", "delta"]
    assert [a["data-keyword"] for a in related[0].select(".cb-shared a")] == [
        "urban-renewal",
        "segregation",
        "participation",
    ]
    # A tie on weight and count is broken by title: Delta before Zulu programme.
    echo = site.html("cases/echo/")
    assert [li["data-case-id"] for li in echo.select(".cb-related li")] == ["delta", "charlie"]


def test_related_is_deterministic_and_excludes_itself():
    lib_cases = {}
    from casebook.cases import Case

    for i in range(30):
        lib_cases[f"c{i:02d}"] = Case(
            id=f"c{i:02d}",
            path="",
            title=f"Case {i:02d}",
            summary="",
            country="SE",
            municipalities=("X",),
            period_start=2000,
            period_end=None,
            keywords=("a", "b", "c") if i % 2 else ("a", "d", "e"),
            sources=(),
            body="",
        )
    indexes = build_indexes(lib_cases, ["a", "b", "c", "d", "e"], Collation())
    first = [r.id for r in related_cases(lib_cases["c01"], lib_cases, indexes)]
    assert first == ["c03", "c05", "c07", "c09", "c11"]
    assert "c01" not in first
    assert first == [r.id for r in related_cases(lib_cases["c01"], lib_cases, indexes)]


def test_case_page_links_to_keywords_and_country(site):
    page = site.html("cases/delta/")
    assert [a["href"] for a in page.select(".cb-meta__keywords a")] == [
        "../../keywords/participation/",
        "../../keywords/segregation/",
        "../../keywords/evaluation/",
    ]
    country = page.select_one(".cb-meta__country a")
    assert (country["href"], text_of(country)) == ("../../countries/dk/", "Denmark")


def test_links_are_two_way(site):
    lib = load_library(site.site.parent)
    for case in lib.cases.values():
        page = site.html(f"cases/{case.id}/")
        for a in page.select(".cb-meta__keywords a"):
            assert case.id in case_ids(site.html(f"keywords/{a['data-keyword']}/"))
        assert case.id in case_ids(site.html(f"countries/{case.country.lower()}/"))
    for kid in lib.taxonomy.keywords:
        for cid in case_ids(site.html(f"keywords/{kid}/")):
            assert kid in lib.cases[cid].keywords


def test_no_broken_internal_links(site):
    assert broken_links(site.site) == []


def test_link_checker_can_fail(site, tmp_path):
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(site.site, copy)
    page = copy / "cases" / "alpha" / "index.html"
    html = page.read_text("utf-8")
    page.write_text(
        html.replace("</article>", '<a href="../nowhere/">x</a><a href="#no-such-anchor">y</a></article>', 1), "utf-8"
    )
    assert broken_links(copy) == [
        "/cases/alpha/: link to '../nowhere/' goes nowhere",
        "/cases/alpha/: anchor '#no-such-anchor' does not exist",
    ]


def test_json_ld(site):
    page = site.html("cases/bravo/")
    data = json.loads(page.select_one("script[type='application/ld+json']").string)
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Bravo"
    assert data["url"] == "https://casebook.example.org/cases/bravo/"
    assert data["temporalCoverage"] == "2011/.."
    assert [t["termCode"] for t in data["about"]] == ["urban-renewal", "participation", "segregation"]
    assert {"@type": "Country", "name": "Sweden", "identifier": "SE"} in data["spatialCoverage"]
    assert data["citation"][0]["name"] == "A report"


def test_json_ld_is_escaped(library):
    built = build(library({"x.md": case_text("</script><script>alert(1)</script>")}))
    assert built.returncode == 0, built.output
    script = built.html("cases/x/").select_one("script[type='application/ld+json']")
    assert json.loads(script.string)["name"] == "</script><script>alert(1)</script>"
    assert "</script><script>" not in (built.site / "cases/x/index.html").read_text("utf-8")


def test_home_page(site):
    page = site.html("")
    stats = [text_of(li) for li in page.select(".cb-stats li")]
    assert stats == ["5 cases", "3 countries", "7 keywords in use"]
    assert [a["href"] for a in page.select("a.cb-way")] == ["keywords/", "countries/", "cases/"]
    # No git history in the fixture: latest by start year.
    assert [a["data-case-id"] for a in page.select(".cb-card")] == ["echo", "charlie", "delta", "bravo", "alpha"]
    assert [text_of(a) for a in page.select(".md-tabs__link")] == [
        "Home",
        "Cases",
        "Keywords",
        "Countries",
        "Explore",
        "Data",
        "Contribute",
    ]


def test_home_page_latest_from_git(library):
    root = library(FIXTURE)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
    }
    git = lambda *a, date="2020-01-01T00:00:00Z": subprocess.run(  # noqa: E731
        ["git", *a], cwd=root, check=True, capture_output=True, env={**env, "GIT_COMMITTER_DATE": date}
    )
    git("init", "-q")
    git("add", "-A", ":!cases/alpha.md", ":!cases/delta.md")
    git("commit", "-qm", "first", date="2021-03-01T12:00:00Z")
    git("add", "cases/delta.md")
    git("commit", "-qm", "delta", date="2022-05-01T12:00:00Z")
    git("add", "cases/alpha.md")
    git("commit", "-qm", "alpha", date="2023-07-01T12:00:00Z")
    built = build(root)
    assert built.returncode == 0, built.output
    cards = built.html("").select(".cb-card")
    assert [c["data-case-id"] for c in cards] == ["alpha", "delta", "echo", "charlie", "bravo"]
    assert cards[0].select_one("time")["datetime"] == "2023-07-01"


def test_breadcrumbs(site):
    crumbs = [text_of(a) for a in site.html("keywords/safety/").select("nav.cb-crumbs a")]
    assert crumbs == ["Home", "Keywords"]
    crumbs = [urljoin("/cases/alpha/", a["href"]) for a in site.html("cases/alpha/").select("nav.cb-crumbs a")]
    assert crumbs == ["/", "/cases/"]


def test_real_site_has_no_broken_links(real_site):
    assert broken_links(real_site.site) == []


def test_practitioner_journey_has_no_dead_end(real_site):
    """Home → keyword → case → related case → country → its cases with a keyword, following real links."""
    from urllib.parse import urljoin

    def follow(url: str, href: str) -> tuple[str, object]:
        target = urljoin(url, href)
        return target, real_site.html(target.lstrip("/"))

    url, page = "/", real_site.html("")
    url, page = follow(url, page.select_one("a.cb-way[href$='keywords/']")["href"])
    used = [li.a for li in page.select("ul.cb-terms li") if li.select_one(".cb-count").get_text() != "0"]
    url, page = follow(url, used[0]["href"])
    url, page = follow(url, page.select_one("li.cb-item a.cb-item__title")["href"])
    assert page.select_one("article.cb-case") is not None
    url, page = follow(url, page.select_one(".cb-related li a.cb-item__title")["href"])
    assert page.select_one("article.cb-case") is not None
    url, page = follow(url, page.select_one(".cb-meta__country a")["href"])
    assert page.select_one("article.cb-country") is not None
    target = urljoin(url, page.select_one("ul.cb-chips li a")["href"])
    assert target.startswith("/explore/?country=") and "&keyword=" in target
    assert (real_site.site / "explore" / "index.html").is_file()
