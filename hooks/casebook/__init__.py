"""Casebook's domain: cases, the taxonomy, validation and indexes.

Plain Python with no MkDocs import, so it can be tested without a build and
wired into any static site generator. The MkDocs wiring is in
``hooks/casebook_hooks.py``.
"""

from .cases import Case, Source
from .library import Library, load_library
from .problems import Problem, format_report
from .taxonomy import Keyword, Taxonomy

__all__ = ["Case", "Keyword", "Library", "Problem", "Source", "Taxonomy", "format_report", "load_library"]
