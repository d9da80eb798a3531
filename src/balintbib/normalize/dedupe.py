"""Duplicate references: find them, and merge them without dropping a value.

Two references are the same work when they share a normalized DOI or a PMID,
or when their titles match closely (rapidfuzz ratio >= 93 on folded text) and
nothing contradicts it: year, volume, number, first page, first author and
identifiers must agree wherever both entries have them.  The guards are what
keeps recurring column titles apart ("Editorial", "Letters to the editor", a
TUGboat "Hints & Tricks" every issue): those differ in year, volume or pages.
A title of fewer than four words needs a matching first page or first author
as well.

`merge` keeps the first reference of a group and adds every other value to
it: a field it lacks is copied, a list field (keywords) gets the union, a
different value is kept as ``name-2``; the removed keys go to ``ids``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..model import Reference, resolve_expression, split_list
from . import identifiers as ids
from .keys import ascii_fold, family_key, first_name, plain
from .latexchars import decode_accents
from .rules import LIST_FIELDS, squash

TITLE_CUTOFF = 93
#: Entries sharing an identifier must still have titles this alike (token_sort_ratio).
IDENT_TITLE_CUTOFF = 60


@dataclass
class Group:
    refs: list[Reference]
    reason: str


_TITLE_WORD = re.compile(r"[a-z0-9]+")
_FIRST_PAGE = re.compile(r"\s*([A-Za-z]*\d+)")
_NON_WORD = re.compile(r"\W+")
_YEAR = re.compile(r"\d{4}")
_NON_DIGIT = re.compile(r"\D")
_DIGITS = re.compile(r"\d+")


def _norm_title(ref: Reference, macros: dict[str, str]) -> str:
    title = ref.fields.get("title", "")
    if "title" in ref.expressions:
        title = resolve_expression(title, macros)
    return _title_words(ascii_fold(plain(title)))


#: Every byte but a-z and 0-9 as a space (`_title_words` of ASCII text).
_BYTE_TO_SPACE = bytes(c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256))


def _title_words(text: str) -> str:
    """The words ``[a-z0-9]+`` of the lower-cased text, joined by single spaces (what titles
    are compared by; `text` already plain and folded to ASCII)."""
    low = text.lower()
    if low.isascii():  # (nearly always) the same words, split at C speed
        return b" ".join(low.encode("ascii").translate(_BYTE_TO_SPACE).split()).decode("ascii")
    return " ".join(_TITLE_WORD.findall(low))


def _first_page(ref: Reference) -> str:
    m = _FIRST_PAGE.match(ref.fields.get("pages", ""))
    return m.group(1).lower() if m else ""


def _first_author(ref: Reference) -> str:
    value = ref.fields.get("author") or ref.fields.get("editor") or ""
    if not value:
        return ""
    return family_key(first_name(value)).lower()


def _simple(ref: Reference, name: str) -> str:
    value = ref.fields.get(name, "")
    if not value or (value.isalnum() and value.isascii()):  # none, 12, 4B: nothing to fold or drop
        return value.lower()
    return _NON_WORD.sub("", ascii_fold(plain(value)).lower())


def _year(ref: Reference) -> str:
    m = _YEAR.search(ref.fields.get("year", "") or ref.fields.get("date", ""))
    return m.group() if m else ""


def _pmid(ref: Reference) -> str:
    value = ref.fields.get("pmid", "")
    return value if value.isdigit() and value.isascii() else _NON_DIGIT.sub("", value)


class _UnionFind:
    def __init__(self, n):
        self.parent = list(range(n))
        self.reason: dict[int, str] = {}

    def find(self, i):
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a, b, reason):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = min(ra, rb), max(ra, rb)
            self.parent[hi] = lo
            self.reason.setdefault(lo, reason)


def _compatible(a: dict, b: dict, matched_on: str = "") -> bool:
    """Nothing the two entries both have contradicts their being one work."""
    for k in ("year", "volume", "number", "page", "author", "doi", "pmid", "digits"):
        if a[k] and b[k] and a[k] != b[k]:
            return False
    if matched_on:
        return True
    if a["words"] < 4:
        return bool((a["page"] and a["page"] == b["page"]) or (a["author"] and a["author"] == b["author"]))
    return True


def find_duplicates(refs: list[Reference], macros: dict[str, str] | None = None) -> list[Group]:
    """Groups of references that are one work, in library order (first = the one to keep)."""
    from rapidfuzz import fuzz, process  # C extension: loaded only when duplicates are searched

    macros = macros or {}
    uf = _UnionFind(len(refs))
    info = []
    for ref in refs:
        title = _norm_title(ref, macros)
        info.append({
            "title": title, "words": len(title.split()), "year": _year(ref),
            "volume": _simple(ref, "volume"), "number": _simple(ref, "number"), "page": _first_page(ref),
            "author": _first_author(ref) if title else "", "digits": " ".join(_DIGITS.findall(title)),
            "doi": ids.doi_key(ref.fields["doi"]) if ref.fields.get("doi") else "", "pmid": _pmid(ref),
        })
    # Same DOI or PMID -- unless the titles say otherwise (a book's DOI on each of its
    # chapters, a PMID pasted into the wrong entry).
    for ident, label in (("doi", "DOI"), ("pmid", "PMID")):
        seen: dict[str, list[int]] = defaultdict(list)
        for i, d in enumerate(info):
            value = d[ident]
            if not value:
                continue
            for j in seen[value]:
                a, b = info[j]["title"], d["title"]
                if _compatible(info[j], d, ident) and (
                        not a or not b or fuzz.token_sort_ratio(a, b) >= IDENT_TITLE_CUTOFF):
                    uf.union(j, i, f"same {label} {value}")
                    break
            seen[value].append(i)
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(info):
        if d["title"]:
            buckets[d["year"]].append(i)
    for members in buckets.values():
        if len(members) < 2:
            continue
        titles = [info[i]["title"] for i in members]
        for r in range(len(members) - 1):
            matches = process.extract(titles[r], titles[r + 1:], scorer=fuzz.ratio,
                                      score_cutoff=TITLE_CUTOFF, limit=None)
            for _, _, c in matches:
                a, b = members[r], members[r + 1 + c]
                if _compatible(info[a], info[b]):
                    same = "same title" if info[a]["title"] == info[b]["title"] else "nearly the same title"
                    uf.union(a, b, f"{same}, year, volume and pages agree")
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(refs)):
        groups[uf.find(i)].append(i)
    out = []
    for root, members in sorted(groups.items()):
        if len(members) > 1:
            out.append(Group([refs[i] for i in members], uf.reason.get(root, "duplicates")))
    return out


# -- merging -------------------------------------------------------------------------------


def _comparable(name: str, value: str) -> str:
    v = squash(decode_accents(value))
    if name == "doi":
        return ids.doi_key(v)
    if name == "pages":
        return ids.format_pages(v)
    if name == "month":
        return ids.month_macro(v) or v.lower()
    if name == "isbn":
        return ids.isbn13(v) or v
    # the same text spelled differently (accents, white space) is one value; a
    # different case or case protection is not: "albert, Edwin" (a von part) is
    # not "Albert, Edwin", "{HIV}" not "HIV"
    return v


@dataclass
class MergeResult:
    kept: Reference
    removed: list[Reference]
    conflicts: list[str] = field(default_factory=list)  # "title: kept 'x' as title-2"


def merge(group: list[Reference]) -> MergeResult:
    """Merge a group into its first reference (changed in place); nothing is dropped."""
    kept, others = group[0], group[1:]
    result = MergeResult(kept, list(others))
    for other in others:
        for name, value in other.fields.items():
            if name == "ids":
                continue
            if name not in kept.fields:
                kept.fields[name] = value
                if name in other.expressions:
                    kept.expressions.add(name)
                continue
            mine = kept.fields[name]
            if _comparable(name, mine) == _comparable(name, value):
                continue
            if name in LIST_FIELDS:
                have = {x.casefold() for x in split_list(mine)}
                extra = [x for x in split_list(value) if x.casefold() not in have]
                if extra:
                    kept.fields[name] = ", ".join(split_list(mine) + extra)
                continue
            existing = [kept.fields[n] for n in kept.fields if n == name or re.fullmatch(re.escape(name) + r"-\d+", n)]
            if any(_comparable(name, e) == _comparable(name, value) for e in existing):
                continue
            n = 2
            while f"{name}-{n}" in kept.fields:
                n += 1
            kept.fields[f"{name}-{n}"] = value
            if name in other.expressions:
                kept.expressions.add(f"{name}-{n}")
            result.conflicts.append(f"{name}: '{other.key}' has a different value, kept as {name}-{n} in '{kept.key}'")
        aliases = [k.strip() for k in kept.fields.get("ids", "").split(",") if k.strip()]
        for alias in [other.key] + [k.strip() for k in other.fields.get("ids", "").split(",") if k.strip()]:
            if alias and alias != kept.key and alias not in aliases:
                aliases.append(alias)
        if aliases:
            kept.fields["ids"] = ", ".join(aliases)
    return result


# -- matching new references against a library (import, add) ------------------------------


def _key_info(ref: Reference, macros: dict[str, str]) -> dict:
    """What the Matcher indexes: normalized title, year, first author, DOI, PMID
    (`_norm_title`, `_year`, `_first_author`, `ids.doi_key`, `_pmid` in one function, with
    their common cases inline: it runs for every entry of the library and every new one)."""
    fields = ref.fields
    get = fields.get
    title = get("title", "")
    if "title" in ref.expressions:
        title = resolve_expression(title, macros)
    if "\\" in title or "{" in title or "$" in title:
        title = plain(title)
    if not title.isascii():
        title = ascii_fold(title)
    title = _title_words(title)
    year = get("year") or get("date") or ""
    if not (len(year) == 4 and year.isascii() and year.isdigit()):
        m = _YEAR.search(year)
        year = m.group() if m else ""
    author = ""
    if title:
        first = get("author") or get("editor") or ""
        if first:
            author = family_key(first_name(first)).lower()
    doi = get("doi")
    pmid = get("pmid", "")
    return {"title": title, "year": year, "author": author, "doi": ids.doi_key(doi) if doi else "",
            "pmid": pmid if pmid.isdigit() and pmid.isascii() else _NON_DIGIT.sub("", pmid)}


def _complete(d: dict, ref: Reference) -> dict:
    """`_key_info` completed with what `_compatible` also compares (computed once, when needed)."""
    if "words" not in d:
        title = d["title"]
        d["words"] = len(title.split())
        d["volume"] = _simple(ref, "volume")
        d["number"] = _simple(ref, "number")
        d["page"] = _first_page(ref)
        d["digits"] = " ".join(_DIGITS.findall(title))
    return d


def _match_info(ref: Reference, macros: dict[str, str]) -> dict:
    return _complete(_key_info(ref, macros), ref)


class Matcher:
    """Finds, for a new reference, the library entries it duplicates, by the rule of
    `find_duplicates` (same DOI or PMID unless the titles disagree; else the title rule).

    Indexed once: DOI, PMID, and titles in blocks of (year, first author).  The title
    rule needs equal first authors whenever both entries name one (`_compatible`), so a
    reference with a first author is compared only with its own block and the year's
    entries without an author; one without an author with the whole year.  An entry of
    the same title is among those (ratio 100), and wins over the nearly same ones.
    Matching n references against m entries costs about n times a block's size.
    What only `_compatible` needs (volume, number, pages...) is computed for the
    candidates alone.
    """

    def __init__(self, refs: list[Reference], macros: dict[str, str] | None = None):
        from rapidfuzz import fuzz, process  # C extension: loaded only when duplicates are searched

        self._fuzz, self._process = fuzz, process
        self.macros = macros or {}
        self.refs: list[Reference] = list(refs)
        self.info: list[dict] = [_key_info(ref, self.macros) for ref in self.refs]
        self.by_doi: dict[str, list[int]] = defaultdict(list)
        self.by_pmid: dict[str, list[int]] = defaultdict(list)
        #: (year, first author) -> (entries, their titles); (year, None): the whole year
        self.blocks: dict[tuple[str, str | None], tuple[list[int], list[str]]] = {}
        self.last_info: dict | None = None
        self._index(0)

    def add(self, ref: Reference, info: dict | None = None) -> None:
        """Index `ref` (`info`: what `match` computed for it, to save computing it again)."""
        self.refs.append(ref)
        self.info.append(info if info is not None else _key_info(ref, self.macros))
        self._index(len(self.info) - 1)

    def _index(self, start: int) -> None:
        """Index the entries from `start` on."""
        by_doi, by_pmid, blocks = self.by_doi, self.by_pmid, self.blocks
        for i in range(start, len(self.info)):
            d = self.info[i]
            if d["doi"]:
                by_doi[d["doi"]].append(i)
            if d["pmid"]:
                by_pmid[d["pmid"]].append(i)
            title = d["title"]
            if title:
                year = d["year"]
                for block in ((year, d["author"]), (year, None)):
                    members = blocks.get(block)
                    if members is None:
                        members = blocks[block] = ([], [])
                    members[0].append(i)
                    members[1].append(title)

    def _fits(self, j: int, d: dict, ref: Reference, matched_on: str = "") -> bool:
        return _compatible(_complete(self.info[j], self.refs[j]), _complete(d, ref), matched_on)

    def _same_ident(self, ref: Reference, d: dict, ident: str, index: dict[str, list[int]]) -> list[int]:
        """The entries of the same DOI or PMID whose titles (if both have one) agree."""
        ratio, title, info = self._fuzz.token_sort_ratio, d["title"], self.info
        return [j for j in index[d[ident]] if self._fits(j, d, ref, ident) and (
            not info[j]["title"] or not title or ratio(info[j]["title"], title) >= IDENT_TITLE_CUTOFF)]

    def match(self, ref: Reference) -> tuple[list[Reference], str]:
        """The entries `ref` is the same work as (first the best), and why; ``([], "")`` if none.

        `last_info` keeps what was computed about `ref`, for `add`."""
        d = self.last_info = _key_info(ref, self.macros)
        refs = self.refs
        doi, pmid, title = d["doi"], d["pmid"], d["title"]
        # (`in` leaves the defaultdicts as they are; "" is never in them)
        if doi in self.by_doi and (hits := self._same_ident(ref, d, "doi", self.by_doi)):
            return [refs[j] for j in hits], f"same DOI {doi}"
        if pmid in self.by_pmid and (hits := self._same_ident(ref, d, "pmid", self.by_pmid)):
            return [refs[j] for j in hits], f"same PMID {pmid}"
        if not title:
            return [], ""
        year, author = d["year"], d["author"]
        same: list[int] = []
        near: list[int] = []
        extract, ratio = self._process.extract, self._fuzz.ratio
        for block in ((year, author), (year, "")) if author else ((year, None),):
            members = self.blocks.get(block)
            if members is None:
                continue
            for found, _, c in extract(title, members[1], scorer=ratio, score_cutoff=TITLE_CUTOFF, limit=None):
                j = members[0][c]
                if self._fits(j, d, ref):
                    (same if found == title else near).append(j)
        if same:
            return [refs[j] for j in sorted(same)], "same title, year, volume and pages agree"
        if near:
            return [refs[j] for j in sorted(near)], "nearly the same title, year, volume and pages agree"
        return [], ""
