"""Reading editor files safely: size, encoding, line endings, front matter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .problems import Problems

MAX_BYTES = 1_000_000
"""Largest case or taxonomy file accepted (1 MB); a case is a few KB."""

_FENCE = re.compile(r"^---[ \t]*$")
_END = re.compile(r"^(---|\.\.\.)[ \t]*$")
_DASH = "\u2012-\u2015\u2212"
_WORD_DASH = re.compile(f"^[ \t]*(?:[{_DASH}][-{_DASH}]*|-[{_DASH}][-{_DASH}]*)[ \t]*$")
"""A line of dashes a word processor made of '---' (an em dash, '–-', two en dashes)."""


def read_text(path: Path, problems: Problems) -> str | None:
    """The file's text with a BOM removed and line endings made ``\\n``.

    Reports a missing, huge, binary or non-UTF-8 file and returns ``None``.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.add(1, "file", "the file does not exist", f"create {problems.path}")
        return None
    except OSError as exc:
        problems.add(1, "file", f"the file cannot be read ({exc.strerror})", "check the file's permissions")
        return None
    if len(data) > MAX_BYTES:
        problems.add(
            1,
            "file",
            f"the file is too large ({len(data):,} bytes, at most {MAX_BYTES:,})",
            "shorten the text; a case is a few thousand words at most",
        )
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # the byte order mark of UTF-16 (Windows' "Unicode")
        problems.add(
            1,
            "file",
            "the file is UTF-16 text (what Windows calls 'Unicode'), not UTF-8",
            "save it again with UTF-8 encoding in your editor (in Notepad: Save as, Encoding: UTF-8)",
        )
        return None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        problems.add(line, "file", "the file is binary, not text", "save the case as plain UTF-8 text (Markdown)")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(
            line,
            "file",
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read)",
            "save the file with UTF-8 encoding in your editor",
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Parts:
    """A case file split into front matter and body."""

    front: str
    """The YAML between the fences."""
    front_line: int
    """The 1-based file line of the first YAML line."""
    body: str
    """The Markdown after the closing fence."""
    body_line: int
    """The 1-based file line of the first body line."""


def split_front_matter(text: str, problems: Problems) -> Parts | None:
    """Split ``text`` at its ``---`` fences, reporting a missing or open one."""
    if not text.strip():
        problems.add(
            1, "file", "the file is empty", "start from the template: make new-case ID=<id>, or copy an existing case"
        )
        return None
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        problems.add(
            1,
            "front matter",
            "the file does not start with front matter (a line '---')",
            "put a line --- first, then the fields (title: ...), then another line ---",
        )
        return None
    for i in range(1, len(lines)):
        if _END.match(lines[i]):
            return Parts("\n".join(lines[1:i]), 2, "\n".join(lines[i + 1 :]), i + 2)
    dash = next((i for i in range(1, len(lines)) if _WORD_DASH.match(lines[i])), None)
    if dash is not None:  # Word's autocorrect made a dash of the closing ---
        shown = lines[dash].strip()
        problems.add(
            dash + 1,
            "front matter",
            f"this line is '{shown}' (a dash a word processor made of '---'), so the front matter is never closed",
            "write three hyphens instead: ---",
        )
        return None
    problems.add(
        1,
        "front matter",
        "the front matter opened on line 1 is never closed",
        "add a line --- after the last field, before the text",
    )
    return None
