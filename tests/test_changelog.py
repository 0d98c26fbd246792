"""A citable version and a changelog: versions from git (tag, commit, uncommitted data) or from
the data itself, the /changes/ page and its Atom feed, and the dates in the JSON-LD."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET

import feedparser
import pytest
from bs4 import BeautifulSoup

from casebook import load_library
from casebook.changelog import (
    FEED_ENTRIES,
    Change,
    Repository,
    atom_feed,
    changes_view,
    dataset_version,
    read_repository,
)
from conftest import build, build_dated_by_git, case_text, commit, git, make_library

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://casebook.example.org/"


def history_library(folder):
    """Four commits: two cases added (2020), one corrected (2021), one removed and one added
    (2022), then a commit that touches no case (2023)."""
    lib = make_library(folder, {"alpha.md": case_text("Alpha programme"), "beta.md": case_text("Beta programme")})
    git(lib, "init", "-q", "-b", "main")
    commit(lib, "First cases", "2020-01-10T09:00:00Z")
    (lib / "cases/alpha.md").write_text(
        case_text("Alpha programme").replace("A lead paragraph.", "A corrected lead."), "utf-8"
    )
    commit(lib, "Correction: <b>Alpha</b>'s lead", "2021-02-11T10:00:00Z")
    (lib / "cases/beta.md").unlink()
    (lib / "cases/gamma.md").write_text(case_text("Gamma & <Delta>"), "utf-8")
    commit(lib, "Gamma added, Beta withdrawn", "2022-03-12T11:00:00Z")
    (lib / "README.md").write_text("notes\n", "utf-8")
    commit(lib, "Notes", "2023-04-13T12:00:00Z")
    return lib


def build_plain(folder, strict=True):
    """The site built with git's dates, as in CI."""
    proc = build_dated_by_git(folder, strict)
    assert proc.returncode == 0, proc.stderr
    return folder / "site"


@pytest.fixture(scope="module")
def history_site(tmp_path_factory):
    return build_plain(history_library(tmp_path_factory.mktemp("hist") / "lib"))


def html(site, path):
    return BeautifulSoup((site / path / "index.html").read_text("utf-8"), "html.parser")


# Versions ---------------------------------------------------------------------------------------


def test_version_is_the_commit_and_changes_when_the_data_does(tmp_path):
    lib = history_library(tmp_path / "a")
    repo = read_repository(lib)
    assert repo.commit and repo.tag is None and not repo.modified
    version = dataset_version(repo, load_library(lib))
    assert version == f"2023.04.13+{repo.commit[:7]}"
    # Uncommitted data: another version, and a different one for other uncommitted data.
    (lib / "cases/alpha.md").write_text(case_text("Alpha programme, edited"), "utf-8")
    edited = dataset_version(read_repository(lib), load_library(lib))
    assert re.fullmatch(rf"2023\.04\.13\+{repo.commit[:7]}\.modified\.[0-9a-f]{{12}}", edited)
    (lib / "cases/alpha.md").write_text(case_text("Alpha programme, edited again"), "utf-8")
    assert dataset_version(read_repository(lib), load_library(lib)) not in (version, edited)
    (lib / "taxonomy/new.yml").write_text("x: 1\n", "utf-8")  # any untracked file in taxonomy/ counts
    assert read_repository(lib).modified


def test_two_data_sets_built_the_same_day_have_different_versions(tmp_path):
    versions = []
    for name, title in (("one", "One programme"), ("two", "Two programme")):
        lib = make_library(tmp_path / name, {"x.md": case_text(title)})
        git(lib, "init", "-q")
        commit(lib, "library", "2026-11-25T08:00:00Z")
        versions.append(dataset_version(read_repository(lib), load_library(lib)))
    assert versions[0] != versions[1] and all(v.startswith("2026.11.25+") for v in versions)


def test_a_release_tag_is_the_version(tmp_path):
    lib = history_library(tmp_path / "lib")
    git(lib, "tag", "-a", "v2.0", "-m", "Release 2.0")
    assert dataset_version(read_repository(lib), load_library(lib)) == "v2.0"
    git(lib, "commit", "-q", "--allow-empty", "-m", "after", date="2024-01-01T00:00:00Z")
    assert dataset_version(read_repository(lib), load_library(lib)).startswith("2024.01.01+")  # HEAD is not tagged


def test_without_git_the_version_is_a_digest_of_the_data(tmp_path):
    one = make_library(tmp_path / "one", {"x.md": case_text("One programme")})
    same = make_library(tmp_path / "same" / "elsewhere", {"x.md": case_text("One programme")})
    other = make_library(tmp_path / "other", {"x.md": case_text("Other programme")})
    assert read_repository(one) == Repository()
    versions = [dataset_version(read_repository(p), load_library(p)) for p in (one, same, other)]
    assert re.fullmatch(r"content\.[0-9a-f]{12}", versions[0])
    assert versions[0] == versions[1] != versions[2]
    taxonomy = one / "taxonomy/keywords.yml"
    taxonomy.write_text(taxonomy.read_text("utf-8").replace("Participation", "Participation (civic)", 1), "utf-8")
    assert dataset_version(None, load_library(one)) != versions[0]  # the keywords are data too


def test_the_built_site_carries_the_commit_version_everywhere(history_site):
    version = json.loads((history_site / "data/cases.json").read_text("utf-8"))["version"]
    assert re.fullmatch(r"2023\.04\.13\+[0-9a-f]{7}", version)
    assert json.loads((history_site / "data/keywords.json").read_text("utf-8"))["version"] == version
    assert f'owl:versionInfo "{version}"' in (history_site / "data/keywords.ttl").read_text("utf-8")
    assert html(history_site, "data").select_one("#cb-dataset-version").get_text() == version
    assert html(history_site, "changes").select_one("#cb-version").get_text() == version
    page = html(history_site, "cases/alpha")
    assert json.loads(page.select_one("#cb-csl").get_text())[0]["version"] == version
    cite = page.select_one("#cb-cite-text").get_text()
    assert cite.startswith("Casebook contributors (2021). Alpha programme. Casebook, version ") and version in cite


# The changelog page and its feed ----------------------------------------------------------------


def test_changes_page_lists_additions_corrections_and_removals_newest_first(history_site):
    page = html(history_site, "changes")
    entries = page.select("ul.cb-changes > li")
    assert [e.select_one("time")["datetime"] for e in entries] == [
        "2022-03-12T11:00:00Z",
        "2021-02-11T10:00:00Z",
        "2020-01-10T09:00:00Z",
    ]  # the 2023 commit touched no case
    kinds = [{p["data-kind"]: " ".join(p.get_text().split()) for p in e.select("p[data-kind]")} for e in entries]
    assert kinds[0] == {"added": "Added: Gamma & <Delta>.", "removed": "Removed: beta."}
    assert kinds[1] == {"changed": "Updated or corrected: Alpha programme."}
    assert kinds[2] == {"added": "Added: Alpha programme, beta."}
    assert [a["href"] for a in entries[0].select("p[data-kind=added] a")] == ["../cases/gamma/"]
    assert entries[0].select("p[data-kind=removed] a") == []  # a removed case has no page to link to
    assert entries[1].select_one(".cb-muted").get_text() == "Correction: <b>Alpha</b>'s lead"
    assert page.select("ul.cb-changes b, ul.cb-changes script") == []  # commit messages are text
    assert entries[1].select_one("a[href*='/commit/']")["href"].startswith("https://github.com/")
    assert page.select_one("#cb-feed")["href"] == "../changes.xml"


def test_every_page_links_the_feed_and_the_data_page_explains_versions(history_site):
    for path in ("", "cases/alpha", "data", "changes", "keywords"):
        link = html(history_site, path).select('head link[rel=alternate][type="application/atom+xml"]')
        assert len(link) == 1 and link[0]["href"].endswith("changes.xml"), path
    data = html(history_site, "data")
    assert {a["href"] for a in data.select("#versions ~ p a")} == {"../changes/", "../changes.xml"}
    assert html(history_site, "").select_one("#cb-all-changes a")["href"] == "changes/"


def test_the_feed_is_valid_atom_with_absolute_links(history_site):
    raw = (history_site / "changes.xml").read_bytes()
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id == SITE + "changes/" and feed.feed.title == "Casebook: changes to the cases"
    assert feed.feed.updated == "2022-03-12T11:00:00Z"  # the newest change, not the clock
    assert [e.updated for e in feed.entries] == ["2022-03-12T11:00:00Z", "2021-02-11T10:00:00Z", "2020-01-10T09:00:00Z"]
    assert len({e.id for e in feed.entries}) == 3 and all(
        e.id.startswith(SITE + "changes/#change-") for e in feed.entries
    )
    assert [e.title for e in feed.entries] == [
        "Added: Gamma & <Delta>; removed: beta",
        "Updated or corrected: Alpha programme",
        "Added: Alpha programme, beta",
    ]
    assert feed.entries[1].link == SITE + "cases/alpha/"  # one case: its page
    assert feed.entries[0].link.startswith(SITE + "changes/#change-")
    content = BeautifulSoup(feed.entries[0].content[0].value, "html.parser")
    assert [a["href"] for a in content.select("a")] == [SITE + "cases/gamma/"]
    assert content.get_text().startswith("Added: Gamma & <Delta>.")
    # The Atom structure (RFC 4287) as the XML says it, not only as a lenient reader takes it.
    root = ET.fromstring(raw)
    assert root.tag == ATOM + "feed"
    for name in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert root.find(ATOM + name) is not None, name
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == SITE + "changes.xml"
    for entry in root.findall(ATOM + "entry"):
        assert all(entry.find(ATOM + n) is not None for n in ("id", "title", "updated", "link", "content"))


def test_feed_and_page_stay_short_and_deterministic():
    changes = tuple(
        Change(f"{i:040x}", 1_600_000_000 + i, f"commit {i}", added=tuple(f"c{j}" for j in range(40)))
        for i in range(80)
    )[::-1]
    view = changes_view(Repository("f" * 40, 1_700_000_000, changes=changes), {}, limit=60)
    assert len(view["entries"]) == 60 and view["older"] == 20
    group = view["entries"][0]["groups"][0]
    assert len(group["cases"]) == 30 and group["more"] == 10
    assert view["entries"][0]["title"] == "Added 40 cases"
    feed = atom_feed(view, SITE, "Casebook", "P", None)
    assert feed == atom_feed(view, SITE, "Casebook", "P", None)
    assert len(feedparser.parse(feed).entries) == FEED_ENTRIES


def test_without_history_the_page_says_so_and_the_feed_is_empty_but_valid(tmp_path):
    view = changes_view(Repository(), {})
    assert view == {"available": False, "entries": [], "older": 0}
    for updated, expected in ((None, "1970-01-01T00:00:00Z"), (1_700_000_000, "2023-11-14T22:13:20Z")):
        parsed = feedparser.parse(atom_feed(view, "", "Casebook", "P", updated))
        assert not parsed.bozo and parsed.entries == [] and parsed.feed.updated == expected
        assert parsed.feed.id == "urn:casebook:changes/"  # an absolute IRI even without site_url
    built = build(make_library(tmp_path / "lib", {"x.md": case_text("X programme")}))  # no git
    assert built.returncode == 0, built.output
    assert "not built from a git repository" in built.html("changes/").select_one("#cb-no-history").get_text()
    assert feedparser.parse((built.site / "changes.xml").read_bytes()).entries == []


def test_a_shallow_clone_has_no_history_no_dates_and_a_valid_empty_feed(tmp_path):
    origin = history_library(tmp_path / "origin")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", origin.as_uri(), str(clone)], check=True, capture_output=True)
    site = build_plain(clone, strict=False)  # strict stops on the shallow-clone warning
    assert "shallow clone" in html(site, "changes").select_one("#cb-no-history").get_text()
    feed = feedparser.parse((site / "changes.xml").read_bytes())
    assert not feed.bozo and feed.entries == [] and feed.feed.updated == "2023-04-13T12:00:00Z"  # the commit's
    script = html(site, "cases/alpha").select_one("script[type='application/ld+json']")
    data = json.loads(script.string)
    assert "datePublished" not in data and "dateModified" not in data  # never the cut-off commit's date
    version = json.loads((site / "data/cases.json").read_text("utf-8"))["version"]
    assert version == data["version"] == data["isPartOf"]["version"]  # the commit is known: a version


def test_json_ld_dates_come_from_the_case_files_history(history_site):
    data = json.loads(html(history_site, "cases/alpha").select_one("script[type='application/ld+json']").string)
    assert (data["datePublished"], data["dateModified"]) == ("2020-01-10", "2021-02-11")
    gamma = json.loads(html(history_site, "cases/gamma").select_one("script[type='application/ld+json']").string)
    assert (gamma["datePublished"], gamma["dateModified"]) == ("2022-03-12", "2022-03-12")


# In a browser: the changes page at a phone's width, axe ---------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 1280])
def test_changes_page_is_accessible_and_fits_a_phone(history_site, scheme, width):
    from browser import CHROMIUM_ARGS, axe, chromium_path, serve
    from playwright.sync_api import sync_playwright

    with serve(history_site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
        page = context.new_page()
        for path in ("changes/", "data/"):
            page.goto(url + path)
            expected = "slate" if scheme == "dark" else "default"
            assert page.locator("body").get_attribute("data-md-color-scheme") == expected
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (path, overflow)
            violations, _ = axe(page)
            assert violations == [], path
        page.goto(url + "changes/")
        page.locator("#cb-feed").focus()  # reachable by keyboard: a link, in the tab order
        assert page.evaluate("document.activeElement.id") == "cb-feed"
        assert page.evaluate("document.activeElement.tabIndex") == 0
        context.close()
        browser.close()
