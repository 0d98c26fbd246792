"""A new case file, generated from the schema and the section guidance.

Every field and section is there with a comment saying what it needs, and a
``TODO`` placeholder the check refuses, so an unfinished case cannot be
published by accident.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from .body import GUIDANCE, SECTIONS, TODO
from .cases import ID_PATTERN, RESERVED_IDS, slugify
from .library import CASES_DIR
from .schema import _resolve, load_schema


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, 88 - len(indent))]


def _fields(schema: dict, root: dict, indent: str, first_prefix: str | None = None) -> list[str]:
    """YAML lines for the properties of an object schema, each with its guidance."""
    lines: list[str] = []
    required = set(schema.get("required", []))
    for i, (key, sub) in enumerate(schema.get("properties", {}).items()):
        sub = _resolve(root, sub)
        lead = first_prefix if (first_prefix is not None and i == 0) else indent
        optional = " Optional: delete the line if it does not apply."
        if sub.get("type") in ("array", "object"):
            optional = f" Optional: if it does not apply, delete '{key}:' and the lines under it."
        note = sub.get("description", "") + ("" if key in required else optional)
        lines += _comment(note, indent)
        if sub.get("type") == "object":
            lines.append(f"{lead}{key}:")
            lines += _fields(sub, root, indent + "  ")
        elif sub.get("type") == "array":
            items = _resolve(root, sub.get("items", {}))
            lines.append(f"{lead}{key}:")
            if items.get("type") == "object":
                lines += _fields(items, root, indent + "    ", first_prefix=indent + "  - ")
            else:
                lines += [f"{indent}  - {TODO}"] * max(1, sub.get("minItems", 1))
        else:
            lines.append(f"{lead}{key}: {TODO}")
    return lines


def scaffold_text() -> str:
    """The text of a new case file."""
    root = load_schema()
    front = _fields(_resolve(root, root), root, "")
    body = [f"{TODO}: Optional lead: one or two sentences saying what the programme is, or delete this line.", ""]
    for name in SECTIONS:
        body += [
            f"## {name}",
            "",
            f"{TODO}: {GUIDANCE[name]} If the sources say nothing, write: Not reported in the sources.",
            "",
        ]
    return "---\n" + "\n".join(front) + "\n---\n\n" + "\n".join(body)


def new_case(root: Path, case_id: str) -> Path:
    """Create ``cases/<case_id>.md`` from the scaffold; refuses a bad or taken id."""
    if not case_id or not ID_PATTERN.match(case_id) or case_id in RESERVED_IDS:
        raise ValueError(
            f"'{case_id}' is not a valid case id: use lower-case letters, digits and single hyphens, "
            f"e.g. {slugify(case_id or 'my programme')}"
        )
    path = Path(root) / CASES_DIR / f"{case_id}.md"
    if path.exists():
        raise ValueError(f"{CASES_DIR}/{case_id}.md already exists; choose another id or edit that file")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scaffold_text(), "utf-8")
    return path
