"""CSL-JSON <-> Reference.

CSL-JSON is what citation processors (citeproc-py, citeproc-js) read.  The
mapping is written as tables: entry types, plain-text variables, number
variables, name variables and dates.  BibTeX fields that CSL has no variable
for are kept under ``custom.bibtex`` (CSL-JSON's extension object), so that
``list --json`` and ``convert --to csl-json`` never drop a field, and the way
back (`from_csl`) restores them.

The annotation (biblatex ``annotation``) always travels as ``annote``; with
``annotation_as_note=True`` it is also the CSL ``note``, which is what the
annotated styles (apa-annotated-bibliography and friends) print.
"""

from __future__ import annotations

import re

from ..latex import latex_to_rich, latex_to_text, text_to_latex
from ..model import ANNOTATION_FIELD, MONTH_MACROS, Person, Reference, content_from_text, resolve_expression
from .bibsafe import balance, balanced

#: BibTeX/biblatex entry type -> CSL type.
TYPE_TO_CSL = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "collection": "book",
    "manual": "report",
    "mastersthesis": "thesis",
    "phdthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "unpublished": "manuscript",
    "online": "webpage",
    "www": "webpage",
    "electronic": "webpage",
    "misc": "document",
    "patent": "patent",
    "periodical": "periodical",
    "dataset": "dataset",
    "software": "software",
    "reference": "entry-encyclopedia",
    "inreference": "entry-encyclopedia",
    "movie": "motion_picture",
    "video": "motion_picture",
    "audio": "song",
    "letter": "personal_communication",
    "jurisdiction": "legal_case",
    "legislation": "legislation",
    "standard": "standard",
}
#: CSL type -> BibTeX type, for the way back.
CSL_TO_TYPE = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "article": "article",
    "book": "book",
    "chapter": "incollection",
    "paper-conference": "inproceedings",
    "thesis": "phdthesis",
    "report": "report",
    "manuscript": "unpublished",
    "webpage": "online",
    "post-weblog": "online",
    "post": "online",
    "pamphlet": "booklet",
    "patent": "patent",
    "periodical": "periodical",
    "dataset": "dataset",
    "software": "software",
    "entry-encyclopedia": "inreference",
    "entry-dictionary": "inreference",
    "motion_picture": "movie",
    "song": "audio",
    "personal_communication": "letter",
    "legal_case": "jurisdiction",
    "legislation": "legislation",
    "standard": "standard",
    "document": "misc",
}

#: BibTeX field -> CSL text variable (used in both directions).
TEXT_FIELDS = {
    "title": "title",
    "shorttitle": "title-short",
    "abstract": "abstract",
    "doi": "DOI",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "isbn": "ISBN",
    "issn": "ISSN",
    "url": "URL",
    "publisher": "publisher",
    "address": "publisher-place",
    "location": "publisher-place",
    "series": "collection-title",
    "language": "language",
    "note": "note",
    "howpublished": "medium",
    "type": "genre",
    "eprint": "number",
    "keywords": "keyword",
    "annotation": "annote",
    "journalabbrev": "container-title-short",
    "shortjournal": "container-title-short",
    "addendum": "references",
    "version": "version",
    "eventtitle": "event-title",
    "venue": "event-place",
}
#: Fields whose LaTeX formatting (\\emph, \\textbf, \\textsc, \\textsuperscript...) and
#: case-protecting braces travel as CSL rich text when rendering (see `to_csl`).
RICH_FIELDS = frozenset({"title", "shorttitle", "series", "eventtitle", "journal", "journaltitle",
                         "booktitle"})
#: Fields that name the container; which one is used depends on the type.
CONTAINER_FIELDS = ("journal", "journaltitle", "booktitle")
#: Fields that name the publisher for some types (school for theses...).
PUBLISHER_FIELDS = ("school", "institution", "organization")
#: BibTeX number fields -> CSL number variables.
NUMBER_FIELDS = {
    "volume": "volume",
    "number": "issue",
    "issue": "issue",
    "pages": "page",
    "edition": "edition",
    "chapter": "chapter-number",
    "volumes": "number-of-volumes",
    "pagetotal": "number-of-pages",
}
#: BibTeX name fields -> CSL name variables.
NAME_FIELDS = {
    "author": "author",
    "editor": "editor",
    "translator": "translator",
    "bookauthor": "container-author",
    "editora": "editorial-director",
    "commentator": "author",
}
#: Date fields (biblatex date syntax or year/month/day).
DATE_FIELDS = {"date": "issued", "urldate": "accessed", "eventdate": "event-date", "origdate": "original-date"}

_MONTHS = {name: i for i, name in enumerate(MONTH_MACROS, start=1)}
_MONTH_WORDS = {v.lower(): i for i, v in enumerate(MONTH_MACROS.values(), start=1)}


def person_to_csl(p: Person) -> dict:
    if p.literal:
        return {"literal": latex_to_text(p.literal)}
    out: dict[str, str] = {"family": latex_to_text(p.family)}
    if p.given:
        out["given"] = latex_to_text(p.given)
    if p.particle:
        out["non-dropping-particle"] = latex_to_text(p.particle)
    if p.suffix:
        out["suffix"] = latex_to_text(p.suffix)
    return out


def person_from_csl(d: dict) -> Person:
    if "literal" in d:
        return Person(literal=text_to_latex(d["literal"]))
    particle = " ".join(x for x in (d.get("dropping-particle"), d.get("non-dropping-particle")) if x)
    return Person(
        family=text_to_latex(d.get("family", "")),
        given=text_to_latex(d.get("given", "")),
        particle=text_to_latex(particle),
        suffix=text_to_latex(d.get("suffix", "")),
    )


def _month_number(text: str) -> int | None:
    t = text.strip().lower().rstrip(".")
    if t.isdigit() and 1 <= int(t) <= 12:
        return int(t)
    return _MONTHS.get(t[:3]) if t[:3] in _MONTHS else _MONTH_WORDS.get(t)


_DATE = re.compile(r"(\d{3,4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def _date_parts(text: str) -> dict | None:
    """biblatex date (``2004``, ``2004-05-12``, ``2004/2006``) -> CSL date."""
    parts = []
    for piece in text.split("/")[:2]:
        m = _DATE.fullmatch(piece.strip())
        if not m:
            return {"raw": text} if text.strip() else None
        parts.append([int(g) for g in m.groups() if g])
    return {"date-parts": parts}


def to_csl(ref: Reference, macros: dict[str, str] | None = None, annotation_as_note: bool = False,
           exact: bool = False, rich: bool | None = None) -> dict:
    """A reference as one CSL-JSON item; every field is kept somewhere.

    CSL variables are plain text, so the way back (`from_csl`) cannot know the
    BibTeX content they came from: ``{Balint}``'s case-protecting braces, a
    ``jan`` macro, a ``publisher`` that was an ``organization``.  With
    ``exact``, every field the way back would not restore as it was is kept
    in ``custom["bibtex-exact"]`` as ``{"bibtex": original, "as": what the
    way back makes of it}`` (``original`` is null for a field the way back
    would add), and `from_csl` puts the original back as long as the CSL
    variables still give the same result -- an item edited in another tool
    keeps the edit.  A value built from the file's own ``@string`` macros is
    kept with the macros filled in (an item cannot carry their definitions).
    (Off for rendering, where nothing goes back.)

    ``rich`` (default: when not ``exact``) is for rendering: in `RICH_FIELDS`
    ``\\emph{..}``/``\\textit``/``{\\em ..}``, ``\\textbf``, ``\\textsc``,
    ``\\textsuperscript``/``\\textsubscript`` become CSL rich text (``<i>``,
    ``<b>``, small caps, ``<sup>``/``<sub>``) and case-protecting braces
    (``{DNA}``) ``<span class="nocase">``, so that a style prints the italics
    and its text-case leaves protected words alone (CSL 1.0.2 Appendix VI).
    The exact, lossless CSL-JSON (``list --json``, ``convert``) stays plain text.
    """
    macros = macros or {}
    item = _to_csl(ref, macros, annotation_as_note, (not exact) if rich is None else rich)
    if exact:
        back = from_csl(item)
        differ = {}
        for name in dict.fromkeys([*ref.fields, *back.fields]):
            mine, expression = ref.fields.get(name), name in ref.expressions
            if expression and resolve_expression(mine, macros) != resolve_expression(mine, {}):
                # uses the file's @string macros, which a CSL-JSON item cannot carry: inline them
                mine, expression = resolve_expression(mine, macros), False
            theirs = back.fields.get(name)
            if mine != theirs or expression != (name in back.expressions):
                entry = {"bibtex": mine, "as": theirs}
                if expression:
                    entry["expression"] = True
                differ[name] = entry
        if differ:
            item["custom"]["bibtex-exact"] = differ
    return item


def _to_csl(ref: Reference, macros: dict[str, str], annotation_as_note: bool,
            rich: bool = False) -> dict:

    def text(name: str) -> str:
        if rich and name in RICH_FIELDS and name in ref.fields:
            content = ref.fields[name]
            if name in ref.expressions:
                content = resolve_expression(content, macros)
            return latex_to_rich(content)
        return ref.text(name, macros)

    item: dict = {"id": ref.key, "type": TYPE_TO_CSL.get(ref.type, "document")}
    for field, var in TEXT_FIELDS.items():
        if field in ref.fields and var not in item:
            item[var] = text(field)
    if ref.type in ("phdthesis", "mastersthesis") and "genre" not in item:
        item["genre"] = "PhD thesis" if ref.type == "phdthesis" else "Master's thesis"
    if "eprint" in ref.fields and ref.type not in ("report", "techreport"):
        item.pop("number", None)
    container = next((f for f in CONTAINER_FIELDS if f in ref.fields), None)
    if container:
        item["container-title"] = text(container)
    if "publisher" not in item:
        pub = next((f for f in PUBLISHER_FIELDS if f in ref.fields), None)
        if pub:
            item["publisher"] = text(pub)
    for field, var in NUMBER_FIELDS.items():
        if field in ref.fields and var not in item:
            value = text(field)
            item[var] = value.replace("\u2013", "-").replace("--", "-") if var == "page" else value
    truncated = []
    for field, var in NAME_FIELDS.items():
        if field in ref.fields and var not in item:
            people = ref.persons(field, macros)
            # BibTeX's "and others" is a truncated list, not a person: CSL styles add
            # "et al." themselves; the field keeps its full text in custom.bibtex.
            if any(p.is_others for p in people):
                truncated.append(field)
            item[var] = [person_to_csl(p) for p in people if not p.is_others]
    for field, var in DATE_FIELDS.items():
        if field in ref.fields:
            d = _date_parts(text(field))
            if d:
                item[var] = d
    if "issued" not in item and "year" in ref.fields:
        year = text("year")
        m = re.match(r"\d{3,4}", year)
        if m:
            parts = [int(m.group())]
            month = _month_number(text("month")) if "month" in ref.fields else None
            if month:
                parts.append(month)
                day = text("day")
                if day.isdigit():
                    parts.append(int(day))
            item["issued"] = {"date-parts": [parts]}
        else:
            item["issued"] = {"literal": year}
    if annotation_as_note and ANNOTATION_FIELD in ref.fields:
        item["note"] = text(ANNOTATION_FIELD)
    used = _used_fields(ref)
    extra = {
        name: (resolve_expression(value, macros) if name in ref.expressions else value)
        for name, value in ref.fields.items()
        if name not in used or name in truncated
    }
    custom: dict = {"bibtex-type": ref.type}
    if extra:
        custom["bibtex"] = extra
    item["custom"] = custom
    return item


def _used_fields(ref: Reference) -> set[str]:
    """Fields whose value reached a CSL variable (the rest go to custom.bibtex)."""
    used = set()
    taken: set[str] = set()
    for field, var in TEXT_FIELDS.items():
        if field in ref.fields and var not in taken:
            used.add(field)
            taken.add(var)
    for group in (NUMBER_FIELDS, NAME_FIELDS):
        for field, var in group.items():
            if field in ref.fields and var not in taken:
                used.add(field)
                taken.add(var)
    container = next((f for f in CONTAINER_FIELDS if f in ref.fields), None)
    if container:
        used.add(container)
    used |= {f for f in DATE_FIELDS if f in ref.fields}
    if "date" not in ref.fields:
        used |= {"year", "month", "day"} & set(ref.fields)
    if ref.type not in ("report", "techreport"):
        used.discard("eprint")
    return used


# CSL variable -> BibTeX field, for the way back (first BibTeX name wins).
_TEXT_BACK = {}
for _f, _v in TEXT_FIELDS.items():
    _TEXT_BACK.setdefault(_v, _f)
_NUMBER_BACK = {}
for _f, _v in NUMBER_FIELDS.items():
    _NUMBER_BACK.setdefault(_v, _f)
_NAME_BACK = {}
for _f, _v in NAME_FIELDS.items():
    _NAME_BACK.setdefault(_v, _f)
#: CSL type -> the BibTeX field its container-title goes to.
CONTAINER_BACK = {"chapter": "booktitle", "paper-conference": "booktitle", "entry-encyclopedia": "booktitle"}


def from_csl(item: dict) -> Reference:
    """One CSL-JSON item as a reference (``custom.bibtex`` restored first,
    ``custom["bibtex-exact"]`` last: see `to_csl`)."""
    ref = _from_csl(item)
    exact = (item.get("custom") or {}).get("bibtex-exact")
    if isinstance(exact, dict):
        for name, entry in exact.items():
            if not isinstance(entry, dict) or ref.fields.get(name) != entry.get("as"):
                continue  # changed since it was written: the CSL variables win
            original = entry.get("bibtex")
            if original is None:
                ref.fields.pop(name, None)
                ref.expressions.discard(name)
            else:
                ref.fields[name] = str(original)
                if entry.get("expression"):
                    ref.expressions.add(name)
                else:
                    ref.expressions.discard(name)
    for name, content in list(ref.fields.items()):  # a verbatim value (URL, pages) as sent: no stray brace
        if name not in ref.expressions and not balanced(content):
            ref.fields[name] = balance(content)
    return ref


def _from_csl(item: dict) -> Reference:
    custom = item.get("custom") or {}
    ctype = item.get("type", "document")
    ref = Reference(str(item.get("id", "")), custom.get("bibtex-type") or CSL_TO_TYPE.get(ctype, "misc"))
    for name, value in (custom.get("bibtex") or {}).items():
        ref.fields[name] = value
    for var, value in item.items():
        if var in ("id", "type", "custom"):
            continue
        if var in _NAME_BACK and isinstance(value, list):
            field = _NAME_BACK[var]
            if field not in ref.fields:
                ref.set_persons(field, [person_from_csl(p) for p in value])
        elif var == "container-title":
            field = CONTAINER_BACK.get(ctype, "journal")
            ref.fields.setdefault(field, text_to_latex(str(value)))
        elif var == "issued" and isinstance(value, dict):
            _date_back(ref, value)
        elif var in ("accessed", "event-date", "original-date") and isinstance(value, dict):
            field = {v: k for k, v in DATE_FIELDS.items()}[var]
            iso = _iso(value)
            if iso and field not in ref.fields:
                ref.fields[field] = iso
        elif var == "genre" and ctype == "thesis":
            if value not in ("PhD thesis", "Master's thesis"):
                ref.fields.setdefault("type", text_to_latex(value))
        elif var in _NUMBER_BACK:
            field = _NUMBER_BACK[var]
            v = str(value)
            ref.fields.setdefault(field, v.replace("-", "--") if var == "page" and "--" not in v else text_to_latex(v))
        elif var in _TEXT_BACK:
            field = _TEXT_BACK[var]
            if var == "note" and item.get("annote") == value:
                continue  # the annotation rendered as note; it is kept as annote
            ref.fields.setdefault(field, content_from_text(field, str(value)))
        elif var == "publisher-place":
            ref.fields.setdefault("address", text_to_latex(str(value)))
        else:
            ref.fields.setdefault(f"csl-{var.lower()}", text_to_latex(_flatten(value)))
    return ref


def _iso(date: dict) -> str:
    parts = (date.get("date-parts") or [[]])[0]
    if not parts:
        return str(date.get("raw") or date.get("literal") or "")
    return "-".join(f"{int(p):02d}" if i else str(p) for i, p in enumerate(parts))


def _date_back(ref: Reference, date: dict) -> None:
    parts = (date.get("date-parts") or [[]])[0]
    if not parts:
        lit = date.get("literal") or date.get("raw")
        if lit:
            ref.fields.setdefault("year", text_to_latex(str(lit)))
        return
    ref.fields.setdefault("year", str(parts[0]))
    if len(parts) > 1 and "month" not in ref.fields:
        month = str(parts[1])
        if month.isdigit() and 1 <= int(month) <= 12:
            ref.fields["month"] = list(MONTH_MACROS)[int(month) - 1]
            ref.expressions.add("month")
        else:  # a season (13-16, 21-24) or something else: kept as given
            ref.fields["month"] = text_to_latex(month)
    if len(parts) > 2:
        ref.fields.setdefault("day", str(parts[2]))


def _flatten(value) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(_flatten(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in value.items())
    return str(value)
