"""DOI, ISSN, ISBN, page ranges and months: parse, validate, spell canonically.

Pure functions over plain strings, shared by the normalizer's rules, the lint
codes and duplicate detection.
"""

from __future__ import annotations

import re

# -- DOI ----------------------------------------------------------------------

#: Resolver prefixes stripped from a DOI (case-insensitive).
_DOI_PREFIX = re.compile(
    r"^\s*(?:(?:https?://)?(?:dx\.|www\.)?doi\.org/|doi\s*:\s*|info:doi/|urn:doi:)", re.I)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
#: A DOI somewhere in free text (a note, a URL).
DOI_IN_TEXT = re.compile(
    r"(?:(?:https?://)?(?:dx\.|www\.)?doi\.org/|\bdoi\s*:?\s*)?(10\.\d{4,9}/[^\s,;{}\"]+)", re.I)
_DOI_URL = re.compile(r"^\s*(?:https?://)?(?:dx\.|www\.)?doi\.org/(10\.\d{4,9}/\S+?)\s*$", re.I)


def clean_doi(value: str) -> str:
    """``https://doi.org/10.1/x`` -> ``10.1/x`` (whitespace and resolver prefixes gone)."""
    if value[:3] == "10.":  # no prefix can start so (the common case)
        return value.strip()
    value = value.strip()
    while True:
        stripped = _DOI_PREFIX.sub("", value, count=1)
        if stripped == value:
            return value
        value = stripped.strip()


def is_valid_doi(value: str) -> bool:
    return bool(_DOI.match(value))


def doi_key(value: str) -> str:
    """A DOI for comparison: prefix-free, ``\\_`` unescaped, lower case (DOIs ignore case)."""
    return clean_doi(value).replace("\\_", "_").lower()


def doi_of_url(url: str) -> str | None:
    """The DOI when ``url`` is only a resolver link (``https://doi.org/10...``)."""
    m = _DOI_URL.match(url)
    return m.group(1) if m else None


# -- ISSN -----------------------------------------------------------------------

_ISSN = re.compile(r"^\s*(\d{4})[\s-]?(\d{3}[\dXx])\s*$")
ISSN_IN_TEXT = re.compile(r"\b\d{4}[\s-]?\d{3}[\dXx]\b")


_ISSN_DIGITS = re.compile(r"\d{7}[\dX]")


def issn_checksum_ok(issn: str) -> bool:
    digits = issn.replace("-", "").upper()
    if not _ISSN_DIGITS.fullmatch(digits):
        return False
    d = [int(c) for c in digits[:7]]
    total = 8 * d[0] + 7 * d[1] + 6 * d[2] + 5 * d[3] + 4 * d[4] + 3 * d[5] + 2 * d[6]
    check = (11 - total % 11) % 11
    return digits[7] == ("X" if check == 10 else str(check))


def format_issn(value: str) -> str | None:
    """``12345678`` / ``1234 5678`` -> ``1234-5678``; None when it is not one ISSN."""
    m = _ISSN.match(value)
    return f"{m.group(1)}-{m.group(2).upper()}" if m else None


# -- ISBN -----------------------------------------------------------------------

_ISBN_CHARS = re.compile(r"[\s-]")
ISBN_IN_TEXT = re.compile(r"(?:97[89][\s-]?)?\d[\d\s-]{7,15}[\dXx]\b")


def _isbn_digits(value: str) -> str:
    return _ISBN_CHARS.sub("", value.strip()).upper()


def isbn10_ok(d: str) -> bool:
    if not re.fullmatch(r"\d{9}[\dX]", d):
        return False
    total = sum((10 if c == "X" else int(c)) * w for c, w in zip(d, range(10, 0, -1)))
    return total % 11 == 0


def isbn13_ok(d: str) -> bool:
    if not re.fullmatch(r"\d{13}", d):
        return False
    return sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(d)) % 10 == 0


def isbn_ok(value: str) -> bool:
    d = _isbn_digits(value)
    return isbn13_ok(d) if len(d) == 13 else isbn10_ok(d)


def isbn13(value: str) -> str | None:
    """One valid ISBN (10 or 13, any hyphenation) as compact ISBN-13; else None."""
    d = _isbn_digits(value)
    if len(d) == 13 and isbn13_ok(d):
        return d
    if len(d) == 10 and isbn10_ok(d):
        body = "978" + d[:9]
        check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body)) % 10) % 10
        return body + str(check)
    return None


def format_isbn(value: str) -> str | None:
    """One valid ISBN as ISBN-13: hyphenated when it was written hyphenated (an
    ISBN-10's groups carry over under ``978-``), compact otherwise; None when it
    is not one valid ISBN."""
    value = value.strip()
    compact = isbn13(value)
    if compact is None:
        return None
    groups = [g for g in re.split(r"[\s-]+", value) if g]
    if len(groups) == 5 and "".join(groups).upper() == compact:
        return "-".join(groups)
    if len(groups) == 4 and len("".join(groups)) == 10:
        return "978-" + "-".join(groups[:3]) + "-" + compact[-1]
    return compact


def looks_like_one_isbn(value: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:ISBN(?:-1[03])?:?\s*)?[\d\s-]{9,17}[\dXx]\s*", value, re.I))


# -- pages ----------------------------------------------------------------------

_PAGE = r"(?:[A-Za-z]{0,3}\d+[A-Za-z]?|[ivxlcdm]+|[IVXLCDM]+)"
_RANGE = re.compile(r"^\s*(" + _PAGE + r")\s*(?:-{1,3}|[\u2010\u2011\u2012\u2013\u2014\u2212]|\\text(?:en|em)dash(?:\{\})?\s*)\s*(" + _PAGE + r")\s*$")
_SINGLE = re.compile(r"^\s*" + _PAGE + r"\s*$")


def format_pages(value: str) -> str:
    """``12-15``, ``12–15``, ``12 --- 15`` -> ``12--15``; lists item by item; the rest kept."""
    first, _, last = value.partition("-")
    if first.isdecimal() and (last.isdecimal() or (last[:1] == "-" and last[1:].isdecimal())):
        return f"{first}--{last.lstrip('-')}"  # 12-15 or 12--15 (most ranges): what the rule below gives
    items = value.split(",")
    out = []
    for item in items:
        m = _RANGE.match(item)
        if m:
            out.append(f"{m.group(1)}--{m.group(2)}")
        elif _SINGLE.match(item):
            out.append(item.strip())
        else:
            return value  # not a page list we understand: leave it exactly as written
    return ", ".join(out)


# -- months -----------------------------------------------------------------------

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = {
    **{m: m for m in MONTHS},
    "january": "jan", "february": "feb", "march": "mar", "april": "apr", "june": "jun",
    "july": "jul", "august": "aug", "september": "sep", "sept": "sep", "october": "oct",
    "november": "nov", "december": "dec",
    **{str(i): m for i, m in enumerate(MONTHS, 1)},
    **{f"{i:02d}": m for i, m in enumerate(MONTHS, 1)},
}


def month_macro(value: str) -> str | None:
    """``June``, ``jun.``, ``6``, ``06``, ``{jun}`` -> ``jun``; None when not one month."""
    v = value.strip().strip("{}").strip().rstrip(".").lower()
    return _MONTH_NAMES.get(v)
