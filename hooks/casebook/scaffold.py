"""A new case file, generated from the library's contract: its schema and its sections' guidance.

Every field and section is there with a comment saying what it needs, and a
``TODO`` placeholder the check refuses, so an unfinished case cannot be
published by accident.
"""

from __future__ import annotations

import errno
import textwrap
from pathlib import Path

from .body import TODO
from .cases import ID_PATTERN, RESERVED_IDS, slugify
from .contract import Contract, default_contract, load_contract, named_in
from .library import CASES_DIR
from .problems import ValidationFailed
from .schema import _resolve


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
        elif sub.get("type") == "boolean":
            lines += _comment(f"{TODO}: write true or false.", indent)
            lines.append(f"{lead}{key}: {TODO}")
        else:
            lines.append(f"{lead}{key}: {TODO}")
    return lines


def scaffold_text(contract: Contract | None = None) -> str:
    """The text of a new case file for the library's ``contract`` (default:
    :func:`casebook.contract.default_contract`): every field of its case schema and every
    section, each with its guidance and a ``TODO`` the check refuses."""
    contract = contract or default_contract()
    root = contract.case_schema
    front = _fields(_resolve(root, root), root, "")
    body = [f"{TODO}: Optional lead: one or two sentences saying what the programme is, or delete this line.", ""]
    for section in contract.sections:
        silent = f" If the sources say nothing, write: {contract.not_reported}" if section.not_reported else ""
        body += [f"## {section.name}", "", f"{TODO}: {section.guidance}{silent}", ""]
    return "---\n" + "\n".join(front) + "\n---\n\n" + "\n".join(body)


def new_case(root: Path, case_id: str) -> Path:
    """Create ``cases/<case_id>.md`` from the scaffold of the library's contract; refuses a bad
    or taken id, and a file that cannot be created (``ValueError``, its message for the editor),
    and a contract with problems (:class:`casebook.problems.ValidationFailed`)."""
    if not case_id or not ID_PATTERN.match(case_id) or case_id in RESERVED_IDS:
        raise ValueError(
            f"'{case_id}' is not a valid case id: use lower-case letters, digits and single hyphens, "
            f"e.g. {slugify(case_id or 'my programme')}"
        )
    path = Path(root) / CASES_DIR / f"{case_id}.md"
    contract, problems = load_contract(Path(root), named_in(Path(root) / "mkdocs.yml"))
    if problems:
        raise ValidationFailed(problems)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as out:  # never over a file made meanwhile
            out.write(scaffold_text(contract))
    except FileExistsError:
        raise ValueError(f"{CASES_DIR}/{case_id}.md already exists; choose another id or edit that file") from None
    except OSError as exc:  # a name too long for the file system, a folder that cannot be written
        long = exc.errno == errno.ENAMETOOLONG
        fix = "choose a shorter id" if long else "check that the cases folder can be written"
        raise ValueError(f"{CASES_DIR}/{case_id}.md cannot be created ({exc.strerror or exc}); {fix}") from None
    return path
