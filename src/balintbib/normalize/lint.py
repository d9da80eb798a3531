"""Lint codes for `balintbib check`: stable codes and names, checks as a registry.

Codes (``B0xx`` come from reading the files, ``B1xx`` look at one entry,
``B2xx`` compare entries) are listed in `CODES`; each has a name, a severity
(``info`` codes are listed but never fail `check`) and whether it is on by
default.  ``not-yet-annotated`` is opt-in: an annotated bibliography turns it on
in its ``balintbib.toml`` (the shipped library does), other BibTeX files are not
told they lack annotations.  Opt-in codes (``missing-doi``,
``unprotected-capitals``) are reported only when selected (``--select B101``
or ``extend-select`` in ``balintbib.toml``), so that a clean library checks
clean.  Selection works like ruff: ``--select`` replaces the default set,
``--ignore`` removes, both by prefix (``B1`` = every entry check).

Adding a check: write ``def check_x(ref, ctx) -> Iterable[Finding]`` and
decorate it with ``@check("B1xx")`` after adding the code to `CODES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from ..formats.bibtex import Problem
from ..model import MONTH_MACROS, PERSON_FIELDS, Reference
from . import identifiers as ids
from .rules import looks_like_initials_last, split_name_list, unprotected_capitals


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: str  # error | warning | info (info is listed but never fails `check`)
    default: bool
    summary: str


CODES: dict[str, Code] = {c.code: c for c in (
    Code("B001", "parse-error", "error", True, "a block that cannot be parsed (kept as written)"),
    Code("B002", "duplicate-key", "error", True, "two entries with the same citation key"),
    Code("B003", "duplicate-field", "warning", True, "a field given twice in one entry"),
    Code("B005", "missing-key", "warning", True, "an entry without a citation key"),
    Code("B006", "not-utf8", "warning", True, "a file that is not UTF-8 (`normalize` converts it)"),
    Code("B101", "missing-doi", "warning", False, "an article from 2000 or later without a DOI"),
    Code("B102", "missing-required-field", "warning", True, "a field the entry type requires is missing"),
    Code("B103", "invalid-doi", "error", True, "a DOI that is not 10.<registrant>/<suffix>"),
    Code("B104", "invalid-issn", "error", True, "an ISSN with a wrong length or checksum"),
    Code("B105", "invalid-isbn", "error", True, "an ISBN with a wrong length or checksum"),
    Code("B106", "undefined-string", "error", True, "a field uses an @string macro defined nowhere"),
    Code("B107", "unprotected-capitals", "warning", False,
         "title words a style's sentence case would lower (HIV, McMaster, proper nouns)"),
    Code("B108", "invalid-month", "warning", True, "a month that is not a month"),
    Code("B109", "ambiguous-name", "warning", True,
         "a name like 'Smith JA' that BibTeX reads as given 'Smith', family 'JA'"),
    Code("B110", "name-without-given", "warning", True,
         "a person with a family name only, no given name or initials (organisations in braces are fine)"),
    Code("B111", "online-without-urldate", "warning", True,
         "a web page with a URL but no urldate (styles print 'Retrieved <url>' with no date)"),
    Code("B112", "not-yet-annotated", "info", False,
         "a reference without an annotation (listed; `check` still passes)"),
    Code("B113", "control-character", "warning", True,
         "a value holds a control character (Word, XML and most tools cannot hold it; DOCX export drops it)"),
    Code("B201", "duplicate-entry", "warning", True, "the same work twice (DOI, PMID or title+year+volume+pages)"),
)}

#: Fields each entry type needs (BibTeX/biblatex); ``a|b`` means either.
#: A field inherited through ``crossref`` counts as present.  biblatex also
#: lists ``type`` for @report and @thesis; it is left out here because every
#: style cites them completely without it (the type defaults from the entry type).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "article": ("author", "title", "journal|journaltitle", "year|date"),
    "book": ("author|editor", "title", "year|date"),
    "inbook": ("author|editor", "title", "chapter|pages|booktitle", "year|date"),
    "incollection": ("author", "title", "booktitle", "year|date"),
    "inproceedings": ("author", "title", "booktitle", "year|date"),
    "conference": ("author", "title", "booktitle", "year|date"),
    "phdthesis": ("author", "title", "school|institution", "year|date"),
    "mastersthesis": ("author", "title", "school|institution", "year|date"),
    "thesis": ("author", "title", "institution|school", "year|date"),
    "techreport": ("author", "title", "institution", "year|date"),
    "report": ("author", "title", "institution", "year|date"),
    "manual": ("title",),
    "unpublished": ("author", "title"),
    "online": ("title", "url|doi|eprint"),
    "proceedings": ("title", "year|date"),
    "booklet": ("title",),
}

#: Macros every BibTeX style defines (plain.bst and friends), besides the months.
STYLE_MACROS = frozenset("""
acmcs acta cacm ibmjrd ibmsj ieeese ieeetc ieeetcad ipl jacm jcss scp sicomp tocs tods tog
toms toois toplas tcs
""".split()) | frozenset(MONTH_MACROS)


SEASONS = frozenset({"spring", "summer", "autumn", "fall", "winter"})


@dataclass
class Finding:
    code: str
    message: str
    field: str | None = None  # the field it is about (for its line number)


@dataclass
class LintContext:
    macros: dict[str, str]
    by_key: dict[str, Reference]


Check = Callable[[Reference, LintContext], Iterable[Finding]]
CHECKS: dict[str, Check] = {}


def check(code: str):
    assert code in CODES, code

    def register(func):
        CHECKS[code] = func
        return func
    return register


def _has(ref: Reference, ctx: LintContext, name: str) -> bool:
    if ref.fields.get(name, "").strip():
        return True
    parent = ref.fields.get("crossref")
    target = ctx.by_key.get(parent.strip().lower()) if parent else None
    return bool(target and target is not ref and target.fields.get(name, "").strip())


def _year_number(ref: Reference) -> int | None:
    m = re.search(r"\d{4}", ref.fields.get("year", "") or ref.fields.get("date", ""))
    return int(m.group()) if m else None


_SECOND_VALUE = re.compile(r"^(.+)-([2-9])$")


@check("B003")
def second_values(ref, ctx):
    """``author-2`` next to ``author``: a second value left by a repeated field or a merge
    (`dedupe --merge`), waiting for a person to keep one.  ``import-*`` fields are the
    source record's own repeated tags, kept as they came: nothing to choose there."""
    for name in ref.fields:
        if name.startswith("import-"):
            continue
        m = _SECOND_VALUE.match(name)
        if m and m.group(1) in ref.fields and int(m.group(2)) >= 2:
            yield Finding("B003", f"'{ref.key}' has {name} next to {m.group(1)}: a second value "
                                        f"(a repeated field or a merge); keep one and delete the other", name)


@check("B101")
def missing_doi(ref, ctx):
    year = _year_number(ref)
    if ref.type == "article" and year and year >= 2000 and not ref.fields.get("doi"):
        yield Finding("B101", f"'{ref.key}' is an article from {year} without a DOI")


@check("B102")
def missing_required(ref, ctx):
    for need in REQUIRED_FIELDS.get(ref.type, ()):
        options = need.split("|")
        if not any(_has(ref, ctx, f) for f in options):
            yield Finding("B102", f"@{ref.type} '{ref.key}' has no {' or '.join(options)}")


@check("B103")
def invalid_doi(ref, ctx):
    doi = ref.fields.get("doi")
    if doi and "doi" not in ref.expressions and not ids.is_valid_doi(
            ids.clean_doi(doi.replace("{", "").replace("}", "")).replace("\\_", "_")):
        yield Finding("B103", f"'{doi}' in '{ref.key}' is not a DOI (10.<registrant>/<suffix>)", "doi")


@check("B104")
def invalid_issn(ref, ctx):
    value = ref.fields.get("issn")
    if not value or "issn" in ref.expressions:
        return
    for part in re.split(r"[,;]|\s(?=\d{4}-)", value):
        part = part.strip()
        if not part:
            continue
        issn = ids.format_issn(re.sub(r"\s*\(.*\)$", "", part))
        if issn is None:
            yield Finding("B104", f"'{part}' in '{ref.key}' is not an ISSN (1234-5678)", "issn")
        elif not ids.issn_checksum_ok(issn):
            yield Finding("B104", f"ISSN {issn} in '{ref.key}' has a wrong check digit", "issn")


_ISBN_CANDIDATE = re.compile(r"(?<![\dXx-])\d[\d-]{7,20}[\dXx](?![\dXx])")


@check("B105")
def invalid_isbn(ref, ctx):
    value = ref.fields.get("isbn")
    if not value or "isbn" in ref.expressions:
        return
    found = [m.group().strip() for m in _ISBN_CANDIDATE.finditer(value)]
    if not found and ids.format_issn(value):
        yield Finding("B105", f"'{value}' in the isbn of '{ref.key}' is an ISSN (it belongs in issn)", "isbn")
    elif not found:
        yield Finding("B105", f"'{value}' in '{ref.key}' holds no ISBN", "isbn")
    for candidate in found:
        compact = re.sub(r"[\s-]", "", candidate).upper()
        if len(compact) == 8 and ids.format_issn(compact):
            yield Finding("B105", f"'{candidate}' in the isbn of '{ref.key}' is an ISSN (it belongs in issn)", "isbn")
        elif len(compact) not in (10, 13):
            yield Finding("B105", f"'{candidate}' in '{ref.key}' is not an ISBN (wrong length)", "isbn")
        elif not ids.isbn_ok(compact):
            yield Finding("B105", f"ISBN {candidate} in '{ref.key}' has a wrong check digit", "isbn")


_MACRO_WORD = re.compile(r'\{(?:[^{}]|\{[^{}]*\})*\}|"[^"]*"|([^\s#{}"]+)')


@check("B106")
def undefined_string(ref, ctx):
    for name in sorted(ref.expressions):
        for m in _MACRO_WORD.finditer(ref.fields[name]):
            word = m.group(1)
            if word and not word.isdigit() and word.lower() not in ctx.macros and word.lower() not in STYLE_MACROS:
                yield Finding("B106", f"@string '{word}' used in {name} of '{ref.key}' is defined nowhere", name)


@check("B107")
def unprotected(ref, ctx):
    title = ref.fields.get("title")
    if title and "title" not in ref.expressions:
        spans = unprotected_capitals(title)
        if spans:
            words = ", ".join(title[a:b] for a, b in spans[:5]) + (", ..." if len(spans) > 5 else "")
            yield Finding("B107", f"title of '{ref.key}' has unprotected capitals a style may lower: {words} "
                          "(`balintbib normalize --protect-titles` braces them)", "title")


@check("B108")
def invalid_month(ref, ctx):
    value = ref.fields.get("month")
    if value is None:
        return
    if "month" in ref.expressions:
        if ids.month_macro(value) or "#" in value or value.strip().lower() in ctx.macros:
            return
    elif ids.month_macro(value) or all(
            ids.month_macro(w) or w.lower() in SEASONS or w.isdigit() for w in re.findall(r"[^\W_]+", value)):
        return  # a month, a season, a range or a day: "Winter", "jan--feb", "June 12"
    yield Finding("B108", f"month '{value}' of '{ref.key}' is not a month", "month")


@check("B109")
def ambiguous_name(ref, ctx):
    for role in PERSON_FIELDS:
        value = ref.fields.get(role)
        if not value or role in ref.expressions:
            continue
        for name in split_name_list(value):
            words = name.split()
            if "," not in name and looks_like_initials_last(words):
                family, given = " ".join(words[:-1]), words[-1]
                yield Finding("B109", f"'{name}' in {role} of '{ref.key}' reads as family name '{words[-1]}'; "
                              f"write '{family}, {given}' if {given} are initials, or '{words[-1]}, {family}'", role)


@check("B110")
def name_without_given(ref, ctx):
    for role in PERSON_FIELDS:
        if not ref.fields.get(role) or role in ref.expressions:
            continue
        for person in ref.persons(role):
            if person.literal or not person.family or person.given:
                continue  # organisations ({{...}}), "others", and complete names
            yield Finding("B110", f"'{person.display()}' in {role} of '{ref.key}' has no given name or initials "
                          f"(write 'Family, G.'; brace an organisation: {{{{{person.display()}}}}})", role)


#: Entry types that are web pages (a style dates them by urldate).
WEB_TYPES = frozenset({"online", "www", "electronic", "webpage"})


@check("B111")
def online_without_urldate(ref, ctx):
    if ref.type in WEB_TYPES and _has(ref, ctx, "url") and not _has(ref, ctx, "urldate"):
        yield Finding("B111", f"web page '{ref.key}' has a url but no urldate (when it was read, YYYY-MM-DD)",
                      "url")


@check("B112")
def not_yet_annotated(ref, ctx):
    if not ref.annotation.strip():
        yield Finding("B112", f"'{ref.key}' has no annotation yet (what the work did and found, "
                      "in two to four sentences)")


def fails(problems) -> bool:
    """Whether `check` should exit non-zero: any problem that is not info."""
    return any(p.severity != "info" for p in problems)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@check("B113")
def control_character(ref, ctx):
    for name, value in ref.fields.items():
        m = _CONTROL.search(value)
        if m:
            yield Finding("B113", f"{name} of '{ref.key}' holds the control character U+{ord(m.group()):04X} "
                          f"at position {m.start() + 1}", name)


# -- selection ----------------------------------------------------------------------------


def selected_codes(select: list[str] | None = None, ignore: list[str] | None = None,
                   extend_select: list[str] | None = None) -> set[str]:
    """Codes to report: ``select`` (prefixes; default = the default-on codes), plus
    ``extend_select``, minus ``ignore``.  Names work as well as codes."""
    def matches(code: Code, patterns: list[str]) -> bool:
        return any(p == "ALL" or code.code.startswith(p.upper()) or code.name == p for p in patterns)

    for p in (select or []) + (ignore or []) + (extend_select or []):
        if p != "ALL" and not any(c.code.startswith(p.upper()) or c.name == p for c in CODES.values()):
            raise ValueError(f"unknown lint code or name '{p}' (see `balintbib check --list-codes`)")
    chosen = {c.code for c in CODES.values() if (matches(c, select) if select else c.default)}
    chosen |= {c.code for c in CODES.values() if extend_select and matches(c, extend_select)}
    chosen -= {c.code for c in CODES.values() if ignore and matches(c, ignore)}
    return chosen


def lint_references(refs: list[Reference], macros: dict[str, str], codes: set[str],
                    where: Callable[[Reference, str | None], tuple[str, int]],
                    per_key_ignore: dict[str, list[str]] | None = None) -> list[Problem]:
    """Run the selected per-entry and duplicate checks; ``where(ref, field)`` gives path and line.

    ``per_key_ignore`` (``[check.per-key-ignore]``): codes (prefixes or names) not
    reported for one entry, e.g. a name whose initials no source gives."""
    skip = {k.lower(): v for k, v in (per_key_ignore or {}).items()}
    by_key: dict[str, Reference] = {}
    for r in refs:
        by_key.setdefault(r.key.lower(), r)
    ctx = LintContext({k.lower(): v for k, v in macros.items()}, by_key)
    problems: list[Problem] = []
    active = [(code, fn) for code, fn in CHECKS.items() if code in codes]
    for ref in refs:
        muted = skip.get(ref.key.lower(), ())
        for code, fn in active:
            if any(code.startswith(m.upper()) or CODES[code].name == m for m in muted):
                continue
            for f in fn(ref, ctx):
                path, line = where(ref, f.field)
                problems.append(Problem(path, line, 1, f.code, f.message, CODES[f.code].severity))
    if "B002" in codes:  # the reader reports duplicates inside a file; these are across files
        first_seen: dict[str, tuple[Reference, str, int]] = {}
        for ref in refs:
            if not ref.key:
                continue
            path, line = where(ref, None)
            seen = first_seen.setdefault(ref.key.lower(), (ref, path, line))
            if seen[0] is not ref and seen[1] != path:
                problems.append(Problem(path, line, 1, "B002",
                                        f"duplicate key '{ref.key}' (first defined at {seen[1]}:{seen[2]})"))
    if "B201" in codes:
        from .dedupe import find_duplicates

        for group in find_duplicates(refs, macros):
            first = group.refs[0]
            for other in group.refs[1:]:
                path, line = where(other, None)
                fpath, fline = where(first, None)
                problems.append(Problem(path, line, 1, "B201",
                                        f"'{other.key}' duplicates '{first.key}' ({fpath}:{fline}): {group.reason}",
                                        CODES["B201"].severity))
    return problems


def format_problem(p: Problem) -> str:
    code = CODES.get(p.code)
    name = f" {code.name}:" if code else ""
    return f"{p.path}:{p.line}:{p.col}: {p.code}{name} {' '.join(p.message.split())}"


def problem_dict(p: Problem) -> dict:
    code = CODES.get(p.code)
    return {"path": p.path, "line": p.line, "col": p.col, "code": p.code,
            "name": code.name if code else "", "severity": p.severity, "message": " ".join(p.message.split())}
