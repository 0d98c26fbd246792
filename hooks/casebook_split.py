"""Both cores for MkDocs' own work on case pages (wiring used by casebook_hooks).

MkDocs converts each page's Markdown, then renders and writes each page, one
after the other on one core; for a library of cases that is most of a build.
Two forked copies of the build take the second half of the case pages:

- :class:`SplitConversion`, started before MkDocs converts anything (``on_nav``),
  converts them exactly as MkDocs would (the ``pre_page`` and ``page_markdown``
  events, then ``Page.render``) and sends back what rendering set on each page,
  plus an extra value per page (the case's search-document parts). When MkDocs
  reaches one of those pages, its ``render`` takes the child's results instead
  of converting again, provided its Markdown is the same as the child's
  (compared by digest); otherwise it converts as usual.
- :class:`SplitRendering`, started once every page is converted (``on_env``),
  renders and writes them exactly as MkDocs would (its ``_build_page``), while
  MkDocs renders the rest; MkDocs' own pass over those pages renders an empty
  template and writes nothing. If the child fails, they are rendered here
  afterwards, so an error is reported as usual.

Messages logged in a child (a broken link, a template warning) are logged here,
so ``--strict`` counts them. The built site is the same with and without them
(a test compares both). Where forking is unavailable (see ``casebook.parallel``:
``mkdocs serve``'s rebuilds, one CPU, not Linux, ``CASEBOOK_PARALLEL=0``), nothing is split.
Nothing is split either when a MkDocs plugin is configured (``plugins:`` in
mkdocs.yml): a plugin may collect what pages contain while they are converted or
rendered (autorefs, tags, a search index), and would miss what a child did.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mkdocs.structure.pages import Page

from casebook.parallel import background

ELSEWHERE = "cb-rendered-elsewhere.html"
"""The template MkDocs renders for a page the child writes: empty, so MkDocs writes nothing."""


class _Capture(logging.Handler):
    """In a child: keep what is logged, to be logged by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))

    def install(self) -> _Capture:
        """Every record goes to this handler alone (the child's logging is its own to change)."""
        for logger in list(logging.root.manager.loggerDict.values()):
            if isinstance(logger, logging.Logger):
                logger.handlers = []
                logger.propagate = True
        logging.root.handlers = [self]
        return self


def _only_hooks(config) -> bool:
    """Whether the build's only plugins are hooks (no ``plugins:`` entries)."""
    return all(name.startswith("hooks/") for name in config.plugins)


def _replay(records: list) -> None:
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)


def _digest(markdown: str) -> bytes:
    return hashlib.blake2b(markdown.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class _Converted:
    src_uri: str
    digest: bytes
    """Of the Markdown the child converted."""
    attributes: dict
    """What ``Page.render`` set on the page (``links_to_anchors`` keyed by the target's ``src_uri``)."""
    records: list
    """What was logged while converting."""
    extra: Any


def _convert(config, files, todo: list, extra: Callable[[Page], Any], out) -> int:
    """In the child: convert each file's page as MkDocs would; the results, one pickle per page
    in order, go to the (anonymous, temporary) file ``out`` as they are made: neither process
    holds them all. Returns how many were written."""
    capture = _Capture().install()
    count = 0
    for file in todo:
        created = file.page is None
        try:
            page = file.page if not created else Page(None, file, config)
            config._current_page = page
            page = config.plugins.on_pre_page(page, config=config, files=files)
            page.read_source(config)
            page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
            before = dict(vars(page))
            capture.records = []
            page.render(config, files)
            attributes = {k: v for k, v in vars(page).items() if k not in before or before[k] is not v}
            links = attributes.get("links_to_anchors")
            if links:
                attributes["links_to_anchors"] = {target.src_uri: anchors for target, anchors in links.items()}
            converted = _Converted(file.src_uri, _digest(page.markdown), attributes, capture.records, extra(page))
        except Exception:  # converted by MkDocs instead, which reports the error as usual
            continue
        finally:
            config._current_page = None
            if created:
                file.page = None  # the child's copy of the page is no longer needed
        pickle.dump(converted, out, pickle.HIGHEST_PROTOCOL)
        count += 1
    out.flush()
    return count


class SplitConversion:
    """The second half of ``todo`` (``File`` objects of pages) converted in a forked child.

    Start it in ``on_nav``; call :meth:`install` from ``on_pre_page`` and :meth:`extra` from
    ``on_page_content``. ``extra(page)``, computed in the child after rendering a page,
    is a picklable value wanted later for it.
    """

    def __init__(self, config, files, todo: list, extra: Callable[[Page], Any], share: float = 0.5) -> None:
        later = todo[round(len(todo) * (1 - share)) :]
        self._files = files
        self._waiting = {file.src_uri for file in later}
        try:  # anonymous: nothing is left behind, whatever happens to the build
            self._file = tempfile.TemporaryFile(prefix="casebook-converted-")
        except OSError:  # no writable temporary folder: nothing is split
            self._file = None
        self._reading = False
        self._next: _Converted | None = None
        self._left = 0
        out = self._file
        self._child = (
            background(lambda: _convert(config, files, later, extra, out), fallback=int)
            if out is not None and _only_hooks(config)
            else None
        )
        self._extras: dict = {}
        self.used = 0
        """How many pages took the child's conversion."""
        self.forked = self._child is not None and self._child.forked
        if not self.forked:
            self._waiting.clear()
            self._close_file()

    def install(self, page: Page) -> None:
        """If the child converted this page, its ``render`` uses the child's results."""
        if page.file.src_uri not in self._waiting:
            return
        self._waiting.discard(page.file.src_uri)
        converted = self._take(page.file.src_uri)
        if converted is not None:
            page.render = lambda config, files: self._render(page, converted, config, files)

    def _take(self, src_uri: str) -> _Converted | None:
        """The child's result for this page: the next one in its file, if it is this page's."""
        if not self._reading and self._file is not None:
            self._left = self._child()  # waits for the child (0 if it failed)
            self._file.seek(0)  # the child wrote through the same open file
            self._reading = True
        if self._next is None and self._left > 0:
            self._next = pickle.load(self._file)
            self._left -= 1
        if self._next is None or self._next.src_uri != src_uri:
            return None  # not converted there (an error): converted here
        converted, self._next = self._next, None
        return converted

    def _render(self, page: Page, converted: _Converted, config, files) -> None:
        del page.render  # the class's own method again
        if _digest(page.markdown) != converted.digest:  # changed since the child read it
            return page.render(config, files)
        _replay(converted.records)
        attributes = dict(converted.attributes)
        links = attributes.get("links_to_anchors")
        if links:
            targets = ((self._files.get_file_from_path(src), anchors) for src, anchors in links.items())
            attributes["links_to_anchors"] = {target: anchors for target, anchors in targets if target is not None}
        vars(page).update(attributes)
        self._extras[page.file.src_uri] = converted.extra
        self.used += 1
        return None

    def extra(self, page: Page) -> Any:
        """The child's extra value for this page if its conversion was used, else ``None`` (once)."""
        return self._extras.pop(page.file.src_uri, None)

    def close(self) -> None:
        """Stop the child if it is still there (its results are no longer wanted), collect it, and
        drop its results."""
        if self._child is not None:
            self._child.cancel()
        self._close_file()

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _build_page_function():
    """MkDocs' function that renders and writes one page (``None`` if this MkDocs has none).
    Its module's logger is where MkDocs notes skipped pages (``properdocs.commands.build``
    under ProperDocs, which serves ``mkdocs.*`` imports from ``properdocs.*``)."""
    try:
        from mkdocs.commands.build import _build_page
    except ImportError:
        return None
    return _build_page


def _render(build_page, pages: list, config, doc_files, nav, env) -> list:
    """In the child: render and write each page as MkDocs would; what was logged."""
    capture = _Capture().install()
    for page in pages:
        build_page(page, config, doc_files, nav, env)
    return capture.records


class SplitRendering:
    """The second half of ``pages`` rendered and written by a forked child. Start it in
    ``on_env``; call :meth:`finish` in ``on_post_build`` (and :meth:`close` on an error)."""

    def __init__(self, config, files, nav, env, pages: list, share: float = 0.5) -> None:
        self._later = pages[round(len(pages) * (1 - share)) :]
        self._build_page = _build_page_function()
        self._logger = logging.getLogger(getattr(self._build_page, "__module__", "mkdocs.commands.build"))
        self._args = (config, files.documentation_pages(), nav, env)
        self.written = 0
        """How many pages the child rendered and wrote."""
        self.forked = False
        self._templates: list = []
        self._quiet = _Skipped({page.file.src_uri for page in self._later})
        self._child = None
        if self._build_page is None or not _only_hooks(config) or not self._later:
            return
        if any(page.content is None for page in self._later):  # not converted (mkdocs build --dirty)
            return
        child = background(lambda: _render(self._build_page, self._later, *self._args), fallback=lambda: False)
        if not child.forked:  # MkDocs renders them as usual
            return
        self._child = child
        self.forked = True
        for page in self._later:  # MkDocs renders an empty page for them and writes nothing
            self._templates.append((page, page.meta.get("template")))
            page.meta["template"] = ELSEWHERE
        self._logger.addFilter(self._quiet)

    def finish(self) -> None:
        """Wait for the child; if it failed, render its pages here (raising their error)."""
        if self._child is None:
            return
        records, self._child = self._child(), None
        self._restore()
        if records is False:
            for page in self._later:
                self._build_page(page, *self._args)
        else:
            _replay(records)
            self.written = len(self._later)

    def close(self) -> None:
        if self._child is not None:
            self._child.cancel()
            self._child = None
            self._restore()

    def _restore(self) -> None:
        self._logger.removeFilter(self._quiet)
        for page, template in self._templates:
            if template is None:
                page.meta.pop("template", None)
            else:
                page.meta["template"] = template


class _Skipped(logging.Filter):
    """Drops MkDocs' note that a page rendered elsewhere was "skipped" (empty here)."""

    def __init__(self, src_uris: set) -> None:
        super().__init__()
        self._notes = {f"Page skipped: '{src_uri}'. Generated empty output." for src_uri in src_uris}

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self._notes
