"""The search box when its index cannot be loaded: under ``mkdocs serve`` a bundle is missing
for a few seconds after an edit (it is indexed after the page is served), and on a phone a
request may fail. The next search tries again, in Chromium, on the real library built with two
cases per bundle (a first bundle and merged ones)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from browser import CHROMIUM_ARGS, META, chromium_path, search_box, serve
from playwright.sync_api import sync_playwright
from test_search_languages import carrying, containing

from conftest import ROOT, build, make_library


@pytest.fixture(scope="module")
def bundled_site(tmp_path_factory) -> Path:
    """The real library built with two cases per search bundle: a first bundle and merged ones."""
    folder = tmp_path_factory.mktemp("bundled") / "lib"
    cases = {p.name: p.read_text("utf-8") for p in sorted((ROOT / "cases").glob("*.md"))}
    make_library(folder, cases)
    config = (folder / "mkdocs.yml").read_text("utf-8")
    (folder / "mkdocs.yml").write_text(re.sub(r"(?m)^(    search_shard_size:) \d+", r"\1 2", config), "utf-8")
    built = build(folder)
    assert built.returncode == 0, built.output
    assert (built.site / "pagefind-1").is_dir()
    return built.site


@pytest.mark.parametrize("missing", ["pagefind", "pagefind-1"])
def test_a_search_that_could_not_load_its_index_works_once_the_index_is_there(bundled_site, tmp_path, missing):
    """The next search tries again, whether the first bundle or a merged one was missing, and
    finds each case once."""
    site = tmp_path / "site"
    shutil.copytree(bundled_site, site)
    (site / missing).rename(tmp_path / "away")
    with serve(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "cases/")
        found = search_box(page, "housing")
        assert found == [] and page.locator(META).inner_text() == "Search is not available"
        (tmp_path / "away").rename(site / missing)
        found = search_box(page, "housing")
        assert len(found) == len(set(found)) and set(found) == containing("housing") | carrying("social-housing")
        assert search_box(page, "GivRum") == ["/cases/boligliv-i-balance/"]  # in pagefind-1/
        assert search_box(page, "Hallunda-Norsborg") == ["/cases/together-botkyrka/"]  # in pagefind/
        browser.close()
