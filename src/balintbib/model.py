"""The hub: one `Reference` type that every format converts to and from.

A reference is kept in the vocabulary of the library itself (BibTeX/biblatex):
an entry type, a citation key and an ordered mapping of field names to field
*content*.  Content is the text between the outer delimiters of a BibTeX value,
LaTeX markup and case-protecting braces included, so that nothing a librarian
wrote is ever lost on the way through the model.  A field whose value is not a
plain literal (an ``@string`` macro such as ``jan`` or ``jama``, or a ``#``
concatenation) is listed in ``Reference.expressions``: its content is then the
BibTeX expression itself, and ``Reference.text()`` resolves it.

Typed views sit on top of the fields: people (`Person`), identifiers, tags,
the annotation and remote identities.  Formats that are not BibTeX (CSL-JSON,
Mendeley JSON, RIS...) convert through these views and `text()`, and write
back through the setters, which produce correct BibTeX content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .latex import latex_to_text, text_to_latex
from .names import split_name, split_name_list

#: The field that holds a reference's annotation (biblatex ``annotation``).
ANNOTATION_FIELD = "annotation"
#: The field that says where a reference was cited and for what (the librarian's
#: record of how it entered the library).  It is not the annotation: handouts
#: leave it out unless asked (``export --provenance``).  A plain BibTeX field,
#: so it survives BibTeX, CSL-JSON (``custom.bibtex``) and Mendeley
#: (``client_data``) round trips unchanged.
PROVENANCE_FIELD = "provenance"
#: The field that holds the society's thematic tags (biblatex ``keywords``).
TAGS_FIELD = "keywords"
#: The field that links a reference to its documents in remote group libraries,
#: e.g. ``mendeley:4f8e...; zotero:ABCD1234``.  It lives in the entry so that
#: renaming a key or normalizing the library never breaks the link.
REMOTE_IDS_FIELD = "remote-ids"

#: Fields whose content is taken as written, never LaTeX-escaped when set from
#: text (biblatex's verbatim fields: a URL's "_" or "%" is not markup there).
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "urldate", "file", "pdf", "pmid", "pmcid"})


def content_from_text(name: str, text: str) -> str:
    """Plain Unicode text as BibTeX content for field `name` (verbatim fields as given)."""
    return text if name in VERBATIM_FIELDS else text_to_latex(text)

#: Fields holding lists of people, in BibTeX name-list syntax.
PERSON_FIELDS = ("author", "editor", "translator", "bookauthor", "editora", "editorb", "commentator")

#: Identifier names and the fields that carry them.
IDENTIFIER_FIELDS = {
    "doi": "doi",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "isbn": "isbn",
    "issn": "issn",
    "arxiv": "eprint",
    "url": "url",
}

#: The standard month macros every BibTeX style defines.
MONTH_MACROS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April",
    "may": "May", "jun": "June", "jul": "July", "aug": "August",
    "sep": "September", "oct": "October", "nov": "November", "dec": "December",
}


@dataclass(frozen=True)
class Person:
    """One person (or organisation, as `literal`) in a name list."""

    family: str = ""
    given: str = ""
    particle: str = ""  # "von" part: van, de, du ... (BibTeX keeps it before the family name)
    suffix: str = ""  # Jr., III
    literal: str = ""  # an organisation or a name that must not be split

    @property
    def is_others(self) -> bool:
        """True for BibTeX's ``and others`` (et al.) marker."""
        return self.literal == "others"

    def display(self) -> str:
        """Plain-text 'Given particle Family, Suffix' for screens and logs."""
        if self.literal:
            return latex_to_text(self.literal)
        parts = [p for p in (self.given, self.particle, self.family) if p]
        name = " ".join(latex_to_text(p) for p in parts)
        return f"{name}, {latex_to_text(self.suffix)}" if self.suffix else name

    def sort_name(self) -> str:
        return latex_to_text(self.literal or self.family).casefold()


@dataclass
class Reference:
    """One bibliographic reference."""

    key: str
    type: str = "misc"  # entry type, lower case (article, book, incollection, phdthesis, online...)
    fields: dict[str, str] = field(default_factory=dict)
    #: Names of fields whose content is a BibTeX expression (macro or concatenation).
    expressions: set[str] = field(default_factory=set)

    # -- raw access -------------------------------------------------------
    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    def set(self, name: str, content: str | None) -> None:
        """Set a field's BibTeX content; ``None`` or ``""`` removes the field."""
        if content is None or content == "":
            self.fields.pop(name, None)
        else:
            self.fields[name] = content
        self.expressions.discard(name)

    def text(self, name: str, macros: dict[str, str] | None = None) -> str:
        """A field as plain Unicode text: macros resolved, LaTeX decoded, braces gone."""
        content = self.fields.get(name)
        if content is None:
            return ""
        if name in self.expressions:
            content = resolve_expression(content, macros or {})
        return latex_to_text(content)

    def set_text(self, name: str, text: str | None) -> None:
        """Set a field from plain Unicode text (escaped to valid BibTeX content,
        except in the verbatim fields: URLs and identifiers are kept as given)."""
        self.set(name, content_from_text(name, text) if text else None)

    # -- typed views ------------------------------------------------------
    def persons(self, role: str = "author", macros: dict[str, str] | None = None) -> list[Person]:
        """The people of a name field (an ``@string`` macro or concatenation resolved first)."""
        content = self.fields.get(role, "")
        if role in self.expressions:
            content = resolve_expression(content, macros or {})
        return parse_names(content)

    def set_persons(self, role: str, people: list[Person]) -> None:
        self.set(role, format_names(people) if people else None)

    @property
    def authors(self) -> list[Person]:
        return self.persons("author")

    @property
    def editors(self) -> list[Person]:
        return self.persons("editor")

    @property
    def title(self) -> str:
        return self.text("title")

    @property
    def year(self) -> str:
        year = self.text("year")
        if not year and self.fields.get("date"):
            year = self.text("date")[:4]
        return year

    @property
    def tags(self) -> list[str]:
        return split_list(self.text(TAGS_FIELD))

    @tags.setter
    def tags(self, tags: list[str]) -> None:
        for t in tags:
            refuse_controls(TAGS_FIELD, t)
        self.set_text(TAGS_FIELD, ", ".join(dict.fromkeys(t.strip() for t in tags if t.strip())))

    @property
    def annotation(self) -> str:
        return self.text(ANNOTATION_FIELD)

    @annotation.setter
    def annotation(self, text: str) -> None:
        """Set the annotation from plain text (a librarian's or a tool's input):
        a control character (NUL...) is refused with `BadText`, never stored."""
        if text:
            refuse_controls(ANNOTATION_FIELD, text)
        self.set_text(ANNOTATION_FIELD, text.strip() if text else None)

    @property
    def provenance(self) -> str:
        return self.text(PROVENANCE_FIELD)

    @provenance.setter
    def provenance(self, text: str) -> None:
        self.set_text(PROVENANCE_FIELD, text.strip() if text else None)

    @property
    def identifiers(self) -> dict[str, str]:
        """Identifiers present on the reference, as plain text (doi, pmid, isbn...)."""
        out = {}
        for ident, fname in IDENTIFIER_FIELDS.items():
            value = self.text(fname)
            if value:
                out[ident] = value
        return out

    @property
    def remote_ids(self) -> dict[str, str]:
        """``{remote name: document id}`` from the ``remote-ids`` field."""
        out = {}
        for part in split_list(self.fields.get(REMOTE_IDS_FIELD, ""), sep=";"):
            name, _, ident = part.partition(":")
            if name and ident:
                out[name.strip()] = ident.strip()
        return out

    def set_remote_id(self, remote: str, ident: str | None) -> None:
        ids = self.remote_ids
        if ident:
            ids[remote] = ident
        else:
            ids.pop(remote, None)
        self.set(REMOTE_IDS_FIELD, "; ".join(f"{k}:{v}" for k, v in sorted(ids.items())) or None)

    def copy(self) -> Reference:
        return Reference(self.key, self.type, dict(self.fields), set(self.expressions))

    def same_content(self, other: Reference) -> bool:
        """Equal type, key, fields and field order (what decides a rewrite)."""
        return (
            self.key == other.key
            and self.type == other.type
            and self.expressions == other.expressions
            and self.fields == other.fields
            and list(self.fields) == list(other.fields)  # the same order too
        )


# -- helpers shared by every format ---------------------------------------

def refuse_controls(name: str, text: str) -> None:
    """Raise `BadText` when `text` holds a control character no BibTeX value may hold."""
    from .formats.bibsafe import BadText, control_characters

    found = control_characters(text)
    if found:
        raise BadText(f"{name}: the text holds control character(s) {', '.join(found)}; "
                      "nothing was changed (remove them and try again)")


def split_list(value: str, sep: str = ",") -> list[str]:
    """Split a separated list (tags, keywords); ``;`` is accepted too for ``,``."""
    if not value:
        return []
    if sep == ",":
        value = value.replace(";", ",")
    return [p.strip() for p in value.split(sep) if p.strip()]


_TOKEN = re.compile(r'\s*(?:\{|"|#|[^\s#{"]+)')


def resolve_expression(expr: str, macros: dict[str, str]) -> str:
    """Evaluate a BibTeX value expression (``jan # "~1"``) to content.

    Unknown macros resolve to their own name, so nothing disappears.
    """
    out: list[str] = []
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch.isspace() or ch == "#":
            i += 1
        elif ch in "{\"":
            close = "}" if ch == "{" else '"'
            depth, j = 0, i + 1
            while j < n:
                c = expr[j]
                if c == "\\":
                    j += 2
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    if depth == 0 and close == "}":
                        break
                    depth -= 1
                elif c == close and depth == 0:
                    break
                j += 1
            out.append(expr[i + 1 : j])
            i = j + 1
        else:
            j = i
            while j < n and not expr[j].isspace() and expr[j] != "#":
                j += 1
            word = expr[i:j]
            if word.isdigit():
                out.append(word)
            else:
                low = word.lower()
                out.append(macros.get(low, MONTH_MACROS.get(low, word)))
            i = j
    return "".join(out)


# -- names ------------------------------------------------------------------

@lru_cache(maxsize=65536)
def _parse_names_cached(value: str) -> tuple[Person, ...]:
    people = []
    for raw in split_name_list(value):
        if raw == "others":
            people.append(Person(literal="others"))
            continue
        if raw.startswith("{") and raw.endswith("}") and _balanced_outer(raw):
            people.append(Person(literal=raw[1:-1]))
            continue
        parts = split_name(raw)
        people.append(Person(family=parts.text("last"), given=parts.text("first"),
                             particle=parts.text("von"), suffix=parts.text("jr")))
    return tuple(people)


def _balanced_outer(s: str) -> bool:
    """True when the first brace of ``s`` closes at its last character."""
    depth = 0
    for i, c in enumerate(s):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and i != len(s) - 1:
                return False
    return depth == 0


def parse_names(value: str) -> list[Person]:
    """Parse a BibTeX name list (``Van Roy, K. and de Haes, J.``) into people, by
    BibTeX's own rules (`balintbib.names`)."""
    if not value or not value.strip():
        return []
    return list(_parse_names_cached(value))


def format_name(p: Person) -> str:
    """One person in BibTeX syntax: ``particle Family, Suffix, Given``.

    A part BibTeX would not read back as that part (a family name ``-``, a comma
    or an ``and`` inside a part, from another tool) is braced."""
    text = _format_name(p)
    if p.literal or _reads_back(p) or parse_names(text) == [p]:
        return text
    brace = lambda part: part if not part or (part.startswith("{") and part.endswith("}")
                                              and _balanced_outer(part)) else "{" + part + "}"
    return _format_name(Person(family=brace(p.family), given=brace(p.given), particle=p.particle,
                               suffix=brace(p.suffix)))


_NAME_TOKEN_SEPS = re.compile(r"[\s~-]+")
#: What keeps a name part from reading back as written: braces, commands, ties, commas,
#: math; white space other than single spaces, or at an end; a hyphen next to a space or
#: at an end; the word "and".
_NAME_TROUBLE = re.compile(r"[{}\\~,$]|[^\S ]|  |^[ -]|[ -]$|- | -|--|(?:^| )[Aa][Nn][Dd](?: |$)")


def _reads_back(p: Person) -> bool:
    """True for the common ``Family, Given`` that BibTeX certainly reads back as `p`
    (see `_NAME_TROUBLE`; every family token capitalised, so no part of it is taken for
    a "von"), without parsing it."""
    return not p.particle and not p.suffix and plain_name_reads_back(p.family, p.given)


def plain_name_reads_back(family: str, given: str) -> bool:
    """`_reads_back` for ``Family, Given`` (no particle, no suffix) given as its two parts."""
    if not family or not given:
        return False
    if _NAME_TROUBLE.search(family) or _NAME_TROUBLE.search(given):
        return False
    if " " not in family and "-" not in family and "~" not in family:
        return family[0].isupper()
    return all(t[0].isupper() for t in _NAME_TOKEN_SEPS.split(family) if t)


def _format_name(p: Person) -> str:
    if p.literal:
        return p.literal if p.literal == "others" else "{" + p.literal + "}"
    family = f"{p.particle} {p.family}" if p.particle else p.family
    if " " in p.family and not p.particle and not p.family.startswith("{"):
        # A compound family name (Van Roy, Abrandt Dahlgren): BibTeX reads the
        # part before the comma as family, so 'Van Roy, K.' is already right.
        family = p.family
    if p.suffix:
        return f"{family}, {p.suffix}, {p.given}" if p.given else f"{family}, {p.suffix}, "
    return f"{family}, {p.given}" if p.given else family


def format_names(people: list[Person]) -> str:
    return " and ".join(format_name(p) for p in people)
