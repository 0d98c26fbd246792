"""casebook_split: half of the case pages converted, rendered and written by a forked copy of
the build. The site must be exactly the one a single process builds, messages must reach the
parent (``--strict`` counts them), and a failing child must change nothing but the time."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import casebook_split
import pytest
from mkdocs.commands import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from mkdocs.structure.pages import Page

from casebook.parallel import MIN_ITEMS
from conftest import env, make_library, synthetic

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is used on Linux only")

N = MIN_ITEMS + 10
"""Enough cases for the build to split them."""


def build(folder: Path, parallel: str, command: tuple = (sys.executable, "-m", "mkdocs")) -> str:
    """A verbose strict build with CASEBOOK_PARALLEL set; its output (the build must succeed)."""
    proc = subprocess.run(
        [*command, "build", "--strict", "--verbose", "--site-dir", "site"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**env(), "CASEBOOK_PARALLEL": parallel},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def site_files(site: Path) -> dict:
    """Every file of a built site by path, except Pagefind's bundles (their file names carry
    hashes that differ between any two runs of Pagefind)."""
    return {
        str(p.relative_to(site)): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and not p.relative_to(site).parts[0].startswith("pagefind")
    }


def test_a_split_build_is_byte_for_byte_the_single_process_build(tmp_path):
    cases = synthetic(N)
    split = make_library(tmp_path / "split", cases)
    single = make_library(tmp_path / "single", cases)
    half = N - round(N / 2)
    output = build(split, "1")
    # The split really happened (otherwise this test would compare a build with itself).
    assert f"Converted {half} of {N} case pages on another core" in output
    assert f"Rendered {half} of {N} case pages on another core" in output
    assert "Page skipped" not in output
    output = build(single, "0")
    assert "on another core" not in output
    a, b = site_files(split / "site"), site_files(single / "site")
    assert a.keys() == b.keys()
    assert len([p for p in a if p.startswith("cases/") and p.endswith("/index.html")]) == N + 1
    assert [p for p in a if a[p] != b[p]] == []
    for folder in (split, single):  # every case is in the search index
        entry = (folder / "site" / "pagefind" / "pagefind-entry.json").read_text("utf-8")
        assert f'"page_count":{N}' in entry


def test_properdocs_splits_the_build_too(tmp_path):
    """ProperDocs (the MkDocs 1.x fork) serves mkdocs.* from properdocs.*: its loggers differ."""
    folder = make_library(tmp_path / "lib", synthetic(N))
    output = build(folder, "1", (str(Path(sys.executable).parent / "properdocs"),))
    half = N - round(N / 2)
    assert f"Converted {half} of {N} case pages on another core" in output
    assert f"Rendered {half} of {N} case pages on another core" in output
    assert "Page skipped" not in output
    pages = sorted((folder / "site" / "cases").glob("*/index.html"))
    assert len(pages) == N and all("<h1>Programme" in page.read_text("utf-8") for page in pages)


def test_nothing_is_split_when_a_plugin_is_configured(tmp_path):
    """A plugin may collect what pages contain while MkDocs converts or renders them; it would
    miss what a forked child did."""
    folder = make_library(tmp_path / "lib", synthetic(N))
    config = folder / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("plugins: []", "plugins:\n  - tags"), "utf-8")
    output = build(folder, "1")
    assert "on another core" not in output
    assert len(list((folder / "site" / "cases").glob("*/index.html"))) == N


@pytest.fixture
def docs(tmp_path, monkeypatch):
    """A plain MkDocs project (no hooks): pages a.md, b.md (links to a missing page and a
    missing anchor), c.md; its config and files."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\n## One\n\nText.\n", "utf-8")
    (tmp_path / "docs" / "b.md").write_text("# B\n\n[gone](gone.md), [nowhere](a.md#nowhere)\n", "utf-8")
    (tmp_path / "docs" / "c.md").write_text("# C\n\n## Two {#two}\n\nMore text.\n", "utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: T\nplugins: []\nmarkdown_extensions: [attr_list]\n", "utf-8")
    monkeypatch.setenv("CASEBOOK_PARALLEL", "1")
    config = load_config(str(tmp_path / "mkdocs.yml"))
    return config, get_files(config)


def converted_here(config, files, src_uri: str) -> Page:
    page = Page(None, files.get_file_from_path(src_uri), config)
    page.read_source(config)
    page.render(config, files)
    return page


def test_pages_converted_by_the_child_are_those_mkdocs_converts(docs, caplog):
    config, files = docs
    expected = {src: converted_here(config, files, src) for src in ("a.md", "b.md", "c.md")}
    todo = [files.get_file_from_path(src) for src in ("a.md", "b.md", "c.md")]
    caplog.clear()
    split = casebook_split.SplitConversion(config, files, todo, extra=lambda page: page.file.src_uri.upper(), share=1)
    assert split.forked
    with caplog.at_level(logging.WARNING):
        for file in todo:
            page = Page(None, file, config)
            split.install(page)
            assert "render" in vars(page)  # the child's results are used
            page.read_source(config)
            page.render(config, files)
            assert "render" not in vars(page)  # back to MkDocs' own method
            want = expected[file.src_uri]
            assert (page.content, str(page.toc), page.title) == (want.content, str(want.toc), want.title)
            assert page.present_anchor_ids == want.present_anchor_ids
            assert split.extra(page) == file.src_uri.upper()
    split.close()
    assert split.used == 3
    # What the child's conversion logged is logged here, once; links point at this process's files.
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([w for w in warnings if "'gone.md'" in w]) == 1
    b = files.get_file_from_path("b.md").page
    assert b.links_to_anchors == {files.get_file_from_path("a.md"): {"nowhere": "a.md#nowhere"}}


def test_a_page_whose_markdown_changed_after_the_child_read_it_is_converted_here(docs):
    config, files = docs
    todo = [files.get_file_from_path("a.md")]
    split = casebook_split.SplitConversion(config, files, todo, extra=lambda page: None, share=1)
    assert split.forked
    page = Page(None, todo[0], config)
    split.install(page)
    assert "render" in vars(page)
    page.read_source(config)
    page.markdown += "\nAdded later.\n"
    page.render(config, files)
    split.close()
    assert "Added later." in page.content and split.used == 0


def test_a_page_the_child_could_not_convert_is_converted_here(docs, monkeypatch):
    config, files = docs
    todo = [files.get_file_from_path(src) for src in ("a.md", "b.md", "c.md")]
    original = Page.render

    def render(self, config, files):  # fails in the child only (the fork copies this patch)
        if self.file.src_uri == "b.md" and not converted_in_parent:
            raise RuntimeError("only in the child")
        return original(self, config, files)

    converted_in_parent = False
    monkeypatch.setattr(Page, "render", render)
    split = casebook_split.SplitConversion(config, files, todo, extra=lambda page: None, share=1)
    split._child()  # the child is done before the parent changes anything
    converted_in_parent = True
    pages = []
    for file in todo:
        page = Page(None, file, config)
        split.install(page)
        page.read_source(config)
        page.render(config, files)
        pages.append(page)
    split.close()
    assert split.used == 2 and all(page.content for page in pages)
    assert "gone.md" in pages[1].content


def test_a_failed_rendering_child_leaves_the_pages_to_this_process(tmp_path, monkeypatch):
    """In-process build: the child's rendering fails, the parent writes its pages afterwards."""
    folder = make_library(tmp_path / "lib", synthetic(N))
    monkeypatch.setenv("CASEBOOK_PARALLEL", "1")
    monkeypatch.chdir(folder)

    def fail(*args):
        raise RuntimeError("the child fails")

    rendered_afterwards = []

    def build_page_function():
        def build_page(page, *args):
            rendered_afterwards.append(page.file.src_uri)
            return mkdocs_build._build_page(page, *args)

        return build_page

    monkeypatch.setattr(casebook_split, "_render", fail)
    monkeypatch.setattr(casebook_split, "_build_page_function", build_page_function)
    config = load_config(str(folder / "mkdocs.yml"), site_dir=str(folder / "site"), strict=True)
    mkdocs_build.build(config)
    assert len(rendered_afterwards) == N - round(N / 2)  # the child's half, by this process
    single = make_library(tmp_path / "single", synthetic(N))
    build(single, "0")
    a, b = site_files(folder / "site"), site_files(single / "site")
    assert a.keys() == b.keys() and [p for p in a if a[p] != b[p]] == []
