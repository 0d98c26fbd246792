"""One reading of Markdown: the checker takes a case's headings from the parse the site
renders with (Python-Markdown with the site's extensions), so ``make check`` and the page
agree on which lines are headings.

A line scanner of its own took a list item or a table row followed by a ``---`` rule for a
section heading; Python-Markdown does not (its setext headings are one-line paragraphs),
so a valid case was refused over a heading its page would not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

BUILTINS = ("toc", "tables", "fenced_code")
"""The extensions MkDocs always adds (``mkdocs.config.defaults``: ``markdown_extensions``)."""

_HEADING = re.compile(r"h([1-6])")


class _TolerantLoader(yaml.SafeLoader):
    """mkdocs.yml as data: MkDocs' own tags (``!ENV``, ``!relative``, ``!!python/name:``) read as None."""


_TolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


@dataclass
class MarkdownReading:
    """The site's Markdown extensions, and the headings of a text as the site's parser reads them.

    ``extensions``: extension names in order (MkDocs' built-ins first); ``configs``: name → options.
    Options that are Python objects in mkdocs.yml (``!!python/name:``) are left out: they do
    not change which lines are headings."""

    extensions: tuple = BUILTINS
    configs: dict = field(default_factory=dict)
    _parser: object = field(default=None, repr=False, compare=False)

    @classmethod
    def from_mkdocs(cls, extensions, configs: dict) -> MarkdownReading:
        """From MkDocs' validated config (``config.markdown_extensions``, ``config.mdx_configs``)."""
        names = tuple(dict.fromkeys([*BUILTINS, *(str(e) for e in extensions)]))
        return cls(names, {k: dict(v) for k, v in (configs or {}).items() if k in names and isinstance(v, dict)})

    @classmethod
    def from_file(cls, path: Path) -> MarkdownReading:
        """From a library's ``mkdocs.yml`` (as MkDocs reads ``markdown_extensions``); the
        built-ins alone when the file is missing or unreadable (the build reports that)."""
        try:
            data = yaml.load(Path(path).read_text("utf-8"), Loader=_TolerantLoader) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return cls()
        names, configs = [], {}
        for item in data.get("markdown_extensions") or [] if isinstance(data, dict) else []:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict) and len(item) == 1:
                name, options = next(iter(item.items()))
                names.append(str(name))
                if isinstance(options, dict):
                    configs[str(name)] = {k: v for k, v in options.items() if v is not None}
        return cls.from_mkdocs(names, configs)

    def cache_key(self) -> tuple:
        """What decides this reading, as data (for the build cache's keys)."""
        from .cache import plain

        return (self.extensions, plain(self.configs))

    def __getstate__(self) -> dict:  # the parser is made again where it is needed (a pool's process)
        return {**self.__dict__, "_parser": None}

    def _markdown(self):
        if self._parser is None:
            import markdown

            try:
                self._parser = markdown.Markdown(extensions=list(self.extensions), extension_configs=self.configs)
            except Exception:  # an extension this environment lacks: the build reports it; read with the built-ins
                self._parser = markdown.Markdown(extensions=list(BUILTINS))
        return self._parser

    def nested_headings(self, text: str, deepest: int = 2) -> list[tuple[int, str]]:
        """Headings of level ``deepest`` or higher inside a quote, list or note (not at the top
        level), as ``(level, source text)``: the page shows them among the sections."""
        root = self._tree(text)
        top = set(root)
        out = []
        for element in root.iter():
            match = _HEADING.fullmatch(element.tag)
            if match and element not in top and int(match.group(1)) <= deepest:
                out.append((int(match.group(1)), (element.text or "").strip()))
        return out

    def _tree(self, text: str):
        md = self._markdown()
        md.reset()
        lines = text.split("\n")
        for preprocessor in md.preprocessors:
            lines = preprocessor.run(lines)
        return md.parser.parseDocument(lines).getroot()

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
