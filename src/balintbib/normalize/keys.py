"""Citation keys from JabRef-style patterns, stable under re-runs.

A pattern is text with ``[marker:modifier...]`` fields, e.g. the default
``[auth:lower][year][veryshorttitle:lower]`` -> ``vanroy2015research``.

Markers: ``auth`` (family name of the first author, or editor; particles
joined, diacritics folded to ASCII; an organisation gives all its words,
``{American Balint Society}`` -> ``AmericanBalintSociety``),
``authors`` (every family name), ``authorsN`` (the first N, then ``EtAl``),
``authEtAl`` (first family name, then ``EtAl`` or the second one), ``year``,
``veryshorttitle`` (first title word that is not a, an, the, on, of), ``shorttitle`` (first
three), ``title`` (every word, capitalised), ``firstpage``, ``journal``
(initials), ``entrytype``.  Modifiers: ``lower``, ``upper``.

Stability: an entry whose key already fits its pattern (the generated key,
optionally followed by a/b/c... from an earlier clash) keeps it, so running
the normalizer twice renames nothing the second time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass

from ..config import ConfigError
from ..model import Reference
from .latexchars import decode_accents
from .rules import _AND, parse_one_name, split_name_list

_TOKEN = re.compile(r"\[([^\]]+)\]|([^\[]+)")
#: Words skipped when looking for the title's first significant word (JabRef skips
#: a, an, the; the society's key convention also skips on and of).
STOPWORDS = frozenset({"a", "an", "the", "on", "of"})
_FOLD = {"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l",
         "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH", "ð": "d", "ı": "i", "ȷ": "j"}
_COMMANDS = re.compile(r"\\[A-Za-z]+\s*|\\.|[{}$]")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")  # what `words` keeps


def plain(content: str) -> str:
    """Cheap content -> text for keys: accents decoded, commands and braces gone."""
    return _COMMANDS.sub("", decode_accents(content)) if ("\\" in content or "{" in content or "$" in content) else content


def ascii_fold(text: str) -> str:
    """``Mårtenson`` -> ``Martenson``; letters without a decomposition mapped by hand."""
    if text.isascii():
        return text
    text = "".join(_FOLD.get(c, c) for c in text)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [w for w in _NON_ALNUM.split(ascii_fold(text)) if w]


@lru_cache(maxsize=65536)
def family_key(name: str) -> str:
    """Particle + family name of one BibTeX name, as ASCII letters."""
    name = name.strip()
    if name.startswith("{") and name.endswith("}"):  # an organisation: every word
        return "".join(words(plain(name[1:-1])))
    if "," in name:
        return "".join(words(plain(name.split(",", 1)[0])))
    people = parse_one_name(name)
    if not people:
        return ""
    p = people[0]
    if p.literal:
        return "".join(words(plain(p.literal)))
    return "".join(words(plain(f"{p.particle} {p.family}")))


def first_name(value: str) -> str:
    """The first name of a name list (`split_name_list`'s first, without splitting the rest)."""
    return _AND.split(value.strip(), 1)[0] if "{" not in value else split_name_list(value)[0]


def _families(ref: Reference) -> list[str]:
    value = ref.fields.get("author") or ref.fields.get("editor") or ""
    if not value:
        return []
    names = split_name_list(value)
    return [family_key(n) for n in names if n.lower() != "others"] + (
        ["EtAl"] if names[-1].lower() == "others" else [])


_YEAR = re.compile(r"\d{4}")
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_:.+-]")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_SUFFIX = re.compile(r"[a-z]{1,2}")
_AUTHORS_N = re.compile(r"authors(\d+)")
_FIRST_PAGE = re.compile(r"\s*([A-Za-z]?\d+)")


def _year(ref: Reference) -> str:
    year = ref.fields.get("year", "")
    if len(year) == 4 and year.isdecimal():  # 2015 (most years): what the search below finds
        return year
    for name in ("year", "date"):
        m = _YEAR.search(ref.fields.get(name, ""))
        if m:
            return m.group()
    return ""


def _title_words(ref: Reference) -> list[str]:
    return words(plain(ref.fields.get("title", "")))


def _significant(ref: Reference) -> list[str]:
    return [w for w in _title_words(ref) if w.lower() not in STOPWORDS]


# -- the markers: one function of the reference each ---------------------------------------

def _auth(ref: Reference) -> str:
    value = ref.fields.get("author") or ref.fields.get("editor") or ""
    if not value:
        return ""
    first = first_name(value)
    return "EtAl" if first.lower() == "others" else family_key(first)


def _very_short_title(ref: Reference) -> str:
    """The first of `_significant`, without splitting the whole title."""
    for m in _ALNUM_RUN.finditer(ascii_fold(plain(ref.fields.get("title", "")))):
        word = m.group()
        if word.lower() not in STOPWORDS:
            return word
    return ""


def _authors_n(n: int):
    def marker(ref: Reference) -> str:
        fam = [f for f in _families(ref) if f != "EtAl"]
        return "".join(fam[:n]) + ("EtAl" if len(fam) > n else "")
    return marker


def _auth_et_al(ref: Reference) -> str:
    fam = [f for f in _families(ref) if f != "EtAl"]
    return fam[0] + ("EtAl" if len(fam) > 2 else fam[1] if len(fam) == 2 else "") if fam else ""


def _first_page(ref: Reference) -> str:
    m = _FIRST_PAGE.match(ref.fields.get("pages", ""))
    return m.group(1) if m else ""


_MARKERS = {
    "auth": _auth,
    "year": _year,
    "veryshorttitle": _very_short_title,
    "authors": lambda ref: "".join(_families(ref)),
    "authEtAl": _auth_et_al,
    "shorttitle": lambda ref: "".join(w.capitalize() for w in _significant(ref)[:3]),
    "title": lambda ref: "".join(w.capitalize() for w in _title_words(ref)),
    "firstpage": _first_page,
    "journal": lambda ref: "".join(w[0] for w in words(plain(ref.fields.get("journal", ""))) if w[0].isupper()),
    "entrytype": lambda ref: ref.type,
}


def _marker_function(name: str):
    if name in _MARKERS:
        return _MARKERS[name]
    m = _AUTHORS_N.fullmatch(name)
    if m:
        return _authors_n(int(m.group(1)))
    raise ConfigError(f"key pattern: unknown marker [{name}]")


def _marker(name: str, ref: Reference) -> str:
    """The value of one marker (``auth``, ``year``...) for `ref`."""
    return _marker_function(name)(ref)


_MODIFIERS = {"lower": str.lower, "upper": str.upper}


@dataclass(frozen=True)
class KeyPattern:
    pattern: str

    def __post_init__(self):
        parts = []
        for m in _TOKEN.finditer(self.pattern):
            if m.group(1):
                marker, *mods = m.group(1).split(":")
                for mod in mods:
                    if mod not in _MODIFIERS:
                        raise ConfigError(f"key pattern: unknown modifier ':{mod}' in [{m.group(1)}]")
                parts.append((_marker_function(marker), tuple(_MODIFIERS[mod] for mod in mods)))
            else:
                parts.append((None, m.group(2)))
        object.__setattr__(self, "_parts", tuple(parts))

    def base(self, ref: Reference) -> str:
        """The key the pattern gives, before any a/b/c suffix ('' when it gives nothing useful)."""
        out = []
        for marker, mods in self._parts:
            if marker is None:
                out.append(mods)
                continue
            value = marker(ref)
            for mod in mods:
                value = mod(value)
            out.append(value)
        key = "".join(out)
        if not (key.isascii() and key.isalnum()):  # (ASCII letters and digits are all kept)
            key = _KEY_CHARS.sub("", key)
        # a key made of the year alone, or nothing, says too little: keep the entry's own key
        return key if _HAS_LETTER.search(key) else ""


def fits(key: str, base: str) -> bool:
    if not key.startswith(base):
        return False
    rest = key[len(base):]
    return rest == "" or bool(_SUFFIX.fullmatch(rest))


def _suffixes():
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield ""
    yield from letters
    for a in letters:
        for b in letters:
            yield a + b


def assign_keys(refs: list[Reference], pattern: KeyPattern) -> dict[int, tuple[str, str]]:
    """Give every reference a key from the pattern; returns ``{index: (old, new)}`` of renames.

    Keys that already fit are kept; new keys avoid every kept key (case-insensitively),
    clashes get a, b, c... in file order.  References are changed in place.
    """
    bases = [pattern.base(r) for r in refs]
    taken: set[str] = set()
    rename: list[int] = []
    for i, (ref, base) in enumerate(zip(refs, bases)):
        low = ref.key.lower()
        if (not base and ref.key) or (base and fits(ref.key, base)):
            if low in taken and base:
                rename.append(i)  # a duplicated key: the later entry gets its own
            else:
                taken.add(low)
        else:
            rename.append(i)
    # A new key never takes an old key (or an ids alias) of another entry: a
    # \cite{Schmidt2007a} must not silently move to a different work.
    reserved: dict[str, int] = {}
    own: list[set[str]] = []
    for ref in refs:
        names = {ref.key.lower()} | {a.strip().lower() for a in ref.fields.get("ids", "").split(",") if a.strip()}
        own.append(names)
        for n in names:
            reserved[n] = reserved.get(n, 0) + 1
    renames: dict[int, tuple[str, str]] = {}
    for i in rename:
        ref, base = refs[i], bases[i] or "entry"
        for suffix in _suffixes():
            candidate = base + suffix
            low = candidate.lower()
            if low not in taken and reserved.get(low, 0) - (low in own[i]) == 0:
                break
        taken.add(candidate.lower())
        if candidate != ref.key:
            renames[i] = (ref.key, candidate)
            ref.key = candidate
    return renames
