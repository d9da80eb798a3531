"""The normalizer's field rules: one small function each, in a registry by name.

A rule takes a `Reference` (fields as BibTeX content) and a `RuleContext`, and
changes fields in place.  Every rule is idempotent on its own, keeps the value
when it does not understand it, and never drops information: a value it
cannot improve stays exactly as written.  Rules run in registry order;
``NormalizeOptions`` switches each one on or off by name (the file-level
rules ``keys`` and ``sort`` live in `keys.py` and `engine.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ..latex import latex_to_text
from ..model import PERSON_FIELDS, Person, Reference, parse_names, format_name
from ..names import split_name
from . import identifiers as ids
from .latexchars import decode_accents, encode_accents
from .options import NormalizeOptions

#: Fields whose content is verbatim (paths, identifiers, URLs): never decoded,
#: re-encoded or whitespace-collapsed.
VERBATIM_FIELDS = frozenset({
    "url", "doi", "file", "pdf", "eprint", "ids", "crossref", "xref", "xdata", "related",
    "remote-ids", "verba", "verbb", "verbc", "mendeley-groups", "groups",
})
_DUPLICATE_NAME = re.compile(r"^(.+)-\d+$")


def is_verbatim(name: str) -> bool:
    """A verbatim field, or a renamed duplicate of one (``file-2``)."""
    known = _VERBATIM.get(name)
    if known is None:
        m = _DUPLICATE_NAME.match(name) if "-" in name else None
        known = name in VERBATIM_FIELDS or bool(m and m.group(1) in VERBATIM_FIELDS)
        if len(_VERBATIM) < 4096:  # field names repeat; a file of made-up names must not grow it forever
            _VERBATIM[name] = known
    return known


_VERBATIM: dict[str, bool] = {}


#: Fields holding separated lists; duplicated ones are merged as a union.
LIST_FIELDS = frozenset({"keywords", "tags", "mendeley-tags", "groups", "ids", "mendeley-groups"})


@dataclass
class NameFix:
    """A name rewritten so that BibTeX reads it differently (said out loud by normalize)."""

    key: str
    field: str
    old: str
    new: str
    why: str
    line: int = 0


@dataclass
class RuleContext:
    options: NormalizeOptions
    notes: list[str] = field(default_factory=list)  # what changed, for --verbose / the report
    name_fixes: list[NameFix] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    name: str
    summary: str
    func: Callable[[Reference, RuleContext], None]


RULES: dict[str, Rule] = {}


def rule(name: str, summary: str):
    def register(func):
        RULES[name] = Rule(name, summary, func)
        return func
    return register


def _literal(ref: Reference, name: str) -> str | None:
    """The field's content when it is a plain literal (not a macro expression)."""
    if name in ref.expressions:
        return None
    return ref.fields.get(name)


# -- whitespace ---------------------------------------------------------------------

_WS_RUN = re.compile(r"[ \t\r\n]+")
_PARAGRAPHS = re.compile(r"[ \t\r]*\n[ \t\r]*\n\s*")


def squash(content: str) -> str:
    """Runs of white space -> one space (as TeX reads them); blank lines kept as paragraph breaks."""
    if "\n" in content:
        return "\n\n".join(_WS_RUN.sub(" ", p) for p in _PARAGRAPHS.split(content.strip()))
    return _WS_RUN.sub(" ", content.strip())


def _no_white_space_to_fix(fields: dict[str, str]) -> bool:
    """True when no value has white space at an end, a run of it, or any but single
    spaces (the usual case, checked on all values at once): `fix_whitespace` changes nothing."""
    # A space at a value's end meets the separator ("  "); isprintable() is False for a
    # newline, tab, CR or any white space but the space.
    joined = " ".join(fields.values())
    return "  " not in joined and joined[:1] != " " and joined[-1:] != " " and joined.isprintable()


@rule("whitespace", "white space inside values collapsed (paragraph breaks kept); ends trimmed")
def fix_whitespace(ref: Reference, ctx: RuleContext) -> None:
    fields, exprs, verbatim = ref.fields, ref.expressions, _VERBATIM
    if _no_white_space_to_fix(fields):
        return
    for name, value in fields.items():
        if not value or name in exprs:
            continue
        if verbatim.get(name) or is_verbatim(name):
            stripped = value.strip()
            if stripped != value:
                fields[name] = stripped
            continue
        if value[0] == " " or value[-1] == " " or "  " in value or "\n" in value or "\t" in value or "\r" in value:
            if "%" in value and "\n" in value:
                # a bare % comments out the rest of the line in LaTeX: keep line breaks
                fields[name] = "\n".join(_WS_RUN.sub(" ", line.strip()) for line in value.strip().split("\n"))
            else:
                fields[name] = squash(value)


# -- DOI ------------------------------------------------------------------------------

@rule("doi", "DOIs without resolver prefixes; a DOI in url/note moved to doi; a url repeating the DOI dropped")
def fix_doi(ref: Reference, ctx: RuleContext) -> None:
    fields = ref.fields
    doi = _literal(ref, "doi")
    if doi is not None:
        cleaned = ids.clean_doi(doi)
        if cleaned != doi and cleaned:
            fields["doi"] = doi = cleaned
    url = _literal(ref, "url")
    if url:
        url_doi = ids.doi_of_url(url)
        if url_doi:
            if not doi:
                fields["doi"] = doi = url_doi
                del fields["url"]
                ctx.notes.append(f"moved the DOI from url to doi in '{ref.key}'")
            elif ids.doi_key(url_doi) == ids.doi_key(doi):
                del fields["url"]
                ctx.notes.append(f"dropped url repeating the DOI in '{ref.key}'")
    note = _literal(ref, "note")
    if note and not doi and ("10." in note):
        m = ids.DOI_IN_TEXT.search(note)
        if m:
            found = m.group(1).rstrip(".")
            fields["doi"] = found
            rest = (note[: m.start()] + note[m.end():]).strip(" .,;")
            if not rest or rest.lower() in ("doi", "doi:"):
                del fields["note"]
                ctx.notes.append(f"moved the DOI from note to doi in '{ref.key}'")
            else:
                ctx.notes.append(f"copied the DOI from note to doi in '{ref.key}'")


# -- pages, months, ISSN, ISBN --------------------------------------------------------

@rule("pages", "page ranges with -- (from -, en/em dashes); e123, roman numerals and lists kept right")
def fix_pages(ref: Reference, ctx: RuleContext) -> None:
    pages = _literal(ref, "pages")
    if pages:
        new = ids.format_pages(pages)
        if new != pages:
            ref.fields["pages"] = new


@rule("months", "months as three-letter macros: June, 6, {jun} -> jun")
def fix_month(ref: Reference, ctx: RuleContext) -> None:
    value = ref.fields.get("month")
    if value is None:
        return
    if "month" in ref.expressions:
        low = value.strip().lower()
        if low in ids.MONTHS and low != value:
            ref.fields["month"] = low
        return
    macro = ids.month_macro(value)
    if macro:
        ref.fields["month"] = macro
        ref.expressions.add("month")


@rule("issn", "ISSNs hyphenated as 1234-5678; a bad checksum is left as written (B104)")
def fix_issn(ref: Reference, ctx: RuleContext) -> None:
    issn = _literal(ref, "issn")
    if issn:
        new = _ISSN_FIXED.get(issn, "")
        if new == "":
            new = _fixed_issn(issn)
            if len(_ISSN_FIXED) < 4096:  # a library has few journals; a file of many must not grow it forever
                _ISSN_FIXED[issn] = new
        if new and new != issn:
            ref.fields["issn"] = new


def _fixed_issn(issn: str) -> str | None:
    """The value's ISSNs hyphenated (several joined by ", "), None when one is not an ISSN."""
    new = _checked_issn(issn)
    if new is None and ("," in issn or ";" in issn):
        parts = [_checked_issn(p) for p in re.split(r"[,;]", issn)]
        if all(parts):
            new = ", ".join(parts)
    return new


_ISSN_FIXED: dict[str, str | None] = {}


def _checked_issn(value: str) -> str | None:
    """The hyphenated ISSN, or None when it is not one or its check digit is wrong."""
    new = ids.format_issn(value)
    return new if new and ids.issn_checksum_ok(new) else None


@rule("isbn", "ISBNs as ISBN-13 (978-0-306-40615-7, or 9780306406157 when written without hyphens); a bad checksum is left as written (B105)")
def fix_isbn(ref: Reference, ctx: RuleContext) -> None:
    isbn = _literal(ref, "isbn")
    if isbn and ids.looks_like_one_isbn(isbn):
        digits = re.sub(r"^\s*ISBN(?:-1[03])?:?\s*", "", isbn, flags=re.I)
        new = ids.format_isbn(digits)
        if new and new != isbn:
            ref.fields["isbn"] = new


# -- names ------------------------------------------------------------------------------

_AND = re.compile(r"\s+and\s+", re.I)
_COMMA = re.compile(r"\s*,\s*")
_COMMA_NO_SPACE = re.compile(r",\S")


def split_name_list(value: str) -> list[str]:
    """Split a name list at ``and`` outside braces."""
    if "{" not in value:
        return _AND.split(value.strip())
    out, depth, start = [], 0, 0
    i, n = 0, len(value)
    while i < n:
        c = value[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and c in " \t\n":
            m = _AND.match(value, i)
            if m:
                out.append(value[start:i])
                start = i = m.end()
                continue
        i += 1
    out.append(value[start:])
    return [p.strip() for p in out]


def _has_top_level_comma(name: str) -> bool:
    if "{" not in name:
        return "," in name
    depth = 0
    for c in name:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "," and depth == 0:
            return True
    return False


_INITIALS = re.compile(r"[A-Z]{1,3}")
_CAPITALISED = re.compile(r"[^\W\d_][^\W\d_'-]*(?:[-'][^\W\d_]+)*$")
def looks_like_initials_last(words: list[str]) -> bool:
    """``Smith JA``: a name whose last word is one to three capitals."""
    return len(words) >= 2 and bool(_INITIALS.fullmatch(words[-1])) and all(
        _CAPITALISED.match(w) for w in words[:-1])


#: Name suffixes written after the family name ("Donald E. Nease Jr.").
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "jun", "sen"})
#: Capitalised particles that are part of a Flemish/Dutch/Romance family name
#: when written without a comma ("Kaatje Van Roy" -> "Van Roy, Kaatje").
CAPITALISED_PARTICLES = frozenset({
    "Van", "Von", "De", "Der", "Den", "Du", "Da", "Di", "Del", "Della", "Dos", "Das",
    "Le", "La", "Ter", "Ten", "Vander", "Vanden", "Op", "'t",
})


def normalize_name(name: str, fixes: bool = True) -> str:
    """One name as ``von Last, Jr, First``; names BibTeX already reads that way keep their spelling."""
    return rewrite_name(name, fixes)[0]


#: Why a name is rewritten in a way BibTeX reads differently (`rewrite_name`).
PARTICLE_FIX = "a capitalised particle joins the family name"
SUFFIX_FIX = "a trailing suffix becomes the Jr part"


def rewrite_name(name: str, fixes: bool = True) -> tuple[str, str | None]:
    """`normalize_name` and why, when the new spelling makes BibTeX read the name
    differently (`PARTICLE_FIX`, `SUFFIX_FIX`; None for a plain reordering that
    BibTeX reads the same).  With ``fixes=False`` such names stay exactly as written."""
    name = _WS_RUN.sub(" ", name.strip())
    if not name or name.lower() == "others":
        return (name.lower() if name.lower() == "others" else name), None
    if _has_top_level_comma(name):
        if "{" not in name and ("," in name) and (" ," in name or _COMMA_NO_SPACE.search(name)):
            name = _COMMA.sub(", ", name).rstrip(" ")
        return name, None
    words = name.split(" ")
    if looks_like_initials_last(words):
        # "Smith JA" (PubMed style) or "Wei LI"? BibTeX reads the last word as the family
        # name; rewriting would lock that reading in. Left as written; `check` reports it (B109).
        return name, None
    suffix = ""
    if len(words) > 2 and words[-1].rstrip(".").lower() in SUFFIXES:
        suffix = words.pop()
    people = parse_one_name(" ".join(words))
    if len(people) != 1 or people[0].literal:
        return name, None
    person = people[0]
    if suffix and person.suffix:
        return name, None
    why = SUFFIX_FIX if suffix else None
    given, family = person.given.split(" "), person.family
    if not person.particle and "{" not in person.given and len(given) > 1:
        # "Kaatje Van Roy": a capitalised particle belongs to the family name
        k = len(given)
        while k > 1 and given[k - 1] in CAPITALISED_PARTICLES:
            k -= 1
        if k < len(given):
            family = " ".join(given[k:] + [family])
            given = given[:k]
            why = PARTICLE_FIX if why is None else f"{PARTICLE_FIX}; {SUFFIX_FIX}"
    person = Person(family=family, given=" ".join(given), particle=person.particle,
                    suffix=suffix or person.suffix)
    new = format_name(person)
    if parse_one_name(new) != [person]:  # would read differently: keep it as written
        return name, None
    if why and not fixes:  # a name BibTeX would read differently: kept exactly as written
        return name, None
    return new, why


_TOKEN_SEPS = re.compile(r"[\s~-]+")


def _capitalised_words(words: list[str]) -> bool:
    """Every BibTeX token (words split at hyphens and ties too) starts with a capital."""
    return all(t[0].isupper() for w in words for t in _TOKEN_SEPS.split(w) if t)


def parse_one_name(name: str) -> list[Person]:
    """One name as BibTeX reads it; the common shapes without braces, commands or
    lower-case words ("Donald E. Knuth", "Knuth, Donald E.") are read here directly
    (same result as the general parser, much faster), the rest by `parse_names`."""
    if "{" not in name and "\\" not in name and "~" not in name:
        if "," in name:
            last, _, first = name.partition(",")
            if "," not in first:
                lw, fw = last.split(), first.split()
                if lw and _capitalised_words(lw):
                    return [Person(family=" ".join(lw), given=" ".join(fw))]
        else:
            w = name.split()
            if len(w) > 1 and _capitalised_words(w):
                return [Person(family=w[-1], given=" ".join(w[:-1]))]
    return parse_names(name)


def _canonical_names(value: str) -> bool:
    """True when every name is already ``Family, Given`` as `rewrite_name` writes it (one
    space after each comma, none before, single spaces, `` and `` between names, no
    braces): then `fix_names` would change nothing, and the names need not be parsed."""
    if ("{" in value or "  " in value or " ," in value or "\t" in value or "\n" in value or "\r" in value
            or value.count(",") != value.count(", ") or value != value.strip()):
        return False
    names = _AND.split(value)
    return all("," in n for n in names) and " and ".join(names) == value


@rule("names", "names as 'Family, Given and ...' (particles, Jr. and {Organisations} kept right)")
def fix_names(ref: Reference, ctx: RuleContext) -> None:
    fields = ref.fields
    fixes = ctx.options.name_fixes
    for role in PERSON_FIELDS:
        value = fields.get(role)
        if not value or role in ref.expressions or _canonical_names(value):
            continue
        out = []
        for p in split_name_list(value):
            new, why = rewrite_name(p, fixes)
            out.append(new)
            if why:
                ctx.name_fixes.append(NameFix(ref.key, role, p, new, why))
        new = " and ".join(out)
        if new != value:
            fields[role] = new


# -- Unicode ------------------------------------------------------------------------------

@rule("unicode", "one character policy: utf8 decodes accent escapes (M{\\aa}rtenson -> Mårtenson), latex encodes them")
def fix_unicode(ref: Reference, ctx: RuleContext) -> None:
    policy = ctx.options.unicode
    fields, exprs, verbatim = ref.fields, ref.expressions, _VERBATIM
    for name, value in fields.items():
        if (policy == "utf8" and "\\" not in value) or (policy == "latex" and value.isascii()):
            continue  # nothing to decode or encode (what `decode_accents`/`encode_accents` would say)
        if name in exprs or verbatim.get(name) or is_verbatim(name):
            continue
        is_names = name in PERSON_FIELDS
        new = decode_accents(value, names=is_names) if policy == "utf8" else encode_accents(value)
        if new is value or new == value:
            continue
        if reads_as(name, new) != reads_as(name, value):  # a spelling change only, never a new text
            ctx.notes.append(f"kept '{name}' of '{ref.key}' as written: its accents cannot be "
                             f"{'decoded' if policy == 'utf8' else 'encoded'} without changing its text")
            continue
        fields[name] = new


def reads_as(name: str, content: str):
    """What a value means: its text, and for a name list each name's parts as
    BibTeX splits them (every word decoded on its own)."""
    if name not in PERSON_FIELDS:
        return latex_to_text(content)
    out = []
    for one in split_name_list(content):
        parts = split_name(one)
        out.append(tuple(tuple(latex_to_text(t) for t in getattr(parts, k))
                         for k in ("first", "von", "last", "jr")))
    return out


# -- titles -----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\s{}]+")
#: A word a style's sentence-casing would break: two capitals or more (HIV, mRNA,
#: COVID-19, McMaster), or a capital after a lowercase letter (iPhone).
_NEEDS_PROTECTION = re.compile(r"^[^A-Za-z]*(?:[A-Za-z]*[A-Z][A-Za-z]*[A-Z]|[a-z]+[A-Z])")


#: Short function words that stay lower case even in Title Case.
_FUNCTION_WORDS = frozenset("""
with from into over upon than that this these those about after under among between through
without within versus their there where which while when what
""".split())
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")


def _title_words(title: str):
    """Words outside braces, math and commands: ``(start, end, word, at_sentence_start)``."""
    depth = 0
    i, n = 0, len(title)
    sentence_start = True
    while i < n:
        c = title[i]
        if c == "{":
            if depth == 0:
                j = i
            depth += 1
            i += 1
            continue
        if c == "}":
            depth -= 1
            i += 1
            if depth == 0:
                sentence_start = False
            continue
        if c == "\\":
            m = _COMMAND.match(title, i)
            i = m.end() if m else i + 1
        elif c == "$":
            j = title.find("$", i + 1)
            i = n if j < 0 else j + 1
            sentence_start = False
        elif depth == 0 and not c.isspace():
            m = _WORD.match(title, i)
            word, end = m.group(), m.end()
            if "\\" in word or "$" in word:
                cut = min(p for p in (word.find("\\"), word.find("$")) if p >= 0)
                word, end = word[:cut], i + cut
            core = word.rstrip(".,;:!?)\"'")
            lead = len(core) - len(core.lstrip("(\"'"))
            if core[lead:]:
                yield i + lead, i + len(core), core[lead:], sentence_start
            # BibTeX keeps a capital only at the start and after a colon
            sentence_start = word.endswith(":") if word else sentence_start
            i = max(end, i + 1)
        else:
            i += 1


def unprotected_capitals(title: str) -> list[tuple[int, int]]:
    """Spans of words outside braces whose capitals a sentence-casing style would lower:
    acronyms and inner capitals (HIV, COVID-19, mRNA, McMaster) always; in a title
    written in sentence case, also the capitalised words that are not the first of a
    sentence -- proper nouns (Balint, Sweden)."""
    words = list(_title_words(title))
    spans = []
    capitalised, lower = [], 0
    for start, end, word, at_start in words:
        if _NEEDS_PROTECTION.match(word):
            spans.append((start, end))
        elif not at_start and word[0].isalpha():
            if word[0].isupper():
                capitalised.append((start, end))
            elif len(word) >= 4 and word.lower() not in _FUNCTION_WORDS and word[0].islower():
                lower += 1
    if lower and lower >= len(capitalised):  # sentence case: capitals mark proper nouns
        spans.extend(capitalised)
    return sorted(spans)


def protect(title: str) -> str:
    out = title
    for start, end in reversed(unprotected_capitals(title)):
        out = out[:start] + "{" + out[start:end] + "}" + out[end:]
    return out


@rule("protect-titles", "acronyms and words with inner capitals in titles wrapped in braces (HIV -> {HIV}); off by default")
def fix_titles(ref: Reference, ctx: RuleContext) -> None:
    for name in ("title", "booktitle", "subtitle", "shorttitle"):
        value = _literal(ref, name)
        if value:
            new = protect(value)
            if new != value:
                ref.fields[name] = new


#: The order rules run in (accents are decoded before names are parsed).
ORDER = ("whitespace", "doi", "pages", "months", "issn", "isbn", "unicode", "names", "protect-titles")


def apply_rules(ref: Reference, ctx: RuleContext) -> None:
    funcs = ctx.__dict__.get("_funcs")
    if funcs is None:
        funcs = ctx._funcs = [RULES[n].func for n in ORDER if n == "whitespace" or ctx.options.enabled(n)]
    for func in funcs:
        func(ref, ctx)
