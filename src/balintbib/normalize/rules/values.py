"""Rules for values with one right spelling: DOI, pages, months, ISSN, ISBN."""

from __future__ import annotations

import re

from ...model import Reference
from .. import identifiers as ids
from .base import RuleContext, _literal, rule

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
