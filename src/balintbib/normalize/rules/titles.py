"""The protect-titles rule (off by default): capitals a sentence-casing style would lower, braced."""

from __future__ import annotations

import re

from ...model import Reference
from .base import RuleContext, _literal, rule

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
