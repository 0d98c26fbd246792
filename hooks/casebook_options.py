"""``extra.casebook`` in mkdocs.yml, declared and checked the way MkDocs and Material declare
their own options (``mkdocs.config.config_options``): each option has a type and a default,
and every problem (an unknown name, a wrong type) is reported at once, with its line in
mkdocs.yml and what to write instead, before any case is read.

Wiring used by casebook_hooks (MkDocs' option types are MkDocs'; the package stays free of them).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from mkdocs.config import base
from mkdocs.config import config_options as c

from casebook.collation import known_locale
from casebook.problems import Problem, did_you_mean
from casebook.search import SHARD_SIZE
from casebook.yamlsafe import explain_error

SECTION = ("extra", "casebook")
"""Where the options live in mkdocs.yml."""


class _Count(c.OptionallyRequired[int]):
    """A whole number of at least 1 (``true`` is not one, though Python counts it as 1)."""

    def run_validation(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise c.ValidationError(f"expected a whole number of 1 or more, not {_shown(value)}")
        return value


class _Text(c.OptionallyRequired[str]):
    """One line of text (a number or a list is a mistake, not text)."""

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise c.ValidationError(f"expected a text, not {_shown(value)}")
        return value.strip()


class _Locale(c.OptionallyRequired[str]):
    """An ICU locale with a collation (``sv``, ``da``, ``nb``, ``en``, ``de-CH``)."""

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str) or not known_locale(value):
            raise c.ValidationError(
                f"ICU has no collation for {_shown(value)}; give a language code such as sv, da, nb or en"
            )
        return value


class _Address(c.OptionallyRequired[str]):
    """A web address (``https://`` or ``http://``)."""

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str) or not value.startswith(("https://", "http://")) or " " in value.strip():
            raise c.ValidationError(f"expected a web address starting with https://, not {_shown(value)}")
        return value.strip()


class _TileAddress(c.OptionallyRequired[str]):
    """A tile layer's address template, as Leaflet's ``L.tileLayer`` takes it: ``https://``, with
    ``{z}``, ``{x}`` and ``{y}`` (``{s}`` and ``{r}`` allowed), e.g.
    ``https://tile.openstreetmap.org/{z}/{x}/{y}.png``."""

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip().startswith("https://") or " " in value.strip():
            raise c.ValidationError(f"expected a tile address starting with https://, not {_shown(value)}")
        missing = [part for part in ("{z}", "{x}", "{y}") if part not in value]
        if missing:
            raise c.ValidationError(f"the tile address has no {' or '.join(missing)}, so no tile can be asked for")
        return value.strip()


class CasebookOptions(base.Config):
    """The options of ``extra.casebook``, each with its type and default."""

    branch = _Text(default="main")
    """The branch 'Edit this case' proposes changes against."""
    publisher = _Text(default="Casebook contributors")
    """Who publishes the library: the author in citations."""
    license = _Text(default="CC BY 4.0")
    """The licence of the case texts and data."""
    license_url = _Address(default="https://creativecommons.org/licenses/by/4.0/")
    """Where the licence is."""
    search_shard_size = _Count(default=SHARD_SIZE)
    """Cases per search bundle (bounds the indexer's memory, about 200 KB per case)."""
    collation = c.Optional(_Locale())
    """The ICU locale titles, places and keywords sort in; default: the site's language."""
    contract = c.Optional(_Text())
    """The library's contract (its sections and own fields), relative to mkdocs.yml; default:
    ``contract.yml`` if there is one, else Casebook's default contract (:mod:`casebook.contract`)."""
    map_tiles = c.Optional(_TileAddress())
    """A tile layer under the explorer's map (readers' browsers then ask that server for tiles);
    default: none, only the site's own country outlines, and no request to anyone."""
    map_attribution = c.Optional(_Text())
    """The tile layer's attribution, as plain text (its licence requires one); needed with ``map_tiles``."""
    map_max_zoom = _Count(default=18)
    """The deepest zoom level the tile layer has."""


def _shown(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    kind = {bool: "yes/no", int: "number", float: "number", list: "list", dict: "group of options"}
    return f"a {kind.get(type(value), type(value).__name__)} ({value!r})" if value is not None else "nothing"


def declared() -> dict:
    """Each option's name and its ``config_options`` type, in declaration order."""
    return {k: v for k, v in vars(CasebookOptions).items() if isinstance(v, c.BaseConfigOption)}


def read_options(extra: object, config_file: Path | None) -> tuple[CasebookOptions | None, list[Problem]]:
    """``extra.casebook`` (``extra``: its value in MkDocs' config, a dict or None) checked
    against :class:`CasebookOptions`: the options and no problems, or None and every problem
    as a :class:`casebook.problems.Problem` of mkdocs.yml with its line (the line of the
    option, else of ``casebook:``, else 1) and its fix. Each option is checked on its own
    (MkDocs' ``Config.validate`` stops at the first error), so all are reported at once."""
    lines = option_lines(config_file)
    at = lambda name=None: lines.get((name,), lines.get((), 1))  # noqa: E731
    extra = {} if extra is None else extra
    if not isinstance(extra, dict):
        fix = "write the options indented below it, one per line as name: value"
        return None, [Problem("mkdocs.yml", at(), "extra.casebook", f"expected options, not {_shown(extra)}", fix)]
    options, problems = declared(), _repeated(lines)
    for name, option in options.items():
        try:
            option.validate(extra.get(name))
        except c.ValidationError as error:
            problems.append(Problem("mkdocs.yml", at(name), f"extra.casebook.{name}", str(error), _fix(name)))
    for name in extra:
        if name not in options:
            hint = did_you_mean(str(name), list(options))
            fix = (hint + " " if hint else "") + "the options are: " + ", ".join(options)
            problems.append(Problem("mkdocs.yml", at(str(name)), f"extra.casebook.{name}", "is no option", fix))
    if "map_tiles" in extra and not extra.get("map_attribution"):
        fix = "add map_attribution: the credit the tile server's licence asks for (e.g. © OpenStreetMap contributors)"
        problems.append(Problem("mkdocs.yml", at("map_tiles"), "extra.casebook.map_tiles", "has no attribution", fix))
    if problems:
        return None, sorted(problems)
    typed = CasebookOptions(config_file_path=str(config_file) if config_file else None)
    typed.load_dict(extra)
    typed.validate()  # the values passed above: this only fills in the defaults
    return typed, []


def defaults() -> dict:
    """Every option's default value, by name."""
    options = CasebookOptions()
    options.load_dict({})
    options.validate()
    return dict(options)


def _fix(name: str) -> str:
    default = defaults().get(name)
    shown = (
        {
            "collation": "the site's language",
            "contract": "contract.yml",
            "map_tiles": "no tile layer",
            "map_attribution": "none",
        }.get(name)
        if default is None
        else default
    )
    return f"correct the value, or delete the line to use the default ({shown})"


def _repeated(lines: dict) -> list[Problem]:
    """An option written twice under ``casebook:`` (``lines``: :func:`option_lines`): YAML keeps
    the last value and drops the earlier one without a word, invalid or not."""
    return [
        Problem(
            "mkdocs.yml",
            first,
            f"extra.casebook.{name}",
            f"is written again on line {last}, and only that value would be used",
            "keep one and delete the other",
        )
        for name, first, last in lines.get("repeated", ())
    ]


def option_lines(config_file: Path | None) -> dict:
    """``{(): line of casebook:, (name,): line of each option}`` in ``config_file`` (1-based),
    from YAML's node tree (tags such as ``!!python/name:`` and ``!ENV`` are not resolved);
    empty when the file cannot be read. An option written more than once has the line of its
    last (the value YAML keeps), and ``"repeated"`` lists ``(name, line, later line)`` for each
    earlier one."""
    try:
        root = yaml.compose(Path(config_file).read_text("utf-8"), Loader=yaml.SafeLoader)
    except (OSError, TypeError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    node, lines = root, {}
    for key in SECTION:
        node = _child(node, key)
        if node is None:
            return lines
        lines[()] = node[0].start_mark.line + 1
        node = node[1]
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key, line = (str(key_node.value),), key_node.start_mark.line + 1
            if key in lines:
                lines.setdefault("repeated", []).append((key[0], lines[key], line))
            lines[key] = line
    return lines


def _child(node, key: str):
    if not isinstance(node, yaml.MappingNode):
        return None
    return next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)


def check_file(config_file: Path) -> list[Problem]:
    """Every problem of ``extra.casebook`` in ``config_file`` (a library's mkdocs.yml), as the
    build reports them, without building (``make check``). MkDocs' own tags (``!ENV``,
    ``!!python/name:``) are read as nothing: they never hold Casebook's options."""

    class Tolerant(yaml.SafeLoader):
        pass

    Tolerant.add_multi_constructor("!", lambda loader, suffix, node: None)
    Tolerant.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    name = Path(config_file).name
    try:
        text = Path(config_file).read_text("utf-8")
        data = yaml.load(text, Loader=Tolerant)
    except yaml.MarkedYAMLError as error:
        found = explain_error(error, text)
        return [Problem(name, found.line, found.field, found.message, found.fix)]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return [Problem(name, 1, "file", f"cannot be read ({error})", f"fix {name}")]
    extra = data.get("extra") if isinstance(data, dict) else None
    return read_options(extra.get("casebook") if isinstance(extra, dict) else None, Path(config_file))[1]


def main(argv: list[str] | None = None) -> int:
    """``python -m casebook_options [library folder or its mkdocs.yml]`` (``make check``): print
    every problem of ``extra.casebook``; the exit status is 1 when there is one."""
    import argparse
    import sys

    from casebook.problems import format_report

    parser = argparse.ArgumentParser(prog="casebook_options", description="Check extra.casebook in mkdocs.yml.")
    parser.add_argument("path", nargs="?", default=".", help="the library folder or its mkdocs.yml (default: .)")
    path = Path(parser.parse_args(argv).path)
    found = check_file(path / "mkdocs.yml" if path.is_dir() else path)
    if found:
        print(format_report(found), file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
