"""Characters that word processors and mail clients put into pasted text, and that look like
the ordinary ones YAML needs: no-break and other spaces, invisible zero-width characters,
typographic quotes around a value, and dashes used as list markers.

YAML reads them as text, so without this check they either break the reading far from
where they are ("use spaces, not tabs" on the wrong line) or pass silently into titles,
exports and citations ("“Områdeløft Saupstad”"). Each is reported by name at its line,
with what to type instead; :func:`ordinary` gives the text with them replaced, so that the
rest of the file can still be read and checked in the same run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
"""Spaces other than U+0020: no-break (U+00A0, U+202F narrow), figure (U+2007), the typographic
widths U+2000–U+200A, medium mathematical (U+205F), ideographic (U+3000)."""

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
"""Characters with no width: zero-width space, non-joiner and joiner, word joiner, the byte
order mark inside a text (U+FEFF; one at the very start of a file is allowed), soft hyphen."""

QUOTES = "“”„‟‘’‚‛«»‹›"
"""Typographic quotation marks; YAML quotes a value only with ASCII " and '."""

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
"""Hyphens, dashes and the minus sign; a YAML list entry starts with ASCII '-'."""

_FIELD = re.compile(r"^\s*(?:-\s+)?([^\s:#'\"\[{][^:#]*?)\s*:(?:\s|$)")
_VALUE = re.compile(r"^(\s*(?:[-\u2010-\u2015\u2212]\s+)?(?:[^\s:#'\"\[{][^:#]*?\s*:\s+)?)(.*?)\s*$")


@dataclass(frozen=True)
class Lookalike:
    """One pasted look-alike: the 1-based line, the field on that line, what it is, the fix."""

    line: int
    field: str
    message: str
    fix: str


def _name(ch: str) -> str:
    """'a no-break space (U+00A0)', 'an en dash (U+2013)'."""
    name = unicodedata.name(ch, "character").lower()
    return f"{'an' if name[0] in 'aeio' else 'a'} {name} (U+{ord(ch):04X})"


def _field(line: str) -> str:
    found = _FIELD.match(line.translate(_TO_SPACE))
    return found.group(1) if found else "yaml"


def _in_line(raw: str) -> list[tuple[str, str]]:
    """(message, fix) for every kind of look-alike on one line, in reading order."""
    out = []
    for ch in dict.fromkeys(c for c in raw if c in SPACES or c in INVISIBLE):
        if ch in SPACES:
            out.append((f"{_name(ch)} is used where an ordinary space belongs", "type an ordinary space instead"))
        else:
            out.append(
                (
                    f"an invisible character, {_name(ch)}, is in the text",
                    "delete it (retype the line if you cannot find it)",
                )
            )
    if "\uff1a" in raw:
        out.append((f"{_name(chr(0xFF1A))} is used where ':' belongs", "type an ordinary colon (:)"))
    stripped = raw.translate(_TO_SPACE).lstrip()
    if stripped and stripped[0] in DASHES and stripped[1:2] in (" ", ""):
        out.append(
            (
                f"the list entry starts with {_name(stripped[0])}, not a hyphen",
                "start the entry with an ordinary hyphen and a space: '- '",
            )
        )
    value = _VALUE.match(raw.translate(_TO_SPACE)).group(2)
    if value and (value[0] in QUOTES or (value[-1] in QUOTES and value[0] not in "\"'")):
        marks = "".join(dict.fromkeys(c for c in value[:1] + value[-1:] if c in QUOTES))
        out.append(
            (
                f"the value is in typographic quotation marks ({marks}), which would be published as part of it",
                'delete them, or use plain double quotes (") if the value needs quoting',
            )
        )
    return out


def lookalikes(text: str, line_offset: int = 0) -> list[Lookalike]:
    """Every pasted look-alike in ``text`` (YAML), one problem per kind per line; a byte order
    mark at the very start of the text is allowed. ``line_offset`` is added to each line."""
    found = []
    parent = "yaml"
    for number, raw in enumerate(text.split("\n"), start=1):
        if number == 1 and raw.startswith("\ufeff"):
            raw = raw[1:]
        field = _field(raw)
        if field != "yaml" and not raw[:1].isspace():
            parent = field  # a top-level field: list entries below it belong to it
        if raw.isascii():
            continue
        where = field if field != "yaml" else parent
        found += [Lookalike(number + line_offset, where, message, fix) for message, fix in _in_line(raw)]
    return found


_TO_SPACE = str.maketrans({**dict.fromkeys(SPACES, " "), **dict.fromkeys(INVISIBLE, None), "\uff1a": ": "})
"""Other spaces as U+0020, invisible characters removed, a fullwidth colon (U+FF1A) as ': '."""
_DASH_MARKER = re.compile(f"^(\\s*)[{DASHES}](?= |$)", re.M)
_QUOTED = re.compile(f"^(\\s*(?:- +)?(?:[^\\s:#'\"\\[{{][^:#]*?\\s*: +)?)[{QUOTES}](.*?)[{QUOTES}]?[ \\t]*$", re.M)


def ordinary(text: str) -> str:
    """``text`` as its writer meant it, for reading the rest of a file whose look-alikes are
    already reported (so that each is reported once, not again as a YAML or schema problem):
    other spaces as U+0020, invisible characters removed, a fullwidth colon as ': ', a dash
    list marker as '-', and typographic quotes around a value removed."""
    text = _DASH_MARKER.sub(lambda m: m.group(1) + "-", text.translate(_TO_SPACE))
    return _QUOTED.sub(lambda m: m.group(1) + m.group(2), text)
