"""Problems found in cases and the taxonomy, and how they are reported.

A :class:`Problem` is one thing an editor must fix: where it is (file and
line), which field it concerns, what is wrong and how to fix it. Every check
appends problems instead of raising, so one run reports everything at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem, printable as ``path:line: field: message; fix``."""

    path: str
    """File path relative to the library root, with forward slashes."""
    line: int
    """Line number counted from 1 at the top of the file."""
    field: str
    """The field or part of the file concerned, e.g. ``period.end`` or ``body``."""
    message: str
    """What is wrong, in plain words."""
    fix: str = ""
    """How to fix it, in plain words."""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.field}: {self.message}"
        return f"{text}; {self.fix}" if self.fix else text

    def github_annotation(self, level: str = "error") -> str:
        """The problem as a GitHub Actions workflow command: ``::error`` (``level``), or
        ``::notice`` for a note (:func:`format_notes`)."""

        def esc(value: str, prop: bool = False) -> str:
            value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            if prop:
                value = value.replace(":", "%3A").replace(",", "%2C")
            return value

        body = f"{self.field}: {self.message}" + (f"; {self.fix}" if self.fix else "")
        return (
            f"::{level} file={esc(self.path, True)},line={self.line},"
            f"title={esc('Casebook: ' + self.field, True)}::{esc(body)}"
        )


@dataclass
class Problems:
    """A collector of problems for one file (``path``), shared by its checks."""

    path: str
    """The file the problems belong to."""
    items: list[Problem] = field(default_factory=list)
    """The problems found so far, in the order found."""

    def add(self, line: int, field_name: str, message: str, fix: str = "") -> None:
        """Record a problem at ``line`` (1-based) of this file (once, however many checks find it)."""
        problem = Problem(self.path, max(1, int(line)), field_name, message, fix)
        if not any(
            p.line == problem.line and p.field == problem.field and p.message == problem.message
            for p in self.items[-5:]
        ):
            self.items.append(problem)

    def __bool__(self) -> bool:
        return bool(self.items)


class ValidationFailed(Exception):
    """Raised by callers that want an exception carrying every problem."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__(format_report(self.problems))


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """Return ``"did you mean 'x'?"`` for the closest choice, or ``""``."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=cutoff)
    return f"did you mean '{lowered[match[0]]}'?" if match else ""


def format_notes(notes: Iterable[Problem]) -> str:
    """Notes (things worth knowing, not errors), one per line as ``path:line: note: field:
    message; fix``, followed by a count; ``""`` when there are none."""
    notes = sorted(notes)
    if not notes:
        return ""
    lines = [f"{n.path}:{n.line}: note: {n.field}: {n.message}" + (f"; {n.fix}" if n.fix else "") for n in notes]
    lines.append(f"{len(notes)} note{'s' if len(notes) != 1 else ''} (not errors).")
    return "\n".join(lines)


def format_report(problems: Iterable[Problem]) -> str:
    """All problems, one per line, followed by a count."""
    problems = sorted(problems)
    files = {p.path for p in problems}
    lines = [str(p) for p in problems]
    noun = "problem" if len(problems) == 1 else "problems"
    lines.append(f"{len(problems)} {noun} in {len(files)} file{'s' if len(files) != 1 else ''}.")
    return "\n".join(lines)
