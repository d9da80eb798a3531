"""What the import readers share: problems with ``file:line``, a record builder
that never drops a value, and the identifier finders.

Every reader (RIS, MEDLINE, PubMed XML, EndNote XML and tagged) turns one
source record into a `Reference` through a `Builder`:

* a mapped value goes to its BibTeX field (text escaped to BibTeX content);
* a second value for a single-valued field, and every source field that has
  no place in the model, is kept as ``import-<format>-<tag>`` (repeats as
  ``import-<format>-<tag>-2``...; keyword-like lists joined with ``; ``);
* identifiers are cleaned like ``normalize`` does (DOI without resolver
  prefix, PMCID with its ``PMC``) and looked for where exporters hide them.

Source keywords (RIS ``KW``, MeSH, EndNote keywords) are kept in import
fields, never in ``keywords``: that field holds the society's thematic tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import BalintError
from ..latex import text_to_latex
from ..model import MONTH_MACROS, VERBATIM_FIELDS, Person, Reference, format_name, plain_name_reads_back
from ..normalize import identifiers as ids


class ImportFormatError(BalintError):
    """A file that no reader understands, or that cannot be read at all."""


@dataclass(frozen=True)
class ImportProblem:
    """Bad input in one place; ``str()`` is ``file:line: reason``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class ReadResult:
    """What one file gave: references, the line where each record starts, problems."""

    path: str
    format: str
    references: list[Reference] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


MONTHS = list(MONTH_MACROS)
_MONTH_WORD = {m: i for i, m in enumerate(MONTHS, 1)}
_MONTH_WORD.update({v.lower(): i for i, v in enumerate(MONTH_MACROS.values(), 1)})
PMID_IN_TEXT = re.compile(r"^\s*(\d{1,9})\s*(?:\[pmid\])?\s*$", re.I)
PMCID_IN_TEXT = re.compile(r"\bPMC\d+\b", re.I)
_PLAIN_PAGES = re.compile(r"[\w\s,.:+\u2013-]+")


class Memo(dict):
    """A pure function's results by argument, computed on first sight.  Readers keep
    one per file for values that repeat in it (names, ISSNs, dates, line heads); the
    table stops growing at `limit` entries (a file of all different values)."""

    def __init__(self, function, limit: int = 4096):
        super().__init__()
        self.function = function
        self.limit = limit

    def __missing__(self, key):
        value = self.function(key)
        if len(self) < self.limit:
            self[key] = value
        return value


class LineHeads(Memo):
    """Tags of a tagged format's lines by their first six characters, read by
    `read_head` (a tag, or None for a line of another shape) on first sight.
    A file has few distinct heads, so a reader looks a line up instead of
    testing it."""

    def __init__(self, read_head):
        super().__init__(read_head)


def month_number(word: str) -> int | None:
    w = word.strip().rstrip(".").lower()
    if w.isdigit():
        return int(w) if 1 <= int(w) <= 12 else None
    return _MONTH_WORD.get(w) or _MONTH_WORD.get(w[:3])


def clean_doi(value: str) -> str | None:
    """A DOI from a field value (``doi:``/resolver prefixes, trailing punctuation gone); None if none."""
    m = ids.DOI_IN_TEXT.search(value or "")
    if not m:
        return None
    doi = m.group(1).rstrip(".,;:)]")
    return doi if ids.is_valid_doi(doi) else None


def clean_pmcid(value: str) -> str | None:
    m = PMCID_IN_TEXT.search(value or "")
    return "PMC" + m.group()[3:] if m else None


def person_from_text(text: str) -> Person:
    """``Last, First M.`` / ``Last,First`` / ``First Last`` / an organisation, as a person."""
    text = " ".join(text.split()).strip()
    if not text:
        return Person(literal="")
    if "," in text:
        family, _, rest = text.partition(",")
        given, _, suffix = rest.partition(",")
        return Person(family=text_to_latex(family.strip()), given=text_to_latex(given.strip()),
                      suffix=text_to_latex(suffix.strip()))
    words = text.split()
    if len(words) == 1:
        return Person(family=text_to_latex(text))
    if len(words) > 3 or any(w[:1].islower() or not w[:1].isalpha() for w in words):
        return Person(literal=text_to_latex(text))
    return Person(family=text_to_latex(words[-1]), given=text_to_latex(" ".join(words[:-1])))


def written_plain_name(text: str) -> str | None:
    """``format_name(person_from_text(text))`` for the common ``Family, Given`` whose
    written form certainly reads back (`plain_name_reads_back`); None for every other name."""
    if text.count(",") != 1:
        return None
    family, _, given = " ".join(text.split()).partition(",")
    family, given = text_to_latex(family.strip()), text_to_latex(given.strip())
    return f"{family}, {given}" if plain_name_reads_back(family, given) else None


def written_name(text: str) -> str | None:
    """A name from text as BibTeX writes it in a name list (``format_name(person_from_text(text))``);
    None when the text holds no name."""
    name = written_plain_name(text)
    return name if name is not None else written_person(person_from_text(text))


def written_person(p: Person) -> str | None:
    """A person as BibTeX writes it in a name list; None for no name (no family, no literal)."""
    return format_name(p) if p.literal or p.family else None


#: (format, list tags) -> tag -> (import field name, whether its values form one list).
_SLUGS: dict[tuple[str, frozenset], dict[str, tuple[str, bool]]] = {}


class Builder:
    """Collects one record's values, then makes the `Reference`."""

    #: Kept tags whose repeats are joined into one field with "; " (keyword-like lists).
    def __init__(self, fmt: str, list_tags: frozenset[str] = frozenset()):
        self.fmt = fmt
        self.list_tags = list_tags
        self.fields: dict[str, str] = {}  # BibTeX content
        self.expressions: set[str] = set()
        self.people: dict[str, list[str]] = {}  # names as written in a BibTeX name list
        self.lists: dict[str, list[str]] = {}
        self._slugs = _SLUGS.get((fmt, list_tags))  # tag -> (import field name, is a list)
        if self._slugs is None:
            self._slugs = _SLUGS[(fmt, list_tags)] = {}

    # -- values ----------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self.fields or bool(self.people.get(name))

    def text(self, name: str, value: str, tag: str = "") -> None:
        """Set a field from plain text; a second value is kept under the tag (or ``name-2``)."""
        value = value.strip()
        if not value:
            return
        content = value if name in VERBATIM_FIELDS else text_to_latex(value)  # `content_from_text`
        if name not in self.fields:
            self.fields[name] = content
        elif self.fields[name] != content:
            self.keep(tag or name, value)

    def raw(self, name: str, content: str, expression: bool = False) -> None:
        """Set BibTeX content as is (first value wins; callers keep the rest)."""
        if name not in self.fields and content:
            self.fields[name] = content
            if expression:
                self.expressions.add(name)

    def keep(self, tag: str, value: str) -> None:
        """Keep a source value that has no place in the model: ``import-<fmt>-<tag>``."""
        value = value.strip()
        if not value:
            return
        slot = self._slugs.get(tag)
        if slot is None:
            name = f"import-{self.fmt}-" + (re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-") or "line")
            slot = (name, tag.upper() in self.list_tags or tag in self.list_tags)
            if len(self._slugs) < 4096:  # tags repeat; a file of made-up tags must not grow it forever
                self._slugs[tag] = slot
        name, is_list = slot
        if is_list:
            self.lists.setdefault(name, []).append(value)
            return
        content = text_to_latex(value)
        if name not in self.fields:
            self.fields[name] = content
            return
        if self.fields[name] == content:
            return
        n = 2
        while (other := self.fields.get(f"{name}-{n}")) is not None:
            if other == content:
                return
            n += 1
        self.fields[f"{name}-{n}"] = content

    def person(self, role: str, text: str | Person | None, written: bool = False) -> None:
        """A person from a `Person`, from text (`person_from_text`), or (`written`) from the
        name as `written_name` gave it (None: no name)."""
        if written:
            name = text
        elif isinstance(text, Person):
            name = written_person(text)
        else:
            name = written_name(text)
        if name is not None:
            self.people.setdefault(role, []).append(name)

    def date(self, year: str = "", month: str | int | None = None, day: str | int | None = None) -> None:
        """Year, month (as the macro) and day; what is not a date is the caller's to keep."""
        if year and "year" not in self.fields:
            self.fields["year"] = year
            m = month if isinstance(month, int) else (month_number(month) if month else None)
            if m:
                self.fields["month"] = MONTHS[m - 1]
                self.expressions.add("month")
                if day and str(day).strip().isdigit() and 1 <= int(day) <= 31:
                    self.fields["day"] = str(int(day))

    def pages(self, first: str, last: str = "") -> None:
        first, last = first.strip(), last.strip()
        if not first and not last:
            return
        value = f"{first}--{last}" if first and last and first != last else (first or last)
        if "pages" not in self.fields:
            self.fields["pages"] = value if _PLAIN_PAGES.fullmatch(value) else text_to_latex(value)
        else:
            self.keep("pages", value)

    def doi(self, value: str, tag: str) -> bool:
        """Set the DOI from a value; an unusable value is kept under the tag."""
        doi = clean_doi(value)
        if doi is None:
            self.keep(tag, value)
            return False
        if "doi" not in self.fields:
            self.fields["doi"] = doi
        elif ids.doi_key(self.fields["doi"]) != doi.lower():
            self.keep(tag, value)
        return True

    def identifier(self, name: str, value: str, tag: str) -> None:
        value = value.strip()
        if name not in self.fields:
            self.fields[name] = value
        elif self.fields[name].lower() != value.lower():
            self.keep(tag, value)

    # -- result ----------------------------------------------------------------
    def build(self, type_: str, key: str = "") -> Reference:
        fields = {}
        for role, names in self.people.items():
            fields[role] = " and ".join(names)
        fields.update(self.fields)
        for name, values in self.lists.items():
            fields[name] = text_to_latex("; ".join(dict.fromkeys(values)))
        return Reference(key, type_, fields, set(self.expressions))


def decode_bytes(data: bytes) -> str:
    """UTF-8 (a BOM dropped), else Windows-1252 (old exports), else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # unreachable: latin-1 decodes everything
