"""Citations as people write them: ``KEY@LOCATOR`` on the command line and
pandoc's citation syntax in Markdown (``[see @key, p. 12; -@other]``,
``@key`` in running text), turned into CSL citation items.

A citation item is the dict :meth:`balintbib.cite.engine.CitationEngine.citations`
takes: ``{"id", "locator", "label", "prefix", "suffix", "suppress-author",
"author-only"}``. Locator words (``p.``, ``chap.``, ``fig.``, ``§``...) are a
data table over every CSL 1.0.2 locator type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import BalintError

#: CSL 1.0.2 locator types.
LOCATOR_TYPES = (
    "act", "appendix", "article-locator", "book", "canon", "chapter", "column", "elocation",
    "equation", "figure", "folio", "issue", "line", "note", "opus", "page", "paragraph", "part",
    "rule", "scene", "section", "sub-verbo", "supplement", "table", "timestamp", "title-locator",
    "verse", "version", "volume",
)

#: What a writer puts before a locator -> its CSL type (lower case; the
#: English terms of the CSL locale, long and short, singular and plural, as
#: pandoc reads them).
LOCATOR_WORDS = {
    "act": "act", "acts": "act",
    "app.": "appendix", "apps.": "appendix", "appendix": "appendix", "appendices": "appendix",
    "art.": "article-locator", "arts.": "article-locator", "article": "article-locator",
    "articles": "article-locator",
    "bk.": "book", "bks.": "book", "book": "book", "books": "book",
    "canon": "canon", "canons": "canon",
    "ch.": "chapter", "chs.": "chapter", "chap.": "chapter", "chaps.": "chapter",
    "chapter": "chapter", "chapters": "chapter",
    "col.": "column", "cols.": "column", "column": "column", "columns": "column",
    "elocation": "elocation",
    "eq.": "equation", "eqs.": "equation", "equation": "equation", "equations": "equation",
    "fig.": "figure", "figs.": "figure", "figure": "figure", "figures": "figure",
    "f.": "folio", "ff.": "folio", "fol.": "folio", "fols.": "folio", "folio": "folio",
    "folios": "folio",
    "no.": "issue", "nos.": "issue", "issue": "issue", "issues": "issue",
    "l.": "line", "ll.": "line", "line": "line", "lines": "line",
    "n.": "note", "nn.": "note", "note": "note", "notes": "note",
    "op.": "opus", "opp.": "opus", "opus": "opus", "opera": "opus",
    "p.": "page", "pp.": "page", "page": "page", "pages": "page",
    "para.": "paragraph", "paras.": "paragraph", "paragraph": "paragraph",
    "paragraphs": "paragraph", "¶": "paragraph", "¶¶": "paragraph",
    "pt.": "part", "pts.": "part", "part": "part", "parts": "part",
    "r.": "rule", "rr.": "rule", "rule": "rule", "rules": "rule",
    "sc.": "scene", "scs.": "scene", "scene": "scene", "scenes": "scene",
    "sec.": "section", "secs.": "section", "section": "section", "sections": "section",
    "§": "section", "§§": "section",
    "s.v.": "sub-verbo", "s.vv.": "sub-verbo", "sub verbo": "sub-verbo", "sub-verbo": "sub-verbo",
    "supp.": "supplement", "supps.": "supplement", "supplement": "supplement",
    "supplements": "supplement",
    "tbl.": "table", "tbls.": "table", "table": "table", "tables": "table",
    "timestamp": "timestamp", "timestamps": "timestamp",
    "title": "title-locator", "titles": "title-locator", "tit.": "title-locator",
    "v.": "verse", "vv.": "verse", "verse": "verse", "verses": "verse",
    "version": "version", "versions": "version",
    "vol.": "volume", "vols.": "volume", "volume": "volume", "volumes": "volume",
}
for _type in LOCATOR_TYPES:
    LOCATOR_WORDS.setdefault(_type, _type)

_WORDS = sorted(LOCATOR_WORDS, key=len, reverse=True)
_WORD_RE = re.compile(r"(?i)(" + "|".join(re.escape(w) for w in _WORDS) + r")(?:(?<=[.§¶])|\s+|(?=\d))\s*")
# a locator value: numbers, roman numerals, letters after a number, ranges and lists
_VALUE = r"[\w.:]*\d[\w.:]*|[ivxlcdm]+"
_VALUE_RE = re.compile(rf"(?i)(?:{_VALUE})(?:\s*(?:[-\u2013\u2014]+|,|&|and)\s*(?:{_VALUE}))*")


class CitationError(BalintError):
    """A citation that cannot be read (``@`` without a key, an unclosed ``[``...)."""


def split_locator(text: str) -> tuple[str | None, str | None, str]:
    """``"p. 12-14, and elsewhere"`` -> ``("page", "12-14", ", and elsewhere")``:
    the locator type, the locator and what follows it (the suffix). A bare
    number is a page (pandoc, citeproc-js); text that starts with neither a
    locator word nor a number is all suffix."""
    rest = text.strip()
    if rest.startswith("{"):  # pandoc's explicit locator: {p. iv, note 3}
        end = rest.find("}")
        if end > 0:
            inner, after = rest[1:end], rest[end + 1:]
            label, value, extra = split_locator(inner)
            if value:
                return label, (value + extra).strip(), after
            return "page", inner.strip(), after
    match = _WORD_RE.match(rest)
    label = None
    if match:
        label = LOCATOR_WORDS[match.group(1).lower()]
        rest_value = rest[match.end():]
    else:
        rest_value = rest
    value = _VALUE_RE.match(rest_value)
    if value is None or (label is None and not value.group()[0].isdigit()):
        return None, None, text
    return label or "page", value.group().strip(), rest_value[value.end():]


def parse_cite_arg(arg: str) -> dict:
    """``KEY``, ``KEY@12``, ``KEY@chap. 3``, ``KEY@fig. 2`` (the command line)."""
    key, sep, locator = arg.partition("@")
    key = key.strip()
    if not key:
        raise CitationError(f"{arg!r}: no citation key before '@'")
    item: dict = {"id": key}
    if sep:
        if not locator.strip():
            raise CitationError(f"{arg!r}: no locator after '@' (write KEY@12 or KEY@'chap. 3')")
        label, value, rest = split_locator(locator)
        if value is None or rest.strip():
            match = _WORD_RE.match(locator.strip())
            if match:  # a known word with an unusual value ("sub verbo Balint")
                label, value = LOCATOR_WORDS[match.group(1).lower()], locator.strip()[match.end():]
            else:
                label, value = "page", locator.strip()
        item["label"], item["locator"] = label, value
    return item


# -- pandoc's citation syntax --------------------------------------------------------

_KEY = r"[\w](?:[\w:.#$%&+?<>~/-]*[\w])?"
_KEY_RE = re.compile(rf"(-?)@(?:\{{([^{{}}]+)\}}|({_KEY}))")


@dataclass
class Citation:
    """A citation found in a document: a bracketed cluster or an ``@key`` in text."""

    line: int
    start: int  # offsets in the line's text
    end: int
    items: list[dict]
    in_text: bool = False  # ``@key``: the author in the sentence, the rest after it
    problems: list[str] = field(default_factory=list)


def _parse_cluster(body: str) -> tuple[list[dict], list[str]]:
    items, problems = [], []
    for part in body.split(";"):
        match = _KEY_RE.search(part)
        if match is None:
            problems.append(f"no @key in citation part {part.strip()!r}")
            continue
        key = match.group(2) or match.group(3)
        item: dict = {"id": key}
        prefix = part[:match.start()].strip()
        if prefix:
            item["prefix"] = prefix + " "
        if match.group(1):
            item["suppress-author"] = True
        after = part[match.end():]
        if after.strip():
            stripped = after.lstrip()
            if stripped.startswith(","):
                label, value, rest = split_locator(stripped[1:])
                if value is not None:
                    item["label"], item["locator"] = label, value
                    after = rest
            if after.strip():
                item["suffix"] = after if after.startswith((",", " ")) else " " + after
        items.append(item)
    return items, problems


def find_citations(text: str, line_number: int = 1) -> list[Citation]:
    """The citations in one line of Markdown, left to right: ``[...@key...]``
    clusters, ``@key`` in text (with an optional ``[p. 12]`` after it) and
    citations that cannot be read (an ``[`` with ``@`` never closed, an ``@``
    with no key), the latter with problems to report."""
    found: list[Citation] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "`":  # code spans are not citations
            close = text.find("`", pos + 1)
            pos = len(text) if close < 0 else close + 1
            continue
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            close = _matching_bracket(text, pos)
            body = text[pos + 1:close] if close > 0 else text[pos + 1:]
            if close > 0 and text[close + 1:close + 2] == "(":
                pos = close + 1  # a link [text](url): look inside the text only
                continue
            if re.search(r"(?:^|[\s;\[])-?@", body):
                if close < 0:
                    found.append(Citation(line_number, pos, len(text), [],
                                          problems=["'[' of a citation is never closed"]))
                    break
                items, problems = _parse_cluster(body)
                found.append(Citation(line_number, pos, close + 1, items, problems=problems))
                pos = close + 1
                continue
            pos += 1
            continue
        if char == "@" and (pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in "@.-_")):
            match = _KEY_RE.match(text, pos)
            if match is None:
                if pos + 1 < len(text) and not text[pos + 1].isspace():
                    found.append(Citation(line_number, pos, pos + 1, [],
                                          problems=[f"'@' not followed by a citation key near "
                                                    f"{text[pos:pos + 12]!r}"]))
                pos += 1
                continue
            key = match.group(2) or match.group(3)
            item: dict = {"id": key}
            end = match.end()
            bracket = re.match(r"\s?\[([^\[\]@]*)\]", text[end:])
            if bracket and not text[end + bracket.end():].startswith("("):
                label, value, rest = split_locator(bracket.group(1))
                if value is not None:
                    item["label"], item["locator"] = label, value
                    if rest.strip():
                        item["suffix"] = rest
                elif bracket.group(1).strip():
                    item["suffix"] = " " + bracket.group(1).strip()
                end += bracket.end()
            found.append(Citation(line_number, pos, end, [item], in_text=True))
            pos = end
            continue
        pos += 1
    return found


def _matching_bracket(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "\\":
            continue
        if text[index] == "[":
            depth += 1
        elif text[index] == "]":
            depth -= 1
            if depth == 0:
                return index
    return -1
