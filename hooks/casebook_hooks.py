"""MkDocs wiring for Casebook: thin event handlers around the ``casebook`` package.

Each event does one job:

- ``on_config``: reset the state (``mkdocs serve`` reuses this module), load
  and check the whole library, and stop the build listing every problem.
- ``on_files``: add each case and the case list as virtual pages
  (``File.generated``); nothing is written into the source tree.
- ``on_page_markdown``: give generated pages their template and title.
- ``on_page_context``: hand the page's precomputed view to its template.
"""

from __future__ import annotations

import logging
from pathlib import Path

from markupsafe import escape
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File

from casebook import format_report, load_library
from casebook.views import latest, library_views, listing, stats

log = logging.getLogger("mkdocs.hooks.casebook")

CASE_LIST = "cases/index.md"

_state: dict = {}
"""Per-build state, emptied by ``on_config`` on every build."""


def on_config(config):
    _state.clear()
    root = Path(config.config_file_path).resolve().parent
    library = load_library(root)
    if library.problems:
        for problem in library.problems:
            log.error(str(problem))
        raise Abort(
            "Casebook: "
            + format_report(library.problems).splitlines()[-1]
            + " Fix them and build again ('make check' lists them without building)."
        )
    views = library_views(library)
    _state.update(
        library=library,
        views=views,
        by_src={f"cases/{cid}.md": cid for cid in views},
        listing=listing(views),
        stats=stats(library),
        latest=latest(views),
    )
    return config


def on_files(files, config):
    library = _state["library"]
    for src_uri in [CASE_LIST, *_state["by_src"]]:
        if files.get_file_from_path(src_uri) is not None:
            raise Abort(f"Casebook: docs/{src_uri} would hide a generated page; remove it from docs/.")
    files.append(File.generated(config, CASE_LIST, content="# Cases\n"))
    for src_uri, cid in _state["by_src"].items():
        files.append(File.generated(config, src_uri, content=library.cases[cid].body))
    return files


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    if src in _state["by_src"]:
        view = _state["views"][_state["by_src"][src]]
        # Material's own templates print the title and description without
        # escaping, so they get escaped text (Markup is not escaped twice).
        page.meta.update(template="case.html", title=escape(view["title"]), description=escape(view["summary"]))
    elif src == CASE_LIST:
        page.meta.update(template="cases.html", title="Cases")
    return markdown


def on_page_context(context, page, config, nav):
    src = page.file.src_uri
    context["casebook"] = {"stats": _state["stats"]}
    if src in _state["by_src"]:
        context["case"] = _state["views"][_state["by_src"][src]]
    elif src == CASE_LIST:
        context["cases"] = _state["listing"]
    elif page.is_homepage:
        context["latest"] = _state["latest"]
    return context
