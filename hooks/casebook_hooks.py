"""MkDocs wiring for Casebook: thin event handlers around the ``casebook`` package.

Each event does one job:

- ``on_config``: reset the state (``mkdocs serve`` reuses this module), load
  and check the whole library, stop the build listing every problem, and
  plan every generated page (``casebook.pages``) once.
- ``on_files``: add the planned pages and data files as virtual files (``File.generated``);
  nothing is written into the source tree.
- ``on_page_markdown``: give each planned page its template, title and description.
- ``on_page_context``: hand the page's precomputed data to its template.
- ``on_post_page``: stream each rendered case page to the Pagefind indexer,
  which works on another core while MkDocs goes on.
- ``on_post_build``: write the search index (so both ``mkdocs build`` and
  ``mkdocs serve`` have search).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from markupsafe import escape
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File

from casebook import format_report, load_library
from casebook.indexes import git_history
from casebook.pages import Settings, build_site
from casebook.search import SHARD_SIZE, SearchIndexer, SearchIndexError, bundle_paths, search_document

log = logging.getLogger("mkdocs.hooks.casebook")

_state: dict = {}
"""Per-build state, emptied by ``on_config`` on every build."""


def on_config(config):
    if not config.use_directory_urls:
        raise Abort("Casebook: set use_directory_urls: true in mkdocs.yml (cases are published at /cases/<id>/).")
    indexer = _state.get("search")
    if indexer is not None:  # a previous build of `mkdocs serve` that failed half-way
        indexer.close()
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
    extra = (config.extra or {}).get("casebook") or {}
    settings = Settings(
        site_name=config.site_name,
        site_url=config.site_url or "",
        repo_url=config.repo_url or "",
        **{k: str(extra[k]) for k in ("branch", "publisher", "license", "license_url") if k in extra},
    )
    history = git_history(root)
    if history.head and not os.environ.get("SOURCE_DATE_EPOCH"):
        # Dates MkDocs writes (sitemap, gzip headers) come from the commit, not the clock.
        os.environ["SOURCE_DATE_EPOCH"] = str(history.head)
    _state["site"] = build_site(library, settings, history)
    shard_size = int(extra.get("search_shard_size") or SHARD_SIZE)
    config.extra["casebook_search_bundles"] = bundle_paths(len(library.cases), shard_size)  # read by cb-search.html
    _state["search"] = SearchIndexer(Path(config.site_dir), expected=len(library.cases), shard_size=shard_size)
    return config


def on_files(files, config):
    site = _state["site"]
    # Case pages first: the search index is written while the other pages render.
    pages = sorted((s for s in site.pages.values() if s.generated), key=lambda s: not s.src_uri.startswith("cases/"))
    generated = [(s.src_uri, s.content) for s in pages] + list(site.files.items())
    for src_uri, content in generated:
        if files.get_file_from_path(src_uri) is not None:
            raise Abort(f"Casebook: docs/{src_uri} would hide a generated file; remove it from docs/.")
        files.append(File.generated(config, src_uri, content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    spec = _state["site"].pages.get(page.file.src_uri)
    if spec is not None:
        # Material's own templates print the title and description without
        # escaping, so they get escaped text (Markup is not escaped twice).
        page.meta.update(template=spec.template, title=escape(spec.title), hide=list(spec.hide))
        if spec.description:
            page.meta["description"] = escape(spec.description)
    return markdown


def on_page_context(context, page, config, nav):
    spec = _state["site"].pages.get(page.file.src_uri)
    if spec is not None:
        # Links in our templates are root-relative paths prefixed with the way back to the
        # root: the same as MkDocs' `url` filter for directory URLs, without its per-link cost.
        context["root"] = "../" * page.url.count("/")
        context.update(spec.context)
        context["crumbs"] = spec.crumbs
    return context


def on_post_page(output, page, config):
    if page.file.src_uri.startswith("cases/") and page.file.src_uri != "cases/index.md":
        _state["search"].add(search_document(output), "/" + page.url)
    return output


def on_post_build(config):
    try:
        _state.pop("search").finish()
    except SearchIndexError as exc:
        raise Abort(f"Casebook: the search index could not be built: {exc}") from None
