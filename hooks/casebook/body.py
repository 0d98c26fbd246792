"""Checks on a case's Markdown body: the contract's sections, and no unsafe markup."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .contract import Contract, default_contract
from .pasted import markdown_lookalikes, odd_spaces
from .problems import Problems, did_you_mean

# The sections come from the library's contract (:mod:`casebook.contract`); the default
# contract's are here under their old names for the benchmark and the tests.
SECTIONS = default_contract().section_names
"""The default contract's sections, in order."""

NOT_REPORTED = default_contract().not_reported
"""What a section says by default when the sources are silent."""

TODO = "TODO"
"""Marks text a new case still has to replace; the check refuses it."""

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_INDENTED_ATX = re.compile(r"^ {1,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
"""A heading written after one to three spaces: a heading to CommonMark, text to Python-Markdown."""
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# What Python-Markdown would pass through as raw HTML (its HTML_RE), plus comments.
_HTML = re.compile(r"<(/?[a-zA-Z][^<>@ ]*( [^<>]*)?|!--)>?")
_AUTOLINK = re.compile(r"<(?:https?|ftp)://[^<>\s]*>")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_LINK_TARGET = re.compile(r"\]\(\s*(<[^>\n]*>|[^\s]*)")
_PAGE_FILE = re.compile(r"(?i)\.(md|markdown|html?)(?:[#?].*)?$")
"""A target naming a page file (``other-case.md``): a page of this site, not a web domain."""
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
_ATTR_LIST = re.compile(r"\{\s*[:#.][^}]*\}")
_MAIL = re.compile(r"<([^<>@\s]+@[^<>@\s]+\.[^<>@\s]+)>")
"""An e-mail address in angle brackets (an autolink), which the raw HTML check catches."""
_FOOTNOTE = re.compile(r"\[\^[^\]]*\]")
"""A footnote mark or its text (``[^1]``, ``[^1]: ...``)."""
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\s*(\(\s*<?([^\s)>]*)|\[)")
"""An image, inline (``![alt](address)``) or by reference (``![alt][name]``)."""
_TITLE = re.compile(r"""\s*("[^"]*"|'[^']*'|\([^)]*\))\s*""")
"""A link's title after its address (CommonMark 6.3)."""
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
_SAFE_SCHEMES = {"http", "https", "mailto"}


def safe_link(target: str) -> bool:
    """Whether a link target is a web, mail or relative address (as a browser reads it)."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(target))
    scheme = _SCHEME.match(cleaned)
    return (scheme is None and "&" not in target) or (scheme is not None and scheme.group(1).lower() in _SAFE_SCHEMES)


@dataclass
class Heading:
    """A heading found in the body."""

    level: int
    text: str
    line: int


def _norm(text: str) -> str:
    return " ".join(text.replace("*", "").replace("_", " ").split()).casefold()


def scan(body: str, first_line: int) -> tuple[list[Heading], list[tuple[int, str]]]:
    """Headings and the prose lines (outside code fences) of ``body``."""
    headings: list[Heading] = []
    prose: list[tuple[int, str]] = []
    fence = None
    previous = ""
    for offset, raw in enumerate(body.split("\n")):
        line = first_line + offset
        opener = _FENCE.match(raw)
        if fence:
            if (
                opener
                and opener.group(1)[0] == fence[0]
                and len(opener.group(1)) >= len(fence)
                and not raw.strip().strip(fence[0])
            ):
                fence = None
            previous = ""
            continue
        if opener:
            fence = opener.group(1)
            previous = ""
            continue
        atx = _ATX.match(raw)
        setext = _SETEXT.match(raw)
        if atx:
            headings.append(Heading(len(atx.group(1)), (atx.group(2) or "").strip(), line))
            previous = ""
            continue
        if setext and previous.strip() and not previous.startswith((" " * 4, "\t")) and not _ATX.match(previous):
            heading = Heading(1 if setext.group(1)[0] == "=" else 2, previous.strip(), line - 1)
            headings.append(heading)
            if prose and prose[-1][0] == line - 1:
                prose.pop()
            previous = ""
            continue
        prose.append((line, raw))
        previous = raw
    return headings, prose


def _source_line(lines: list[str], start: int, level: int, text: str) -> int:
    """The index of the line, from ``start`` on, where a heading the parser found is written."""
    want = _norm(text)
    for i in range(start, len(lines)):
        stripped = lines[i].strip()
        if stripped.startswith("#" * level) and _norm(stripped.strip("#")) == want:
            return i
        if _norm(stripped) == want and i + 1 < len(lines) and _SETEXT.match(lines[i + 1]):
            return i
    return min(start, max(len(lines) - 1, 0))


def agree(scanned: list[Heading], prose: list, parsed: list[tuple[int, str]], body: str, first_line: int) -> list:
    """The headings the site's parser found (``parsed``: level and text, in order), each at the
    line the scanner found it on (or where it is written); lines the scanner took for headings
    that the parser did not are given back to ``prose``. Returns the headings."""
    lines = body.split("\n")
    out: list[Heading] = []
    i = 0
    for level, text in parsed:
        j = i
        while j < len(scanned) and not (scanned[j].level == level and _norm(scanned[j].text) == _norm(text)):
            j += 1
        if j < len(scanned):
            prose.extend((h.line, lines[h.line - first_line]) for h in scanned[i:j])
            out.append(scanned[j])
            i = j + 1
        else:
            start = (out[-1].line - first_line + 1) if out else 0
            out.append(Heading(level, text, first_line + _source_line(lines, start, level, text)))
    prose.extend((h.line, lines[h.line - first_line]) for h in scanned[i:])
    prose.sort()
    return out


def check_body(
    body: str, first_line: int, problems: Problems, end_line: int, reading=None, contract: Contract | None = None
) -> None:
    """Report missing, unknown, repeated, misordered or empty sections and unsafe markup.

    ``reading`` (a :class:`casebook.markdown_reading.MarkdownReading`) decides which lines are
    headings, as the site renders them; without it, the line scanner alone decides.
    ``contract``: the library's sections (default: :func:`casebook.contract.default_contract`)."""
    contract = contract or default_contract()
    names, silent = contract.section_names, contract.not_reported
    headings, prose = scan(body, first_line)
    if reading is not None:
        headings = agree(headings, prose, reading.headings(body), body, first_line)
        _check_nested(reading.nested_headings(body), body, first_line, problems)
    _check_pasted([*prose, *((h.line, body.split("\n")[h.line - first_line]) for h in headings)], problems)
    found: dict[str, Heading] = {}
    misspelt: set[str] = set()
    order: list[str] = []
    wanted = {_norm(s): s for s in names}
    for h in headings:
        if h.level == 1:
            problems.add(
                h.line,
                "body",
                f"the level-1 heading '{h.text}' is not allowed",
                "the page title comes from title:; use ## for the sections and ### inside them",
            )
            continue
        if h.level != 2:
            continue
        name = wanted.get(_norm(h.text))
        if name is None:
            hint = did_you_mean(h.text, names)
            if hint:
                misspelt.add(hint.split("'")[1])
            fix = (hint + " " if hint else "") + (
                "the sections are: " + ", ".join(names) + ". Use ### for a sub-heading inside a section."
            )
            if _underlined(body, first_line, h.line):
                fix = (
                    "the '---' on the next line makes this line a heading; if you meant a line across the "
                    "page, put a blank line before the '---'"
                )
            problems.add(h.line, "body", f"unknown section '## {h.text}'", fix)
            continue
        if h.text != name:
            problems.add(
                h.line,
                "body",
                f"the section '## {h.text}' is not written exactly as required{_odd_in(h.text)}",
                f"write it as: ## {name}",
            )
        if name in found:
            problems.add(
                h.line,
                "body",
                f"the section '{name}' appears twice (first on line {found[name].line})",
                "merge the two into one section",
            )
            continue
        found[name] = h
        order.append(name)
    # Order: report each section that comes before one it should follow.
    last = -1
    for name in order:
        index = names.index(name)
        if index < last:
            after = names[last]
            problems.add(
                found[name].line,
                "body",
                f"the section '{name}' comes after '{after}'",
                "put the sections in this order: " + ", ".join(names),
            )
        last = max(last, index)
    for index, name in enumerate(names):
        if name in found or name in misspelt:  # a misspelt heading is reported once, as unknown
            continue
        indented = _indented_heading(prose, name)
        if indented:
            problems.add(
                indented[0],
                "body",
                f"the heading '{indented[1]}' starts with a space, so the page shows it as text, not as the "
                f"section '## {name}'",
                "delete the spaces before the #",
            )
            continue
        before = [s for s in names[:index] if s in found]
        where = f"after '## {before[-1]}'" if before else "before the other sections"
        following = [found[s].line for s in names[index + 1 :] if s in found]
        line = min(following) if following else end_line
        problems.add(
            line,
            "body",
            f"the section '## {name}' is missing",
            f"add it {where}; if the sources say nothing, write '{silent}'",
        )
    # Empty sections: no prose line between the heading and the next H1/H2.
    bounds = sorted([h.line for h in headings if h.level <= 2] + [end_line + 1])
    for name, h in found.items():
        stop = next(b for b in bounds if b > h.line)
        text = [t for ln, t in prose if h.line < ln < stop and t.strip()]
        if not text:
            problems.add(
                h.line, "body", f"the section '{name}' is empty", f"write what the sources report, or '{silent}'"
            )
        elif _only_not_reported(text, silent) and not contract.sections[names.index(name)].not_reported:
            problems.add(
                h.line,
                "body",
                f"the section '{name}' only says '{silent}', but this library requires it to report something",
                "write what the sources report; if they say nothing, the case may not be ready to publish",
            )
    for line, raw in prose:
        if raw.lstrip().startswith(TODO):
            before = [n for n, h in found.items() if h.line < line]
            if before:
                section = max(before, key=lambda n: found[n].line)
                problems.add(
                    line,
                    "body",
                    f"the section '{section}' still has the template's to-do text",
                    f"replace the TODO line with what the sources report, or '{silent}'",
                )
            else:
                problems.add(
                    line,
                    "body",
                    "the lead paragraph still has the template's to-do text",
                    "replace the TODO line with one or two sentences on the programme, or delete it",
                )
    _check_markup(prose, problems)


def _indented_heading(prose: list[tuple[int, str]], name: str) -> tuple[int, str] | None:
    """(line, heading) of a heading for the section ``name`` written after one to three spaces
    (pasted text often starts so), which the site's Markdown shows as a line of text, or ``None``."""
    for line, text in prose:
        match = _INDENTED_ATX.match(text)
        if match and _norm(match.group(2)) == _norm(name):
            return line, f"{match.group(1)} {match.group(2)}"
    return None


def _only_not_reported(lines: list, sentence: str) -> bool:
    """Whether a section's prose lines say nothing but the not-reported sentence."""
    said = " ".join(" ".join(lines).split()).strip(" *_").rstrip(".").casefold()
    return said == sentence.rstrip(".").casefold()


def _underlined(body: str, first_line: int, line: int) -> bool:
    """Whether the line after ``line`` is a setext underline (``---``) that made it a heading."""
    lines = body.split("\n")
    index = line - first_line + 1
    return 0 < index < len(lines) and bool(_SETEXT.match(lines[index])) and lines[index].strip()[0] == "-"


def _check_nested(nested: list, body: str, first_line: int, problems: Problems) -> None:
    """A '#' or '##' heading inside a quote, list, note or definition shows among the sections on
    the page. ``nested``: :meth:`casebook.markdown_reading.MarkdownReading.nested_headings` of
    ``body`` (each with its line in ``body``, from 0); ``first_line``: ``body``'s first line in the file."""
    for heading in nested:
        mark = "#" * heading.level
        fix = "use ### for a heading inside a section, or take it out of the quote or list"
        if heading.underlined:  # 'Fake' over '---': the underline makes the heading
            rule = "===" if heading.level == 1 else "---"
            fix = (
                f"the '{rule}' on the next line makes this line a heading; if you meant a line across the page, "
                f"put a blank line before the '{rule}'; for a heading inside a section, use ###"
            )
        problems.add(
            first_line + heading.line,
            "body",
            f"the heading '{mark} {heading.text}' is inside a quote, list or note, and would show among the sections",
            fix,
        )


def _check_pasted(lines: list[tuple[int, str]], problems: Problems) -> None:
    """Invisible characters (zero-width space, soft hyphen, bidirectional controls, ...) and list
    markers pasted from a word processor into the text (a dash or bullet, a no-break space before
    or after '-'), which the page would show as a plain line: reported by name, at their line."""
    for line, raw in sorted(lines):
        for message, fix in markdown_lookalikes(raw):
            problems.add(line, "body", message, fix)


def _odd_in(heading: str) -> str:
    """': it has a no-break space (U+00A0) ...' for a heading whose spaces are not ordinary, else ''."""
    odd = odd_spaces(heading)
    return f": it has {odd} where an ordinary space belongs" if odd else ""


def _destination(found: str) -> str:
    """A link's destination as Markdown reads it from what follows ``](`` up to a space (CommonMark
    6.3): ``<...>`` without its brackets, else the text up to the parenthesis that closes the
    link (parentheses inside it balanced), so ``[a](b.md).`` names ``b.md``, not ``b.md).``."""
    if found.startswith("<"):
        return found[1:-1] if found.endswith(">") else _destination(found[1:])
    depth = 0
    for i, char in enumerate(found):
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return found[:i]
            depth -= 1
    return found


def _spaced(rest: str) -> tuple[str, str] | None:
    """What space is in a link's address, from the text after its ``](``, and the address as
    written: 'a space' when words follow the address that are not a title in quotes
    (Python-Markdown then takes them into the address), or the name of another kind of space
    inside it ('a no-break space (U+00A0)': Markdown ends an address only at an ordinary one);
    ``None`` when there is none, or the address is in ``<...>``."""
    if rest.lstrip(" ").startswith("<"):
        return None
    inner = _destination(rest).strip(" ")
    address, space, title = inner.partition(" ")
    if space and not _TITLE.fullmatch(title):
        return "a space", inner
    odd = next((char for char in address if char.isspace()), None)
    if odd is None:
        return None
    return odd_spaces(odd) or f"a space character (U+{ord(odd):04X})", address


def _check_images(line: int, text: str, problems: Problems) -> None:
    """Refuse an image in case text (``text``: one line, code spans taken out): its address is
    not published with the site, and an image from elsewhere would be fetched by every reader's
    browser from a third party (README, "Where: locations and the map": no page asks a third
    party for anything while a reader browses)."""
    for match in _IMAGE.finditer(text):
        alt, address = match.group(1), match.group(3)
        shown = f"[{alt}]({address})" if address else f"[{alt}](https://...)"
        problems.add(
            line,
            "body",
            f"an image ('{match.group(0)[:40]}') is not published with a case, and one from another site would "
            "be fetched from there by every reader's browser",
            f"link to it instead, without the '!': {shown[:80]}",
        )


def _check_link(line: int, text: str, match: re.Match, problems: Problems) -> None:
    """Refuse the link found by ``match`` in ``text`` (one line) unless it leads to a web or mail
    address, or an anchor of the page, with no space in its address."""
    target = _destination(match.group(1))
    if not target:
        return
    if not safe_link(target):
        problems.add(
            line,
            "body",
            f"the link target '{target[:60]}' is not allowed",
            "link only to web addresses starting with https:// (or http://, mailto:)",
        )
    elif not re.match(r"(?i)(https?://|mailto:|#)", target):
        domain = re.match(r"(?i)(www\.|[a-z0-9-]+\.[a-z]{2,}(/|$))", target) and not _PAGE_FILE.search(target)
        fix = (
            f"write the full address: https://{target}"
            if domain
            else "write the full web address starting with https:// (links to pages of this site are "
            "not allowed in case text, since they break when the site moves)"
        )
        problems.add(line, "body", f"the link '{target[:60]}' is not a full web address", fix)
    elif text[match.start()] == "]" and (spaced := _spaced(text[match.start() + 2 :])):
        problems.add(
            line,
            "body",
            f"the web address '{spaced[1][:60]}' has {spaced[0]} in it, so the link would lead nowhere",
            "remove the space (or write it as %20)",
        )


def _check_markup(prose: list[tuple[int, str]], problems: Problems) -> None:
    """Raw HTML, attribute lists and links other than http(s)/mailto/#anchor are refused."""
    whole = "\n".join(text for _, text in prose)
    if not any(mark in whole for mark in ("<", "](", "]:", "{", "![")):
        return  # nothing that could be markup: the usual case, checked in one pass
    for line, raw in prose:
        text = _CODE_SPAN.sub("", raw)
        text = _AUTOLINK.sub("", text)
        tag = _HTML.search(text)
        if tag:
            shown = tag.group(0)[:40]
            mail = _MAIL.match(text, tag.start())
            if mail:
                message = f"an e-mail address in angle brackets ('{mail.group(0)[:60]}') is read as raw HTML"
                fix = f"write it as a link: [{mail.group(1)}](mailto:{mail.group(1)})"
            else:
                message = f"raw HTML ('{shown}') is not allowed in case text"
                fix = "use Markdown instead: **bold**, *italic*, [text](https://...), lists with '- '"
            problems.add(line, "body", message, fix)
        if _FOOTNOTE.search(text):
            problems.add(
                line,
                "body",
                "footnotes ('[^1]') are not published in case text",
                "say it in the sentence, in brackets, or list the document under sources:",
            )
        if _ATTR_LIST.search(text):
            problems.add(line, "body", "attribute lists ('{: ...}') are not allowed in case text", "remove the braces")
        _check_images(line, text, problems)
        definition = None if _FOOTNOTE.match(text.lstrip()) else _REF_DEF.match(text)  # a footnote's text: told above
        for match in list(_LINK_TARGET.finditer(text)) + ([definition] if definition else []):
            _check_link(line, text, match, problems)
