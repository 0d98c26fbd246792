"""Characters that word processors and mail clients put into pasted text, and that look like
the ordinary ones YAML and Markdown need: no-break and other spaces, invisible characters
(zero-width, soft hyphen, bidirectional controls), typographic quotes around a value, and
dashes or bullets used as list markers.

YAML reads them as text, so without this check they either break the reading far from
where they are ("use spaces, not tabs" on the wrong line) or pass silently into titles,
exports and citations ("“Områdeløft Saupstad”"). Each is reported by name at its line and
under its field's full name (``period.start``, ``sources[0].publisher``), with what to type
instead; :func:`ordinary` gives the text with them replaced, so that the rest of the file can
still be read and checked in the same run. :func:`markdown_lookalikes` does the same for one
line of a case's Markdown text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import yaml

from .yamlsafe import field_name, resolve_tag

SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
"""Spaces other than U+0020: no-break (U+00A0, U+202F narrow), figure (U+2007), the typographic
widths U+2000–U+200A, medium mathematical (U+205F), ideographic (U+3000)."""

INVISIBLE = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
"""Characters with no width: zero-width space, non-joiner and joiner, word joiner, the invisible
operators U+2061–U+2064, the byte order mark inside a text (U+FEFF; one at the very start of a
file is allowed), soft hyphen, Mongolian vowel separator."""

BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Invisible bidirectional controls: the marks U+200E, U+200F, U+061C, the embeddings and
overrides U+202A–U+202E and the isolates U+2066–U+2069. They change the order in which text is
shown, not what it says (the "Trojan source" attack)."""

BREAKS = "\u2028\u2029\u0085"
"""Line breaks other than the ones a text file uses: the line separator U+2028, the paragraph
separator U+2029 (Word, and text copied from web pages and PDFs) and next line U+0085 (Windows-1252
text read as Latin-1). Some programs break the line there and others show nothing; YAML 1.1 reads
all three as line breaks (so PyYAML's line numbers would run ahead of the file's: YAML 1.1,
section 5.4), and Python's ``str.splitlines`` splits at them."""

_BREAK_NAMES = {"\u2028": "a line separator", "\u2029": "a paragraph separator", "\u0085": "a next line control"}

QUOTES = "“”„‟‘’‚‛«»‹›"
"""Typographic quotation marks; YAML quotes a value only with ASCII " and '."""

PAIRS = {"“": "”", "‘": "’", "„": "“”", "‚": "‘’", "«": "»", "»": "«»", "‹": "›", "›": "‹›", "”": "”", "’": "’"}
"""Each opening typographic quotation mark and the marks that close it (English, German,
Polish, French, Danish, Swedish and Finnish use)."""

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
"""Hyphens, dashes and the minus sign; a YAML list entry starts with ASCII '-'."""

BULLETS = "•‣▪●◦·⁃∙▫■□○◾◽►▶➢➤✓✔\uf0b7\uf0a7\uf0d8\uf076\uf0fc"
"""Bullets that word processors put in front of list entries, including the private-use ones of
the Symbol and Wingdings fonts (U+F0B7, U+F0A7, ...) that Word pastes."""

_FONT_BULLETS = {"\uf0b7": "Symbol", **dict.fromkeys("\uf0a7\uf0d8\uf076\uf0fc", "Wingdings")}

_HIDDEN_CHARS = re.compile(f"[{re.escape(INVISIBLE + BIDI + BREAKS)}]")
"""One invisible character, bidirectional control or other line break (a regular expression
scans a line in C)."""
_ODD_CHARS = re.compile(f"[{re.escape(SPACES + INVISIBLE + BIDI + BREAKS)}]")
"""One other space, invisible character, bidirectional control or other line break."""
_EMOJI = "\u2600-\u27bf\U0001f000-\U0001faff"
_EMOJI_JOINER = re.compile(f"(?<=[{_EMOJI}\ufe0f])\u200d(?=[{_EMOJI}])")
"""A zero width joiner between two emoji (U+2600–U+27BF, U+1F000–U+1FAFF, or after the emoji
presentation selector U+FE0F): part of one emoji (a family, a profession: Unicode UTS #51 ZWJ sequences), not
a pasted character; deleting it would split the emoji."""
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x84\x86-\x9f]")
"""One control character but the tab and next line (a line break: :data:`BREAKS`): Unicode's
general category Cc is exactly U+0000–U+001F and U+007F–U+009F (Unicode Standard, chapter 23.1)."""

_TO_SPACE = str.maketrans(
    {**dict.fromkeys(SPACES + BREAKS, " "), **dict.fromkeys(INVISIBLE.replace("\u200d", "") + BIDI), "\uff1a": ": "}
)
"""Other spaces and line breaks as U+0020, invisible characters but the zero width joiner removed
(see :data:`_LONE_JOINER`), a fullwidth colon (U+FF1A) as ': '."""
_LONE_JOINER = re.compile(f"(?<![{_EMOJI}\ufe0f])\u200d|\u200d(?![{_EMOJI}])")
"""A zero width joiner that does not join two emoji (:data:`_EMOJI_JOINER`): removed with the
other invisible characters."""

_SUSPECT = re.compile(f"[{SPACES}{INVISIBLE}{BIDI}{BREAKS}{QUOTES}{DASHES}{BULLETS}\uff1a]")
_ASCII_MARKER = re.compile(r"^[ \t]*(?:-[^\s\-.\d]|[*+][ \t]+\S)")
_BLOCK_START = re.compile(r"(?:^[ \t]*-|:)[ \t]+[|>][-+0-9]*[ \t]*(?:#.*)?$")
_OPENS = re.compile(r"(?:^[ \t]*-|:)[ \t]*(?:#.*)?$")
_TAB_INDENT = re.compile(r"^ *\t[ \t]*")
_TAB_FIX = "indent with spaces; YAML does not allow tabs"
_KEY = re.compile(r"^[ \t]*(?:-[ \t]+)?([^\s:#'\"\[{][^:#]*?)[ \t]*:(?:[ \t]|$)")
_VALUE = re.compile(r"^(\s*(?:-\s+)?(?:[^\s:#'\"\[{][^:#]*?\s*:\s+)?)(.*?)\s*$")


@dataclass(frozen=True)
class Lookalike:
    """One pasted look-alike: the 1-based line, the field on that line, what it is, the fix."""

    line: int
    field: str
    message: str
    fix: str


def _name(ch: str) -> str:
    """'a no-break space (U+00A0)', 'an en dash (U+2013)', 'a bullet from the Symbol font (U+F0B7)'."""
    if ch in _FONT_BULLETS:
        return f"a bullet from the {_FONT_BULLETS[ch]} font (U+{ord(ch):04X})"
    if ch in _BREAK_NAMES:
        return f"{_BREAK_NAMES[ch]} (U+{ord(ch):04X})"
    name = unicodedata.name(ch, "private-use character").lower()
    return f"{'an' if name[0] in 'aeio' else 'a'} {name} (U+{ord(ch):04X})"


def char_problems(raw: str, spaces: bool = True) -> list[tuple[str, str]]:
    """(message, fix) for each kind of other space, invisible character, bidirectional control,
    other line break (:data:`BREAKS`) and fullwidth colon in one line, in reading order (no byte
    order mark exception); with ``spaces`` false, only for the invisible characters,
    bidirectional controls and line breaks."""
    out = []
    raw = _EMOJI_JOINER.sub("", raw) if "\u200d" in raw else raw
    for ch in dict.fromkeys((_ODD_CHARS if spaces else _HIDDEN_CHARS).findall(raw)):
        if ch in SPACES:
            out.append((f"{_name(ch)} is used where an ordinary space belongs", "type an ordinary space instead"))
        elif ch in BREAKS:
            out.append(
                (
                    f"an invisible line break, {_name(ch)}, is in the text: some programs break the line "
                    "there and others show nothing",
                    "delete it, and type a space or press Enter where a break belongs",
                )
            )
        elif ch in BIDI:
            out.append(
                (
                    f"an invisible bidirectional control character, {_name(ch)}, is in the text: it can make "
                    "the text show in another order than it is stored in (the 'Trojan source' trick)",
                    "delete it (retype the line if you cannot find it)",
                )
            )
        else:
            out.append(
                (
                    f"an invisible character, {_name(ch)}, is in the text",
                    "delete it (retype the line if you cannot find it)",
                )
            )
    if spaces and "\uff1a" in raw:
        out.append((f"{_name(chr(0xFF1A))} is used where ':' belongs", "type an ordinary colon (:)"))
    return out


def odd_spaces(text: str) -> str:
    """The spaces other than U+0020 in ``text``, named ('a no-break space (U+00A0) and a narrow
    no-break space (U+202F)'), or '' when there are none."""
    found = [_name(c) for c in dict.fromkeys(text) if c in SPACES]
    return " and ".join(found)


# --- list markers -------------------------------------------------------------------------------


def _marker_lines(lines: list[str]) -> dict[int, tuple[int, int, str]]:
    """For each line (0-based, of the text with other spaces already ordinary) whose list
    marker is not '- ': (column of the marker, column after it and its spaces, the marker).
    A dash or bullet counts anywhere but in a block scalar (| or >); an ASCII '-' without a
    space, '* ' or '+ ' only where a list entry belongs (under 'field:' or beside entries)."""
    found: dict[int, tuple[int, int, str]] = {}
    block = None  # the indentation of the line that opened a block scalar being read
    previous = None  # (indentation, 'opens' | 'entry' | 'other') of the last line with content
    for i, line in enumerate(lines):
        content = line.lstrip(" \t")
        if not content or content.startswith("#"):
            continue
        indent = len(line) - len(content)
        if block is not None and indent > block:
            continue
        block = None
        listed = previous is not None and (
            (previous[1] == "opens" and indent >= previous[0]) or (previous[1] == "entry" and indent == previous[0])
        )
        if content[0] in DASHES or content[0] in BULLETS or (listed and _ASCII_MARKER.match(line)):
            end = indent + 1
            while end < len(line) and line[end] in " \t":
                end += 1
            found[i] = (indent, end, content[0])
            line = line[:indent] + "- " + line[end:]
        kind = "entry" if line[indent:].startswith("- ") or line[indent:] == "-" else "other"
        previous = (indent, "opens" if _OPENS.search(line) else kind)
        if _BLOCK_START.search(line):
            block = indent
    return found


def _marker_problem(raw: str, start: int, end: int, ch: str) -> tuple[str, str]:
    """(message, fix) for a list marker that is not '- ' at ``raw[start:end]``."""
    rest = raw[end:].strip()
    example = f"- {rest}" if rest else "- (and the entry)"
    if ch in DASHES or ch in BULLETS:
        spaced = "" if raw[start + 1 : end] else " with no space after it"
        return (
            f"{_name(ch)} is used as a list marker{spaced}, so YAML reads the line as text, not as a list entry",
            f"type an ordinary hyphen and a space ('- ') instead: {example}",
        )
    if ch == "-":
        return (
            "the list entry has no space after its '-', so YAML reads the line as text, not as a list entry",
            f"type a space after the hyphen ('- '): {example}",
        )
    reads = "a reference to an anchor" if ch == "*" else "text"
    return (
        f"'{ch}' is used as a list marker, which YAML reads as {reads}, not as a list entry",
        f"start the entry with a hyphen and a space ('- ') instead: {example}",
    )


# --- values: what YAML reads ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Scalar:
    path: tuple
    value: str
    style: str | None
    start: tuple[int, int]
    end: tuple[int, int]
    role: str  # 'key', 'entry' (of a list) or 'value'
    flow: bool  # an entry of a [flow, list]


def _position(starts: list[int], index: int) -> tuple[int, int]:
    """The 0-based line and column of character ``index``, with lines split at '\\n' only (YAML
    also breaks lines at '\\r', U+0085, U+2028 and U+2029, so its marks' own lines may differ)."""
    line = bisect.bisect_right(starts, index) - 1
    return line, index - starts[line]


def _walk(text: str, starts: list[int]) -> tuple[list[_Scalar], dict[int, list[tuple[int, tuple, bool]]], int | None]:
    """The scalars of ``text`` (whose lines start at ``starts``) with their paths, and for each
    0-based line the nodes that start on it or that it continues: (column, path, is a key).
    Reads as far as the YAML allows; the last item is the line where it stopped (``None`` when
    it read to the end)."""
    scalars: list[_Scalar] = []
    at: dict[int, list] = {}
    stack: list[list] = []  # [kind, path, key or next index, expecting a key, flow style]
    loader = None
    try:
        loader = (getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader)(text)
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            path, role = _place(stack, event)
            line, column = _position(starts, event.start_mark.index)
            at.setdefault(line, []).append((column, path, role == "key"))
            if isinstance(event, yaml.ScalarEvent):
                end = _position(starts, event.end_mark.index)
                for more in range(line + 1, end[0] + (end[1] > 0)):
                    at.setdefault(more, []).append((-1, path, False))
                flow = bool(stack) and stack[-1][4] and role == "entry"
                scalars.append(_Scalar(path, event.value, event.style, (line, column), end, role, flow))
            elif isinstance(event, yaml.CollectionStartEvent):
                kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                stack.append([kind, path, 0, True, bool(event.flow_style)])
        return scalars, at, None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return scalars, at, _position(starts, mark.index)[0] if mark else 0
    except (yaml.YAMLError, RecursionError):
        return scalars, at, 0
    finally:
        if loader is not None:
            loader.dispose()


def _walk_on(lines: list[str], starts: list[int]) -> tuple[list[_Scalar], dict, set[int]]:
    """:func:`_walk` of ``lines``, read on past each line where YAML stops (with that line left
    out), so that what comes after a YAML error is named and checked too. Returns the scalars,
    the nodes of each line and the lines (0-based) YAML could not read."""
    scalars, at, broken = [], {}, set()
    done = -1
    for _ in range(8):
        text = "\n".join(" " * len(ln) if i in broken else ln for i, ln in enumerate(lines))  # same offsets
        more, more_at, stop = _walk(text, starts)
        end = len(lines) if stop is None else stop
        scalars += [s for s in more if done < s.start[0] <= end]
        at.update({i: nodes for i, nodes in more_at.items() if done < i <= end})
        if stop is None or stop in broken:
            break
        broken.add(stop)
        done = stop
    return scalars, at, broken


def _place(stack: list[list], event) -> tuple[tuple, str]:
    """The path of the node ``event`` starts and its role, advancing its parent in ``stack``."""
    if not stack:
        return (), "value"
    top = stack[-1]
    if top[0] == "seq":
        top[2] += 1
        return (*top[1], top[2] - 1), "entry"
    if top[3]:
        top[2] = event.value if isinstance(event, yaml.ScalarEvent) else "?"
        top[3] = False
        return (*top[1], top[2]), "key"
    top[3] = True
    return (*top[1], top[2]), "value"


def _wholly(value: str) -> bool:
    """Whether the typographic marks at both ends of ``value`` quote all of it, rather than a
    word at its start and another at its end ('“Områdeløft” och “Together”')."""
    opening, inner = value[0], value[1:-1]
    closes = PAIRS[opening]
    if opening in closes:  # ”…”, ’…’, »…»: the same mark opens and closes
        return sum(inner.count(c) for c in closes) < 2
    return not re.search(f"[{closes}].*{re.escape(opening)}", inner)


def _quoted(value: str) -> bool:
    """Whether ``value`` starts with a typographic quotation mark and ends with one closing it."""
    return len(value) >= 2 and value[0] in PAIRS and value[-1] in PAIRS[value[0]]


def _shown(written: str) -> str:
    """What to type, shown in a fix: ``written``, or a description when it is long or multi-line."""
    return written if len(written) <= 80 and "\n" not in written else ""


_INDICATOR = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`]|: | #|:$|^\s|\s$")


def _double_quoted(text: str) -> str:
    """``text`` in YAML's double quotes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _needs_quotes(text: str, flow: bool = False) -> bool:
    """Whether ``text`` written without quotes would not be read by YAML as this text (it starts
    with a sign YAML reads, contains ': ' or ' #', or reads as a number, true/false or null; in a
    [flow, list], contains one of ,[]{})."""
    if _INDICATOR.search(text) or "\n" in text or (flow and re.search(r"[,\[\]{}]", text)):
        return True
    return resolve_tag(text) != "str"


def _quote_problem(value: str, style: str | None, field: str, role: str = "") -> tuple[str, str] | None:
    """(message, fix) for a scalar starting and ending with typographic quotation marks, or
    ``None``. ``style``: YAML's (None for plain, '"' or "'" quoted, '|' or '>' block); ``field``:
    what comes before the value on its line, shown in the fix ('title: ', '- ' or '');
    ``role``: 'key', 'entry' or 'value'."""
    if not _quoted(value):
        return None
    what = {"key": "the field name", "entry": "the list entry"}.get(
        role or ("entry" if field == "- " else ""), "the value"
    )
    marks = value[0] + value[-1]
    inner = value[1:-1].strip()
    if style in ('"', "'"):
        if not _wholly(value):
            return None  # "“Områdeløft” och “Together”": the writer quoted it to keep the marks
        written = _shown(f"{field}{style}{inner}{style}")
        return (
            f"{what} is in typographic quotation marks ({marks}) inside its plain quotes ({style}), "
            "which would be published as part of it",
            f"delete the typographic marks{', and write it as: ' + written if written else ''}",
        )
    if _wholly(value):
        message = f"{what} is in typographic quotation marks ({marks}), which would be published as part of it"
        if style:  # a block scalar (| or >): its text is taken as it is written
            return message, "delete the marks at its start and end"
        if _needs_quotes(inner, flow=role == "entry" and not field):
            written = _shown(field + _double_quoted(inner))
            return message, "type plain double quotes instead, which this value needs: " + (written or '"…"')
        written = _shown(field + inner)
        return message, f"delete them{', and write it as: ' + written if written else ''}"
    written = _shown(field + _double_quoted(value))
    return (
        f"{what} starts and ends with typographic quotation marks ({marks}), which would be published as part of it",
        "delete them if they quote the whole value, or, if they belong to the text, wrap the whole value in plain "
        f'double quotes ("…"), which keeps the marks inside it{": " + written if written else ""}',
    )


def _entry_marker_problem(value: str, style: str | None, flow: bool) -> tuple[str, str] | None:
    """(message, fix) for a list entry starting with a dash or bullet ('- • Malmö'), or ``None``."""
    if not value or (value[0] not in DASHES and value[0] not in BULLETS):
        return None
    rest = value[1:].strip()
    shown = f"{style}{rest}{style}" if style in ('"', "'") else rest
    return (
        f"the list entry starts with {_name(value[0])}, a list marker pasted with the text, "
        "which would be published as part of it",
        f"delete it, and write it as: {shown if flow else '- ' + shown}",
    )


# --- one text, read once for lookalikes() and ordinary() ------------------------------------------


def _line_path(at: dict, lines: list[str], i: int, entry: bool = False) -> tuple | None:
    """The path of the field on 0-based line ``i`` (of the list entry, for ``entry``); for a line
    YAML could not read, its own field under the closest less indented line above; for a blank
    or comment line, the closest line above's. ``None`` above the first field."""
    nodes = at.get(i)
    if nodes:
        entries = [n for n in nodes if entry and n[1] and isinstance(n[1][-1], int)]
        if entries:
            return min(entries, key=lambda n: len(n[1]))[1]
        keys = [n for n in nodes if n[2]]
        return min(keys, key=lambda n: n[0])[1] if keys else max(nodes, key=lambda n: (len(n[1]), -n[0]))[1]
    key = _KEY.match(lines[i])
    indent = len(lines[i]) - len(lines[i].lstrip(" \t-"))
    for j in range(i - 1, -1, -1):
        if at.get(j) and (not key or len(lines[j]) - len(lines[j].lstrip(" \t-")) < indent):
            parent = _line_path(at, lines, j)
            return (*parent, key.group(1)) if key else parent
    return (key.group(1),) if key else None


def _line_name(at: dict, lines: list[str], i: int, entry: bool = False) -> str:
    """The full name of the field on 0-based line ``i`` ('sources[0].publisher'); see :func:`_line_path`."""
    path = _line_path(at, lines, i, entry)
    return "yaml" if path is None else field_name(path)


def _unwrap(fixed: str, first: int, last: int, style: str | None) -> tuple[int, int, str]:
    """The edit of ``fixed`` that takes away the typographic marks at ``first`` and ``last``: in
    plain quotes or a block scalar, they go; a plain value gets plain quotes instead, so that it
    keeps its meaning ('“#1”' is not a comment, '“2016”' not a number)."""
    inner = fixed[first + 1 : last]
    return (first, last + 1, inner if style else "'" + inner.replace("'", "''") + "'")


def _value_problems(fixed: str, starts: list[int], scalars: list[_Scalar]) -> tuple[list, set]:
    """Problems ((line, column), name, message, fix) of the scalars YAML read, and the edits
    (start, end, replacement) of ``fixed`` that make it read as meant (without the marks around a
    value or a pasted marker)."""
    found, cuts = [], set()
    for s in scalars:
        begin, stop = starts[s.start[0]] + s.start[1], starts[s.end[0]] + s.end[1]
        key = s.path[-1] if s.role == "value" and s.path and isinstance(s.path[-1], str) else ""
        lead = f"{key}: " if key else ("- " if s.role == "entry" and not s.flow else "")
        problem = _quote_problem(s.value, s.style, lead, s.role)
        if problem:
            found.append((s.start, field_name(s.path), *problem))
            first, last = fixed.find(s.value[0], begin, stop), fixed.rfind(s.value[-1], begin, stop)
            if _wholly(s.value) and 0 <= first < last:
                cuts.add(_unwrap(fixed, first, last, s.style))
        problem = _entry_marker_problem(s.value, s.style, s.flow) if s.role == "entry" else None
        if problem:
            found.append((s.start, field_name(s.path), *problem))
            first = fixed.find(s.value[0], begin, stop)
            after = first + 1
            while 0 <= first and after < len(fixed) and fixed[after] in " \t":
                after += 1
            if first >= 0:
                cuts.add((first, after, ""))
    return found, cuts


def _split_problems(fixed: str, starts: list[int], scalars: list[_Scalar]) -> tuple[list, set]:
    """Like :func:`_value_problems`, for typographic quotation marks around a [flow, list] entry
    with a comma in it ([“Botkyrka, Alby”]): YAML splits it at the comma into entries that start
    or end with a mark, which would be published."""
    found, cuts = [], set()
    for i, s in enumerate(scalars):
        if not (s.flow and not s.style and s.value[:1] in PAIRS and not _quoted(s.value)):
            continue
        for t in scalars[i + 1 :]:
            if not t.flow or t.path[:-1] != s.path[:-1]:
                break
            if not t.style and t.value[-1:] and t.value[-1] in PAIRS[s.value[0]]:
                first = starts[s.start[0]] + s.start[1]
                last = fixed.rfind(t.value[-1], first, starts[t.end[0]] + t.end[1])
                inner = fixed[first + 1 : last]
                found.append(
                    (
                        s.start,
                        field_name(s.path),
                        f"the list entry {fixed[first : last + 1]} is in typographic quotation marks, which YAML "
                        "does not read as quotes: it splits the entry at the comma, and publishes the marks",
                        f"type plain double quotes instead: {_double_quoted(inner)}",
                    )
                )
                cuts.add(_unwrap(fixed, first, last, None))
                break
    return found, cuts


def _line_value_problems(fixed: str, starts: list[int], broken: set, at: dict) -> tuple[list, set]:
    """Like :func:`_value_problems`, line by line, for the ``broken`` lines (0-based) YAML could
    not read: a value in typographic quotation marks."""
    found, cuts = [], set()
    lines = fixed.split("\n")
    for i in sorted(broken):
        match = _VALUE.match(lines[i])
        value, lead = match.group(2), match.group(1)
        style = value[0] if value[:1] in ("'", '"') and value[-1] == value[0] and len(value) > 1 else None
        inner = value[1:-1] if style else value
        if not _quoted(inner):
            continue
        key = re.match(r"\s*(?:-\s+)?(.*?)\s*:?\s*$", lead).group(1)
        problem = _quote_problem(inner, style, f"{key}: " if key else ("- " if lead.strip() == "-" else ""))
        if problem:
            found.append(((i, match.start(2)), _line_name(at, lines, i), *problem))
            if _wholly(inner):
                first = starts[i] + match.start(2) + (1 if style else 0)
                cuts.add(_unwrap(fixed, first, starts[i] + match.end(2) - (2 if style else 1), style))
    return found, cuts


def _untab(lines: list[str]) -> list[tuple]:
    """Lines indented with a tab (a mail client or editor turned the spaces into one), which YAML
    refuses: each reported, and read at the indentation :func:`_indent_after` gives it, so that
    the rest of the file is still checked in the same run, under the right field names."""
    problems = []
    for i, line in enumerate(lines):
        lead = _TAB_INDENT.match(line)
        if lead and line.strip():
            problems.append(((i, -3), None, "a tab character is used for indentation", _TAB_FIX))
            rest = line[lead.end() :]
            above = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), None)
            width = len(lead.group(0).replace("\t", "  ")) if above is None else _indent_after(above, rest)
            lines[i] = " " * width + rest
    return problems


def _indent_after(above: str, rest: str) -> int:
    """The indentation a line whose text is ``rest`` most likely had under the line ``above``: a
    tab stands for however many spaces the writer's editor chose, so it is read from the line
    above: deeper under a field that opens a block (``labels:``), the same as a field beside it,
    and as a field of the entry, not a new entry, under ``- title: ...``."""
    indent = len(above) - len(above.lstrip(" "))
    entry = re.match(r"- +", above[indent:])
    inner = indent + (entry.end() if entry else 0)  # where the entry's fields start
    opens = _OPENS.search(above) is not None and not above.lstrip().startswith("#")
    if opens:
        return inner + 2
    if entry and not rest.startswith("-"):
        return inner
    return indent


@lru_cache(maxsize=16)
def _read(text: str) -> tuple[tuple, str]:
    """The look-alikes in ``text`` as ((0-based line, field, message, fix), ...) in reading order,
    and the text as its writer meant it (see :func:`ordinary`)."""
    raw_lines = text.split("\n")
    lines = [_LONE_JOINER.sub("", line.translate(_TO_SPACE)) for line in raw_lines]
    problems: list = _untab(lines) if "\t" in text else []
    markers = _marker_lines(lines)
    if not markers and not problems and not _SUSPECT.search(text):
        return (), text
    for i, (begin, end, ch) in markers.items():
        problems.append(((i, -1), None, *_marker_problem(lines[i], begin, end, ch)))
        lines[i] = lines[i][:begin] + "- " + lines[i][end:]
    fixed = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    scalars, at, broken = _walk_on(lines, starts)
    found, cuts = _value_problems(fixed, starts, scalars)
    split, split_cuts = _split_problems(fixed, starts, scalars)
    found, cuts = found + split, cuts | split_cuts
    more, more_cuts = _line_value_problems(fixed, starts, broken, at)
    for i, raw in enumerate(raw_lines):
        for message, fix in char_problems(raw[1:] if i == 0 and raw.startswith("\ufeff") else raw):
            problems.append(((i, -2), None, message, fix))
    out: list = []
    for (line, column), where, message, fix in sorted(problems + found + more, key=lambda p: p[0]):
        name = where or _line_name(at, lines, line, entry=column == -1)
        if not any(p[0] == line and p[2] == message for p in out):
            out.append((line, name, message, fix))
    cuts |= {c for c in more_cuts if not any(c[0] < end and begin < c[1] for begin, end, _ in cuts)}
    for begin, end, replacement in sorted(cuts, reverse=True):
        fixed = fixed[:begin] + replacement + fixed[end:]
    return tuple(out), fixed


def lookalikes(text: str, line_offset: int = 0) -> list[Lookalike]:
    """Every pasted look-alike in ``text`` (YAML), one problem per kind per line, under the full
    name of the field it is in (``period.start``, ``sources[0].publisher``); a byte order mark
    at the very start of the text is allowed. ``line_offset`` is added to each line."""
    return [Lookalike(line + 1 + line_offset, name, message, fix) for line, name, message, fix in _read(text)[0]]


def ordinary(text: str) -> str:
    """``text`` as its writer meant it, for reading the rest of a file whose look-alikes are
    already reported (so that each is reported once, not again as a YAML or schema problem):
    other spaces as U+0020, invisible characters removed, a fullwidth colon as ': ', a list
    marker as '- ', a pasted marker at the start of an entry and typographic quotes around a
    value removed. Line numbers are kept."""
    return _read(text)[1]


# --- Markdown -----------------------------------------------------------------------------------

_MD_HEADING = re.compile(f"^([ ]*[{SPACES}\t][ {SPACES}\t]*)(#{{1,6}})(?=[ {SPACES}])")
"""A '#' heading after another kind of space than the three ordinary ones Markdown allows: the
page shows it as text. (A no-break space after the '#' still makes a heading.)"""
_MD_MARKER = re.compile(f"^(\\s*)([-*+]|\\d{{1,9}}[.)]|[{DASHES}]|[{BULLETS}])(\\s?)(\\S?)")


def markdown_lookalikes(raw: str) -> list[tuple[str, str]]:
    """(message, fix) for what a word processor pasted into one line of Markdown text: invisible
    characters and bidirectional controls, a dash or bullet as a list marker, a no-break or other
    space that indents a list entry or follows its marker (the page shows such a line as plain
    text, not in a list). Other spaces elsewhere in the text are fine."""
    out = char_problems(raw, spaces=False)
    for ch in dict.fromkeys(_CONTROLS.findall(raw)):
        mojibake = 0x80 <= ord(ch) <= 0x9F
        out.append(
            (
                f"an invisible control character (U+{ord(ch):04X}) is in the text"
                + (", a sign of Windows-1252 text read as another encoding" if mojibake else ""),
                "delete it"
                + (" and retype the character it stood for (often a quotation mark or a dash)" if mojibake else ""),
            )
        )
    heading = _MD_HEADING.match(raw)
    if heading and (heading.group(1).strip(" ") or len(heading.group(1)) > 3):  # no heading on the page
        odd = next((c for c in heading.group(1) if c in SPACES), None)
        shown = heading.group(2) + " " + raw[heading.end() :].strip()
        if odd is None:  # a tab: four spaces to Markdown
            out.append((f"a tab before it makes this line a code block, not the heading '{shown}'", "delete the tab"))
        else:
            fix = f"retype the start of the line with ordinary spaces: {shown}"
            out.append((f"{_name(odd)} makes this line text, not the heading '{shown}'", fix))
        return out
    match = _MD_MARKER.match(raw)
    if not match:
        return out
    indent, marker, space, text = match.groups()
    odd = next((c for c in indent if c in SPACES), None)
    indented = (
        f"{_name(odd or ' ')} indents a list entry, so the page shows it as plain text, not in a list",
        "indent it with ordinary spaces",
    )
    if marker in DASHES or marker in BULLETS:
        if space or (marker in BULLETS and text):
            out.append(
                (
                    f"a list entry starts with {_name(marker)}, so the page shows it as a plain line, not in a list",
                    "start it with an ordinary hyphen and a space: '- '",
                )
            )
            out += [indented] if odd else []
    elif space or not text:  # '-', '*', '+' or '1.' as a list marker
        if odd:
            out.append(indented)
        elif space and space in SPACES:
            out.append(
                (
                    f"{_name(space)} follows the list marker '{marker}', so the page shows the line as plain text, "
                    "not in a list",
                    "type an ordinary space after it",
                )
            )
    return out
