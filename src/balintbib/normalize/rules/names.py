"""The names rule: name lists as ``Family, Given and ...``, and the name parsing it rests on."""

from __future__ import annotations

import re

from ...model import PERSON_FIELDS, Person, Reference, format_name, parse_names
from .base import NameFix, RuleContext, rule
from .whitespace import _WS_RUN

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
    names = _split_spaced(value)
    return all("," in n for n in names) and " and ".join(names) == value


def _split_spaced(value: str) -> list[str]:
    """``_AND.split(value)`` for a value without runs of white space, tabs or line breaks.

    Printable text has no white space but spaces, so there ``_AND`` finds `` and `` in any
    case (no letter but A, N, D lowers to a, n, d); when the lower-case ones are all of them
    (counted: a count finds every one when none overlaps another, as the two in
    `` and and `` do), `str.split` finds the same."""
    if value.isprintable():
        low = value.lower()
        if " and and " not in low and low.count(" and ") == value.count(" and "):
            return value.split(" and ")
    return _AND.split(value)


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
