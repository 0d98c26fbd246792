"""A strict YAML reader for front matter and the taxonomy.

PyYAML follows YAML 1.1, where ``NO`` is false, ``2010-05-01`` is a date and a
repeated key silently wins. Case files are written by people, so this reader
follows the YAML 1.2 core schema instead (only ``true``/``false`` are
booleans, no dates), rejects duplicate keys, anchors, aliases and custom
tags, and remembers the line of every value so problems can point at it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple  # a path into the data: keys (str) and list indexes (int)

_STANDARD = "tag:yaml.org,2002:"


_ALLOWED_TAGS = {_STANDARD + t for t in ("str", "int", "float", "bool", "null", "seq", "map")}
"""Tags a value may have (implicitly, or written as !!str and so on)."""


class _CoreResolver(yaml.resolver.Resolver):
    """Implicit typing of the YAML 1.2 core schema (no yes/no, no dates)."""


_CoreResolver.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    _CoreResolver.add_implicit_resolver(_STANDARD + _tag, re.compile(_regexp), list(_first))


def resolve_tag(text: str) -> str:
    """What YAML's core schema reads ``text`` as when it is written without quotes: 'str', 'int',
    'float', 'bool' or 'null'."""
    tag = _CoreResolver().resolve(yaml.ScalarNode, text, (True, False))
    return tag[len(_STANDARD) :] if tag.startswith(_STANDARD) else "str"


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _CoreResolver,
):
    """Composes a node tree only; values are built by :func:`_build`."""

    def __init__(self, stream: str):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _CoreResolver.__init__(self)


try:  # libyaml composes ~10x faster; errors are always explained by the pure-Python reader

    class _CLoader(yaml.cyaml.CParser, _CoreResolver):
        """The same composition in C, for the common case of valid YAML."""

        def __init__(self, stream: str):
            yaml.cyaml.CParser.__init__(self, stream)
            _CoreResolver.__init__(self)

except AttributeError:  # PyYAML without libyaml
    _CLoader = None


def _compose_fast(text: str):
    """The node tree via libyaml, or ``False`` when it is missing or the text has an error."""
    if _CLoader is None:
        return False
    loader = None
    try:
        loader = _CLoader(text)
        return loader.get_single_node()
    except (yaml.YAMLError, RecursionError, ValueError):
        return False
    finally:
        if loader is not None:
            loader.dispose()


@dataclass
class YamlError:
    """A problem found while reading YAML: a message and a 1-based line."""

    line: int
    field: str
    message: str
    fix: str


@dataclass
class YamlDoc:
    """Parsed YAML: the plain data, the line of every path, and errors."""

    data: Any = None
    lines: dict = field(default_factory=dict)
    """Maps a path (tuple of keys and indexes) to its 1-based line."""
    errors: list = field(default_factory=list)
    readable: bool = True
    """Whether the text could be read as YAML at all. When it could, ``data`` holds everything
    but the values in ``errors``: a repeated field keeps its first value, and an alias, a tag or
    a value that cannot be read is ``None`` at a path in ``refused``, so the rest can still be
    checked in the same run."""
    refused: list = field(default_factory=list)
    """The paths whose values were refused (reported in ``errors``): checks of them would only
    repeat that report."""

    def line_of(self, path) -> int:
        """The line of ``path``, or of its closest ancestor that has one."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def _field_name(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "front matter"


def _scalar(node: yaml.ScalarNode):
    tag = node.tag[len(_STANDARD) :] if node.tag.startswith(_STANDARD) else None
    value = node.value
    if tag == "str":
        return unicodedata.normalize("NFC", value)
    if tag == "null":
        return None
    if tag == "bool":
        return value.lower() == "true"
    if tag == "int":
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value)
    if tag == "float":
        low = value.lower()
        if low.endswith("inf"):
            return float("-inf") if low.startswith("-") else float("inf")
        if low.endswith("nan"):
            return float("nan")
        return float(value)
    raise ValueError(node.tag)


def _too_deep(line_offset: int) -> YamlError:
    """The problem for YAML nested past Python's recursion limit."""
    return YamlError(
        1 + line_offset,
        "yaml",
        "the YAML is nested too deeply to be read",
        "use at most a few levels of lists and fields",
    )


_QUOTED_START = re.compile(
    r"^(\s*(?:-\s+)?(?:[^\s:#'\"\[{][^:#]*?\s*:\s+)?)(\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*')\s*([^\s#].*?)\s*$"
)


def _closed_early(exc: yaml.MarkedYAMLError, text: str) -> tuple[str, str] | None:
    """(message, fix) when the line of a YAML error has a value that starts with a quotation mark
    closed before the value ends (title: "Områdeløft" Saupstad), else ``None``."""
    mark = exc.problem_mark
    lines = text.split("\n")
    if mark is None or mark.line >= len(lines):
        return None
    found = _QUOTED_START.match(lines[mark.line])
    if not found:
        return None
    lead, quoted, rest = found.groups()
    value = lines[mark.line][found.start(2) : found.end(3)]
    if "'" not in value:
        wrapped = f"'{value}'"
    else:
        wrapped = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    marks = "“”" if quoted[0] == '"' else "‘’"
    typographic = marks[0] + quoted[1:-1] + marks[1] + value[len(quoted) :]
    return (
        f"the value starts with a quotation mark ({quoted[0]}) that closes before the value ends, "
        f"so YAML cannot read the rest ({rest[:30]})",
        f"wrap the whole value in quotes, which keeps the marks inside it: {f'{lead.strip()} {wrapped}'.strip()}, "
        f"or use typographic marks, which need no quoting: {f'{lead.strip()} {typographic}'.strip()}",
    )


def _explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[str, str]:
    """A plain-words message and fix for a YAML syntax error."""
    context, problem = exc.context or "", exc.problem or ""
    detail = " ".join(x for x in (context, problem) if x)
    if "\\t" in problem or "tab" in problem:
        return "a tab character is used for indentation", "indent with spaces; YAML does not allow tabs"
    if "quoted scalar" in context:
        return "a quotation mark is opened here and never closed", "close the quote at the end of the value"
    if "flow" in context:
        return "a bracket [ or { is opened here and never closed", "close it, or write the list one entry per line"
    early = _closed_early(exc, text)
    if early:
        return early
    if "alias" in detail or "anchor" in detail:
        return (
            "a value starts with '*' or '&', which YAML reads as a reference to another value",
            "if it is a list entry, start it with a hyphen and a space ('- ') instead of '*'; if the mark belongs "
            'to the text, put the whole value in double quotes, e.g. title: "*Områdeløft*"',
        )
    if "mapping values are not allowed" in problem:
        return (
            "a value contains ': ' (colon and space), which YAML reads as a new field",
            'put the whole value in double quotes, e.g. title: "Area lift: Saupstad"',
        )
    if "found '-'" in problem or "block sequence" in problem:
        return (
            "a list entry ('- ...') is not under a field name or is indented differently from its neighbours",
            "put the entries right under their field (e.g. organisations:), each starting with '  - ', "
            "or delete the entries along with their field",
        )
    if "another document" in problem:
        return "a second '---' line ends the front matter early", "keep only the two --- lines around the fields"
    return (
        f"the YAML cannot be read ({detail})",
        "check indentation (spaces, not tabs), quotes and colons on this line or the one above",
    )


def explain_error(exc: yaml.MarkedYAMLError, text: str, line_offset: int = 0) -> YamlError:
    """PyYAML's syntax error ``exc`` in ``text`` in plain words, with a fix, at its line (plus
    ``line_offset``): where an unclosed quote or bracket opened, else where reading stopped."""
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and any(w in (exc.context or "") for w in ("flow", "quoted")):
        mark = exc.context_mark  # an unclosed quote or bracket: point at where it opened
    line = (mark.line + 1 if mark else 1) + line_offset
    what, fix = _explain(exc, text)
    return YamlError(line, "yaml", what, fix)


def parse_yaml(text: str, line_offset: int = 0) -> YamlDoc:
    """Parse ``text`` strictly. ``line_offset`` is added to every line.

    Never raises for bad input: problems are returned in ``YamlDoc.errors``.
    """
    doc = YamlDoc()
    node = _compose_fast(text)
    if node is False:
        node = _compose_checked(text, line_offset, doc)
        if node is False:
            doc.readable = False
            return doc
    if node is None:
        return doc
    return _build_doc(node, doc, line_offset)


def _compose_checked(text: str, line_offset: int, doc: YamlDoc):
    """The node tree via the pure-Python reader, or ``False`` with the error in ``doc.errors``."""
    loader = None
    try:
        loader = _Loader(text)  # the reader refuses control characters already here
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        doc.errors.append(explain_error(exc, text, line_offset))
        return False
    except RecursionError:
        doc.errors.append(_too_deep(line_offset))
        return False
    except yaml.reader.ReaderError as exc:  # a control character in the text
        line = text[: exc.position].count("\n") + 1 + line_offset
        doc.errors.append(
            YamlError(
                line,
                "yaml",
                f"an invisible control character (U+{exc.character:04X}) is in the text",
                "delete it: retype the line if you cannot see it",
            )
        )
        return False
    except yaml.YAMLError as exc:
        doc.errors.append(
            YamlError(
                1 + line_offset, "yaml", f"the YAML cannot be read ({exc})", "check the file for unusual characters"
            )
        )
        return False
    finally:
        if loader is not None:
            loader.dispose()


def _build_doc(node, doc: YamlDoc, line_offset: int) -> YamlDoc:
    """Plain values and line numbers from a node tree; refuses aliases, tags and duplicate keys."""
    seen: set[int] = set()

    def build(node, path):
        doc.lines.setdefault(path, node.start_mark.line + 1 + line_offset)
        line = doc.lines[path]
        if id(node) in seen:
            doc.errors.append(
                YamlError(
                    line,
                    _field_name(path),
                    "YAML anchors and aliases (& and *) are not allowed",
                    "write the value out in full",
                )
            )
            doc.refused.append(path)
            return None
        seen.add(id(node))
        if node.tag not in _ALLOWED_TAGS:
            doc.errors.append(
                YamlError(
                    line,
                    _field_name(path),
                    f"the YAML tag '{node.tag}' is not allowed",
                    "remove the tag (the word starting with '!')",
                )
            )
            doc.refused.append(path)
            return None
        if isinstance(node, yaml.ScalarNode):
            try:
                return _scalar(node)
            except (ValueError, OverflowError):
                doc.errors.append(
                    YamlError(
                        line,
                        _field_name(path),
                        f"the value '{node.value}' cannot be read",
                        "write it as plain text in quotes",
                    )
                )
                doc.refused.append(path)
                return None
        if isinstance(node, yaml.SequenceNode):
            return [build(item, (*path, i)) for i, item in enumerate(node.value)]
        result: dict = {}
        key_lines: dict = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1 + line_offset
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STANDARD + "str":
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
                doc.errors.append(
                    YamlError(
                        key_line,
                        _field_name(path),
                        f"the field name '{shown}' is not text",
                        "field names are words such as 'title'; quote it if needed",
                    )
                )
                continue
            key = unicodedata.normalize("NFC", key_node.value)
            if key in key_lines:
                doc.errors.append(
                    YamlError(
                        key_line,
                        _field_name((*path, key)),
                        f"the field '{key}' appears twice (first on line {key_lines[key]})",
                        "keep one and delete the other",
                    )
                )
                continue
            key_lines[key] = key_line
            doc.lines[(*path, key)] = key_line
            result[key] = build(value_node, (*path, key))
        return result

    try:
        doc.data = build(node, ())
    except RecursionError:
        doc.errors.append(_too_deep(line_offset))
        doc.data, doc.readable = None, False
    return doc


field_name = _field_name
