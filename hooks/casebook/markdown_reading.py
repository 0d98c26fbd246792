"""One reading of Markdown: the checker takes a case's headings from the parse the site
renders with (Python-Markdown with the site's extensions), so ``make check`` and the page
agree on which lines are headings.

A line scanner of its own took a list item or a table row followed by a ``---`` rule for a
section heading; Python-Markdown does not (its setext headings are one-line paragraphs),
so a valid case was refused over a heading its page would not have.

``make check`` has no MkDocs: it reads the library's ``mkdocs.yml`` as MkDocs does
(:func:`read_mkdocs_config`: ``!!python/name:`` imported, ``!ENV``, ``INHERIT`` followed), so an
extension configured with a Python object (Material's mermaid fences in SuperFences) reads the
same in the check as on the page. Headings inside quotes, lists, notes and definitions are
reported at the line they are written on (:meth:`MarkdownReading.nested_headings`).
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import yaml

from .problems import Problem

BUILTINS = ("toc", "tables", "fenced_code")
"""The extensions MkDocs always adds (``mkdocs.config.defaults``: ``markdown_extensions``)."""

_HEADING = re.compile(r"h([1-6])")

_CONTAINER = re.compile(r"^(?:[ \t]*(?:>|[-*+:](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*")
"""What opens a line inside a quote, list item, definition or note: ``> ``, ``- ``, ``1. ``,
``:   `` and indentation."""

_UNDERLINE = re.compile(r"^(=+|-+)[ \t]*$")


class Nested(NamedTuple):
    """A heading inside a quote, list, note or definition, as :meth:`MarkdownReading.nested_headings` gives it."""

    level: int
    text: str
    """Its text as written (block parse: no inline markup resolved)."""
    line: int
    """The index (from 0) of the line it is written on in the text read: for an underlined
    (setext) heading, the line of its text, not the underline."""
    underlined: bool
    """Written as a line over ``===`` or ``---`` rather than with ``#`` marks."""


def _search(lines: list[str], level: int, title: str, start: int) -> int:
    """The first line from ``start`` that opens a heading of ``level`` with ``title`` (``#``
    marks, or the text over an underline), once containers are taken off; else ``start``."""
    for i in range(start, len(lines)):
        content = _CONTAINER.sub("", lines[i])
        if content.startswith("#" * level) and title in content:
            return i
        following = _CONTAINER.sub("", lines[i + 1]) if i + 1 < len(lines) else ""
        if content.strip() == title and title and _UNDERLINE.match(following):
            return i
    return min(start, max(len(lines) - 1, 0))


class _TolerantLoader(yaml.SafeLoader):
    """mkdocs.yml as plain data, importing nothing: MkDocs' own tags (``!ENV``, ``!relative``,
    ``!!python/name:``) read as None (:func:`casebook.contract.named_in`)."""


_TolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


class ConfigError(Exception):
    """mkdocs.yml (or a file it inherits) cannot be read as MkDocs reads it: a Python name that
    cannot be imported, an ``INHERIT`` file that is missing or inherits itself."""

    def __init__(self, path: Path, line: int, message: str, fix: str):
        super().__init__(f"{path}:{line}: {message}; {fix}")
        self.path, self.line, self.message, self.fix = Path(path), line, message, fix

    def problem(self, root: Path) -> Problem:
        """As a :class:`~casebook.problems.Problem` of the library at ``root`` (path relative to it)."""
        where = Path(os.path.relpath(self.path, root)).as_posix()
        return Problem(where, self.line, _top_key(self.path, self.line), self.message, self.fix)


class _Unresolved(Exception):
    """A ``!!python/name:`` or ``!!python/module:`` that cannot be imported (line from 1)."""

    def __init__(self, tag: str, line: int, reason: str):
        super().__init__(reason)
        self.tag, self.line, self.reason = tag, line, reason


class _Relative(NamedTuple):
    """MkDocs' ``!relative`` (``$config_dir/…``, ``$docs_dir/…``, or the page's folder when
    empty), made a path once the whole configuration is read (:func:`_resolve_relative`)."""

    prefix: str
    suffix: str


def _python_name(loader, suffix: str, node) -> object:
    """``!!python/name:module.attr`` as PyYAML's full loader (which MkDocs uses) makes it: the
    attribute of the imported module (of ``builtins`` without a dot)."""
    module_name, _, attr = suffix.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name or "builtins"), attr)
    except Exception as exc:  # ImportError, AttributeError, or anything the module raises on import
        raise _Unresolved(f"!!python/name:{suffix}", node.start_mark.line + 1, _reason(exc)) from None


def _python_module(loader, suffix: str, node) -> object:
    """``!!python/module:name``: the imported module."""
    try:
        return importlib.import_module(suffix)
    except Exception as exc:
        raise _Unresolved(f"!!python/module:{suffix}", node.start_mark.line + 1, _reason(exc)) from None


def _reason(exc: Exception) -> str:
    """What went wrong importing: 'No module named 'x'', 'module 'x' has no attribute 'y'', or the
    error the module raised."""
    return str(exc) if isinstance(exc, ImportError | AttributeError) else f"{type(exc).__name__}: {exc}"


def _env(loader, node) -> object:
    """``!ENV NAME`` or ``!ENV [NAME, OTHER, default]`` as MkDocs reads it (the ``yaml_env_tag``
    package): the first variable set, typed as YAML would type it; else the default (None)."""
    default = None
    if isinstance(node, yaml.SequenceNode):
        children = node.value
        if len(children) > 1:
            default = loader.construct_object(children[-1])
            children = children[:-1]
        names = [loader.construct_scalar(child) for child in children]
    else:
        names = [loader.construct_scalar(node)]
    for name in names:
        if name in os.environ:
            value = os.environ[name]
            tag = loader.resolve(yaml.ScalarNode, value, (True, False))
            return loader.construct_object(yaml.ScalarNode(tag, value))
    return default


def _relative(loader, node) -> _Relative:
    prefix, _, suffix = str(loader.construct_scalar(node) or "").partition("/")
    return _Relative(prefix, suffix)


class _MkDocsLoader(yaml.Loader):
    """mkdocs.yml as MkDocs reads it (``mkdocs.utils.yaml.get_yaml_loader``: PyYAML's full loader
    with ``!ENV`` and ``!relative``); a Python name that cannot be imported raises
    :class:`_Unresolved` with its line. The site's configuration is trusted: MkDocs imports
    these names too. Other ``!`` tags MkDocs does not know read as None (the build reports them)."""


_MkDocsLoader.add_constructor("!ENV", _env)
_MkDocsLoader.add_constructor("!relative", _relative)
_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/name:", _python_name)
_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/module:", _python_module)
_MkDocsLoader.add_multi_constructor("!", lambda loader, suffix, node: None)

_INHERIT_DEPTH = 20
"""The longest chain of ``INHERIT`` files followed (a longer one is taken for a circle)."""


def read_mkdocs_config(path: Path) -> dict:
    """The configuration in ``path`` as MkDocs reads it (``mkdocs.utils.yaml.yaml_load``):
    Python names imported, ``!ENV`` read, and ``INHERIT: parent.yml`` (relative to the file
    naming it) followed, the child's keys merged over the parent's (mappings key by key, any
    other value replaced, as ``mergedeep`` does); ``!relative`` paths made from ``path``'s folder.

    Raises :class:`ConfigError` for a name that cannot be imported or an ``INHERIT`` file that
    is missing or inherits itself, and ``OSError``, ``UnicodeDecodeError`` or ``yaml.YAMLError``
    for a file that cannot be read."""
    path = Path(path)
    data = _read_inheriting(path, ())
    docs = path.parent / str(data.get("docs_dir") or "docs")
    return _resolve_relative(data, path.parent, docs)


def _read_inheriting(path: Path, seen: tuple) -> dict:
    text = path.read_text("utf-8")
    try:
        data = yaml.load(text, Loader=_MkDocsLoader)  # MkDocs' own loader: the site's config is trusted
    except _Unresolved as exc:
        fix = (
            "install the package that provides it in the site's environment (requirements.txt), or "
            "correct the name: MkDocs imports it to build the site"
        )
        raise ConfigError(path, exc.line, f"'{exc.tag}' cannot be imported ({exc.reason})", fix) from None
    if not isinstance(data, dict):
        return {}
    if "INHERIT" not in data:
        return data
    named = str(data.pop("INHERIT"))
    parent = Path(os.path.normpath(path.parent / named))
    line = next((i + 1 for i, ln in enumerate(text.split("\n")) if ln.startswith("INHERIT")), 1)
    if not parent.is_file():
        fix = "correct the path; it is relative to the folder of the file that names it"
        raise ConfigError(path, line, f"the file '{named}' does not exist ({parent})", fix)
    if parent in seen or len(seen) > _INHERIT_DEPTH:
        message = f"'{named}' inherits back from this file (a circle)"
        raise ConfigError(path, line, message, "remove one of the INHERIT lines")
    return _merge(_read_inheriting(parent, (*seen, path)), data)


def _merge(parent: dict, child: dict) -> dict:
    """``child`` over ``parent``: mappings merged key by key, any other value (a list too) replaced."""
    out = dict(parent)
    for key, value in child.items():
        out[key] = _merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def _resolve_relative(value, config_dir: Path, docs_dir: Path):
    """``value`` with every :class:`_Relative` made a path string (a case page's folder for a bare one)."""
    if isinstance(value, _Relative):
        base = {"$config_dir": config_dir, "$docs_dir": docs_dir}.get(value.prefix)
        if base is None:
            return str(docs_dir / "cases" / "/".join(p for p in (value.prefix, value.suffix) if p))
        return str(base / value.suffix) if value.suffix else str(base)
    if isinstance(value, dict):
        return {k: _resolve_relative(v, config_dir, docs_dir) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_relative(v, config_dir, docs_dir) for v in value]
    return value


def _top_key(path: Path, line: int) -> str:
    """The top-level key of mkdocs.yml whose block holds ``line`` (``"mkdocs.yml"`` if none)."""
    try:
        lines = path.read_text("utf-8").split("\n")[:line]
    except (OSError, UnicodeDecodeError):
        return "mkdocs.yml"
    keys = [m.group(1) for m in (re.match(r"([A-Za-z_][\w-]*)\s*:", ln) for ln in lines) if m]
    return keys[-1] if keys else "mkdocs.yml"


def _extension_items(extensions) -> list[tuple[str, object]]:
    """``markdown_extensions`` (a list of names and one-key mappings, or one mapping) as
    ``(name, options)`` pairs, as MkDocs' ``MarkdownExtensions`` option reads it."""
    if isinstance(extensions, dict):
        return [(str(k), v) for k, v in extensions.items()]
    out = []
    for item in extensions if isinstance(extensions, list) else []:
        if isinstance(item, str):
            out.append((item, None))
        elif isinstance(item, dict) and len(item) == 1:
            name, options = next(iter(item.items()))
            out.append((str(name), options))
    return out


@dataclass
class MarkdownReading:
    """The site's Markdown extensions, and the headings of a text as the site's parser reads them.

    ``extensions``: extension names in order (MkDocs' built-ins first); ``configs``: name → options,
    Python objects included (``!!python/name:`` in mkdocs.yml, such as a SuperFences custom
    fence's ``format``: without it the fence is not code, and a ``##`` in it would be read as a
    heading that the page does not have)."""

    extensions: tuple = BUILTINS
    configs: dict = field(default_factory=dict)
    problems: tuple = field(default=(), compare=False)
    """:class:`~casebook.problems.Problem` s met reading mkdocs.yml (:meth:`from_file`): the
    caller reports them and stops, as the build would."""
    _parser: object = field(default=None, repr=False, compare=False)
    _last: tuple = field(default=(None, None), repr=False, compare=False)
    """(text, block tree) of the last text read: a case's body is read for its top-level and its
    nested headings, and the block parse is done once for both."""

    @classmethod
    def from_mkdocs(cls, extensions, configs: dict) -> MarkdownReading:
        """From MkDocs' validated config (``config.markdown_extensions``, ``config.mdx_configs``)."""
        names = tuple(dict.fromkeys([*BUILTINS, *(str(e) for e in extensions)]))
        return cls(names, {k: dict(v) for k, v in (configs or {}).items() if k in names and isinstance(v, dict)})

    @classmethod
    def from_file(cls, path: Path) -> MarkdownReading:
        """From a library's ``mkdocs.yml`` as MkDocs reads it (:func:`read_mkdocs_config`:
        ``!!python/name:`` imported, ``INHERIT`` followed). A name that cannot be imported or a
        missing ``INHERIT`` file gives the built-ins and the problem in ``problems``; a file
        that is missing or unreadable gives the built-ins alone (the build reports that)."""
        path = Path(path)
        try:
            data = read_mkdocs_config(path)
        except ConfigError as exc:
            return cls(problems=(exc.problem(path.parent),))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return cls()
        names, configs = [], {}
        for name, options in _extension_items(data.get("markdown_extensions")):
            names.append(name)
            if isinstance(options, dict) and options:
                configs[name] = options
        return cls.from_mkdocs(names, configs)

    def cache_key(self) -> tuple:
        """What decides this reading, as data (for the build cache's keys)."""
        from .cache import plain

        return (self.extensions, plain(self.configs))

    def __getstate__(self) -> dict:  # the parser is made again where it is needed (a pool's process)
        return {**self.__dict__, "_parser": None, "_last": (None, None)}

    def _markdown(self):
        if self._parser is None:
            import markdown

            try:
                self._parser = markdown.Markdown(extensions=list(self.extensions), extension_configs=self.configs)
            except Exception:  # an extension this environment lacks: the build reports it; read with the built-ins
                self._parser = markdown.Markdown(extensions=list(BUILTINS))
        return self._parser

    def nested_headings(self, text: str, deepest: int = 2) -> list[Nested]:
        """Headings of level ``deepest`` or higher inside a quote, list, note or definition (not
        at the top level), in order, each with the line it is written on (:class:`Nested`): the
        page shows them among the sections."""
        found = self._nested(text, deepest)
        if not found:
            return []
        lines = [line.expandtabs(self._markdown().tab_length) for line in text.split("\n")]
        where = self._locate(lines, found, deepest)
        out = []
        for (level, title), at in zip(found, where, strict=True):
            content = _CONTAINER.sub("", lines[at])
            out.append(Nested(level, title, at, not content.startswith("#")))
        return out

    def _nested(self, text: str, deepest: int) -> list[tuple[int, str]]:
        """``(level, source text)`` of the nested headings of ``text``, in document order."""
        root = self._tree(text)
        top = set(root)
        out = []
        for element in root.iter():
            match = _HEADING.fullmatch(element.tag)
            if match and element not in top and int(match.group(1)) <= deepest:
                out.append((int(match.group(1)), (element.text or "").strip()))
        return out

    def _locate(self, lines: list[str], found: list[tuple[int, str]], deepest: int) -> list[int]:
        """The line index of each of ``found`` in ``lines`` (tabs expanded as the parser does).

        The parser keeps no line numbers, so each line holding a heading's text gets that text
        replaced by a word of its own (``casebook17line`` on line 17) and the text is read
        again: the nested headings, read the same way, now name their lines. Where that
        changes what is read (a text that is also markup), each heading is looked for in
        order instead (:func:`_search`)."""
        texts = sorted({title for _, title in found if title}, key=len, reverse=True)
        marked = list(lines)
        named: dict[str, tuple[int, str]] = {}
        for i, line in enumerate(lines):
            title = next((t for t in texts if t in line), None)
            if title is not None:
                token = f"casebook{i}line"
                at = line.rindex(title)
                marked[i] = line[:at] + token + line[at + len(title) :]
                named[token] = (i, title)
        again = self._nested("\n".join(marked), deepest)
        if len(again) == len(found) and all(
            level == level2 and named.get(token, (0, None))[1] == title
            for (level, title), (level2, token) in zip(found, again, strict=True)
        ):
            return [named[token][0] for _, token in again]
        out, start = [], 0
        for level, title in found:
            start = _search(lines, level, title, start)
            out.append(start)
            start += 1
        return out

    def _tree(self, text: str):
        if self._last[0] == text:
            return self._last[1]
        md = self._markdown()
        md.reset()
        lines = text.split("\n")
        for preprocessor in md.preprocessors:
            lines = preprocessor.run(lines)
        root = md.parser.parseDocument(lines).getroot()
        self._last = (text, root)
        return root

    def headings(self, text: str) -> list[tuple[int, str]]:
        """The top-level headings of ``text`` as ``(level, source text)``, in order: the block
        parse only (preprocessors and block processors, no inline work), so headings inside
        lists, quotes, admonitions or code are not among them."""
        out = []
        for element in self._tree(text):
            match = _HEADING.fullmatch(element.tag)
            if match:
                out.append((int(match.group(1)), (element.text or "").strip()))
        return out
