"""What the terminal UI shows, computed from the library without Textual.

`Catalog` sits between a `Library` and the screen.  It answers the questions
the list asks on every keystroke (which references match, in which order,
how many carry each tag) and the questions each visible row asks (the
author/year/title/tags to print).  Display rows are computed lazily, one per
reference as it scrolls into view, so the first screen of a 10,000-reference
library costs a few dozen rows, not 10,000.  The search index
(`balintbib.query.Index`, the same matcher as ``export --select``) is built
once, off the UI thread, by `build_index`.

Nothing here imports Textual: the catalog is tested and benchmarked on its own.
"""

from __future__ import annotations

import os
import re
import shlex
import threading
from collections import Counter
from itertools import chain
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..library import Library
from ..model import Reference
from ..display import author_cell as _first_author
from ..query import ALIASES, FIELDS, Index, compile_query, fold, make_row

#: Columns of the reference list: (id, header, sortable).
COLUMNS = (
    ("mark", "", False),
    ("author", "Author", True),
    ("year", "Year", True),
    ("title", "Title", True),
    ("tags", "Tags", True),
    ("annotated", "✎", True),
)
SORTABLE = tuple(c[0] for c in COLUMNS if c[2])
#: How many recent search results are kept (backspacing is then instant).
RECENT_QUERIES = 64


@dataclass(slots=True)
class Line:
    """The plain-text cells of one row of the list (never markup)."""

    author: str
    year: str
    title: str
    tags: str
    annotated: bool
    sort_author: str
    sort_year: int
    sort_title: str


def make_line(ref: Reference, macros: dict[str, str]) -> Line:
    author, sort_author = _first_author(ref)
    year = ref.text("year", macros) or ref.text("date", macros)[:4]
    m = re.search(r"\d{4}", year)
    title = ref.text("title", macros) or ref.text("booktitle", macros)
    title = " ".join(title.split())
    return Line(
        author=author,
        year=year,
        title=title,
        tags=", ".join(ref.tags),
        annotated=bool(ref.fields.get("annotation", "").strip()),
        sort_author=sort_author,
        sort_year=int(m.group()) if m else 99999,
        sort_title=fold(title),
    )


#: Query fields whose terms match substrings: typing more of the value only narrows.
_SUBSTRING_FIELDS = {"author", "editor", "title", "tag", "key", "journal", "doi", "annotation", "text"}


def _token_field(token: str) -> tuple[str | None, str]:
    """(field, value) of a query token, as `compile_query` reads it (None: any field)."""
    name, sep, value = token.partition(":")
    if sep and name.lower() in FIELDS + tuple(ALIASES):
        return ALIASES.get(name.lower(), name.lower()), value
    return None, token


def _narrows(old: str, new: str) -> bool:
    """True when every reference matching `new` also matches `old`.

    Terms are ANDed, so adding a term narrows; so does typing more of the last
    term when that term matches substrings (a word, author:, title:, tag:...)
    and is not an exclusion.  Anything else (year:, type:, -term, an edit in
    the middle, unbalanced quotes) is searched from scratch.
    """
    try:
        old_tokens, new_tokens = shlex.split(old), shlex.split(new)
    except ValueError:
        return False
    if not old_tokens or len(new_tokens) < len(old_tokens):
        return False
    *same, last = old_tokens
    if new_tokens[: len(same)] != same:
        return False
    grown = new_tokens[len(same)]
    if grown == last:
        return True
    if last.startswith("-") or not grown.startswith(last):
        return False
    old_field, _ = _token_field(last)
    new_field, value = _token_field(grown)
    return old_field == new_field and (old_field is None or old_field in _SUBSTRING_FIELDS) and bool(value)


class Catalog:
    """A library seen as a filterable, sortable list."""

    def __init__(self, library: Library, read_only: bool = False):
        self.library = library
        self._lines: dict[int, Line] = {}
        self._index: Index | None = None
        self._rows_by_ref: dict[int, int] = {}
        self._tags: dict[int, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self._last: tuple[str, tuple[str, ...], list[Reference]] | None = None
        self._recent: dict[tuple[str, tuple[str, ...]], list[Reference]] = {}
        self.forced_read_only = read_only

    # -- state ------------------------------------------------------------------
    @property
    def references(self) -> list[Reference]:
        return self.library.references

    @property
    def macros(self) -> dict[str, str]:
        return self.library.macros

    def __len__(self) -> int:
        return len(self.library.references)

    def read_only_reason(self) -> str | None:
        """Why the library cannot be edited here, or None when it can."""
        if self.forced_read_only:
            return "opened with --read-only"
        paths = [Path(bf.path) for bf in self.library.files]
        if not paths:
            return "the library has no file"
        for path in paths:
            if not os.access(path, os.W_OK):
                return f"{path} is not writable"
            if not os.access(path.parent or Path("."), os.W_OK | os.X_OK):
                return f"the folder of {path} is not writable"
        return None

    # -- rows -------------------------------------------------------------------
    def line(self, ref: Reference) -> Line:
        line = self._lines.get(id(ref))
        if line is None:
            line = self._lines[id(ref)] = make_line(ref, self.macros)
        return line

    def lines(self, refs: Iterable[Reference]) -> list[Line]:
        return [self.line(r) for r in refs]

    # -- the search index ---------------------------------------------------------
    @property
    def indexed(self) -> bool:
        return self._index is not None

    def build_index(self) -> None:
        """Fold every reference for searching (seconds at 10,000; run it in a thread)."""
        with self._lock:
            if self._index is not None:
                return
            index = Index([], self.macros)
            index.rows = [make_row(r, self.macros) for r in self.references]
            for ref in self.references:  # the sort keys and tags too, so sorting is instant
                self.line(ref)
                self.tags_of(ref)
            self._rows_by_ref = {id(row.ref): i for i, row in enumerate(index.rows)}
            self._index = index

    def filter(self, query: str, tags: Iterable[str] = ()) -> list[Reference]:
        """References matching the query and every tag, in library order.

        Raises `balintbib.query.QueryError` for a query that cannot be parsed.
        """
        tags = tuple(tags)
        if not query.strip() and not tags:
            return list(self.references)
        pred = compile_query(query)  # errors before the (possibly slow) index
        self.build_index()
        assert self._index is not None
        hit = self._recent.get((query, tags))
        if hit is not None:  # backspace, or a query typed again
            self._last = (query, tags, hit)
            return list(hit)
        last = self._last
        if last is not None and last[1] == tags and _narrows(last[0], query):
            # Typing on: the new words only narrow the last result, so search just that.
            rows, where = self._index.rows, self._rows_by_ref
            result = [r for r in last[2] if pred(rows[where[id(r)]])]
        else:
            result = self._index.filter(query, tags)
        self._last = (query, tags, result)
        self._recent[(query, tags)] = result
        while len(self._recent) > RECENT_QUERIES:
            del self._recent[next(iter(self._recent))]
        return list(result)

    def refresh(self, ref: Reference) -> None:
        """Forget what was computed for a reference that changed (after an edit)."""
        self._lines.pop(id(ref), None)
        self._tags.pop(id(ref), None)
        self._last = None
        self._recent = {}
        with self._lock:
            if self._index is not None:
                pos = self._rows_by_ref.get(id(ref))
                row = make_row(ref, self.macros)
                if pos is None:
                    self._rows_by_ref[id(ref)] = len(self._index.rows)
                    self._index.rows.append(row)
                else:
                    self._index.rows[pos] = row

    def reload(self, library: Library) -> None:
        """Swap in a freshly loaded library (after a pull)."""
        with self._lock:
            self.library = library
            self._lines.clear()
            self._tags.clear()
            self._last = None
            self._recent = {}
            self._index = None
            self._rows_by_ref = {}

    # -- order and facets -----------------------------------------------------------
    def sort(self, refs: list[Reference], column: str | None, reverse: bool = False) -> list[Reference]:
        """Refs ordered by a column (None keeps library order); ties keep author, year."""
        if column is None:
            return list(reversed(refs)) if reverse else list(refs)
        line = self.line
        keys = {
            "author": lambda r: (line(r).sort_author, line(r).sort_year, line(r).sort_title),
            "year": lambda r: (line(r).sort_year, line(r).sort_author, line(r).sort_title),
            "title": lambda r: (line(r).sort_title, line(r).sort_author),
            "tags": lambda r: (fold(line(r).tags) or "\uffff", line(r).sort_author),
            "annotated": lambda r: (not line(r).annotated, line(r).sort_author),
        }
        if column not in keys:
            raise ValueError(f"cannot sort by {column!r}")
        return sorted(refs, key=keys[column], reverse=reverse)

    def tags_of(self, ref: Reference) -> tuple[str, ...]:
        tags = self._tags.get(id(ref))
        if tags is None:
            tags = self._tags[id(ref)] = tuple(dict.fromkeys(ref.tags))
        return tags

    def tag_counts(self, refs: Iterable[Reference]) -> Counter:
        """How many of `refs` carry each tag (as written in the library)."""
        tags = self._tags
        try:  # every reference's tags are known once the index is built: stay in C
            return Counter(chain.from_iterable(map(tags.__getitem__, map(id, refs))))
        except KeyError:
            return Counter(chain.from_iterable(map(self.tags_of, refs)))

    def all_tags(self) -> list[str]:
        return sorted(self.tag_counts(self.references), key=fold)
