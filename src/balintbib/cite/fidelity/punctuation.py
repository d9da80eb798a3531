"""Punctuation and finishing (CSL 1.0.2 "Punctuation in quotes", Appendix
VI "Rich text" quotes, and citeproc-js's punctuation merging): the passes over
a rendered entry, still with markers (punctuation meeting punctuation,
punctuation moved into quotes), and the typography of field data (apostrophes,
narrow spaces, punctuation sealed inside a field)."""

from __future__ import annotations

import re

from citeproc.string import MixedString, String

from ..markup import CLOSE, CLOSERS, MARKERS, OPEN

# citeproc-js's table for punctuation meeting punctuation (A then B, with
# only formatting between): B is dropped, or A is replaced by B; other pairs
# stay (fixtures punctuation_FullMonty*: "question?." -> "question?").
_DROP_SECOND = {(":", ":"), (";", ":"), ("!", ":"), ("?", ":"), (":", "."), (".", "."),
                (";", "."), ("!", "."), ("?", "."), (";", ";"), ("!", "!"), ("?", "?"),
                (",", ",")}
_DROP_FIRST = {(":", "!"), (";", "!"), (":", "?"), (";", "?")}
# After the space that ends the suffix of a formatted or quoted element:
# keeps a space opening the next piece's prefix from merging with it
# (:class:`.formatting.DisplayMixin`, :func:`.formatting.climb_kept_space`).
KEEP_SPACE = "\ue0fd"
_PUNCT_PAIR = re.compile(f"(?<![.])([.,;:!?])([{MARKERS}{KEEP_SPACE}]*)([.,;:!?])(?![.])")
# every quotation's closing marker: quotes="true" and quotation marks in data
_Q_CLOSES = CLOSE["quote"] + CLOSE["dquote"] + CLOSE["squote"]
# Before punctuation that an element prints on its own (a value "."): it
# merges with nothing before it, but still moves into quotation marks
# (CSL 1.0.2 punctuation-in-quote; removed when the entry is finished).
OWN_PUNCTUATION = "\ue0fe"
_PIQ = re.compile(f"([{_Q_CLOSES}][{CLOSERS}]*){OWN_PUNCTUATION}?([.,!?])")

# Between two pieces of punctuation of one field: keeps the finishing passes
# from merging them or moving them (removed when the entry is finished).
SEAL = "\ue0ff"
_QUOTED_PUNCTUATION = re.compile(f"([{_Q_CLOSES}])(?=[.,;:!?])")
_SPACES = re.compile(r"  +")


def finish(text: str, punctuation_in_quote: bool) -> str:
    """Finishing passes over a rendered entry (still with markers).

    * ``punctuation-in-quote`` (CSL 1.0.2 locale option): a period or comma
      right after a closing quote moves inside it (en-US: "Training.";
      fixtures ``quotes_Punctuation*``, 165 gap entries), also the closing
      quote of quotation marks written in the data (citeproc-js: a title
      ending in “best evidence synthesis” prints “best evidence
      synthesis.”), but not punctuation written in the same field
      (:func:`seal_quoted_punctuation`).
    * Doubled punctuation across formatting and affixes: "?." / "!." / ".."
      collapse, ",," ";;" "::" too (citeproc-js; ``punctuation_*``, 59 gap
      entries "doctors?. Libyan").
    * Double spaces collapse; empty formatting pairs vanish.
    """
    if punctuation_in_quote:
        text = _PIQ.sub(lambda mt: mt.group(2) + mt.group(1), text)
    for _ in range(2):
        text = _PUNCT_PAIR.sub(_merge_punctuation, text)
    if OWN_PUNCTUATION in text:
        text = text.replace(OWN_PUNCTUATION, "")
    text = _SPACES.sub(" ", text)
    for kind in OPEN:
        text = text.replace(OPEN[kind] + CLOSE[kind], "")
    return text


def _merge_punctuation(match) -> str:
    first, between, second = match.group(1), match.group(2), match.group(3)
    if (first, second) in _DROP_SECOND:
        return first + between
    if (first, second) in _DROP_FIRST:
        return between + second
    return match.group(0)


_SPACE_BEFORE = re.compile(r" (?=[:;!?\u00bb])")
_SPACE_AFTER = re.compile(r"(?<=\u00ab) ")


def thin_spaces(value: str) -> str:
    """A space in field data before ``: ; ! ?`` or ``»``, and after ``«``,
    becomes a narrow no-break space, as citeproc-js prints it ("Critical race
    theory\u202f: an introduction"; French typography in the data of
    English-language catalogues, 37 entries of the corpus sample).
    """
    if " " not in value:
        return value
    return _SPACE_AFTER.sub("\u202f", _SPACE_BEFORE.sub("\u202f", value))


def typographic(value: str) -> str:
    """Straight apostrophes in data become typographic ones (citeproc-js: O’Reilly,
    doctor’s, in ’t; 165 gap entries in 44 of 48 styles). A ' at the start of a
    word opens a single quotation only when a closing ' follows a later word."""
    if "'" not in value:
        return value
    chars = list(value)
    for i, ch in enumerate(chars):
        if ch != "'":
            continue
        before = chars[i - 1] if i else " "
        after = chars[i + 1] if i + 1 < len(chars) else " "
        if not before.isalnum() and after.isalnum():
            closing = re.search(r"\w'(?!\w)", value[i + 1:])
            chars[i] = "\u2018" if closing else "\u2019"
        else:
            chars[i] = "\u2019"
    return "".join(chars)


def seal_quoted_punctuation(value: str) -> str:
    """Punctuation written in a field right after a quotation stays where it
    is (citeproc-js moves or merges punctuation only where pieces of the
    rendering meet): "Why? “Because”, he said" keeps its comma outside in
    en-US, "‘What Were We—Idiots?’: Re-evaluating" keeps its colon after the
    question mark. ``value`` is field data with quote markers
    (:func:`..markup.data_to_markers`); a :data:`SEAL` goes between."""
    return _QUOTED_PUNCTUATION.sub(lambda mt: mt.group(1) + SEAL, value)


# citeproc-js's CSL.TERMINAL_PUNCTUATION: what it moves from the start of a
# rendered string into the affix before it
_LEADING_PUNCTUATION = re.compile(r"[:.;!? ]+")


def split_leading_punctuation(text):
    """citeproc-js takes a run of ``: . ; ! ?`` and spaces that opens a
    rendered string (a field, a value, a term) out of it and puts it after the
    element's prefix, outside its formatting and quotation marks, when
    something follows the run and the string does not start with a space.
    Returns ``(run, rest)`` or ``("", text)``. Example: the title ": a new
    beamer class" in quotes prints ': “a new beamer class”' (not '“: a new
    beamer class”'); a value "." alone stays as it is."""
    plain = str(text)
    if not plain or plain[0] == " " or plain[0] not in ":.;!?":
        return "", text
    run = _LEADING_PUNCTUATION.match(plain).group()
    if len(run) == len(plain):
        return "", text
    return run, _drop_chars(text, len(run))


def _drop_chars(text, count: int):
    """``text`` without its first ``count`` characters, keeping citeproc's
    (Mixed)String segments (and their protection from text case)."""
    if not isinstance(text, MixedString):
        return type(text)(str(text)[count:]) if isinstance(text, String) else String(str(text)[count:])
    parts = []
    for part in text:
        length = len(str(part))
        if count >= length:
            count -= length
            continue
        parts.append(_drop_chars(part, count) if count else part)
        count = 0
    return parts[0] if len(parts) == 1 else MixedString(parts)


# fields whose value is read as a number or a code: left as they are
_EDGE_SPACES_KEPT_AS_IS = frozenset({"page", "page-first", "locator", "volume", "issue", "number", "edition",
                                     "chapter-number", "collection-number", "number-of-pages",
                                     "number-of-volumes", "citation-number", "year-suffix"})


def keep_edge_spaces(field: str, value: str) -> str:
    """A space written at the start or end of field data stays beside the
    affix or delimiter next to it: citeproc-js removes doubled spaces only
    between affixes and delimiters, never inside a field, so the publisher
    " Dead Poet Society" prints "(2000).  Dead Poet Society" in APA, and BMJ's
    "Cambridge, UK " + " " prints "Cambridge, UK  1998". A :data:`SEAL`
    outside the space keeps the finishing pass from collapsing it."""
    if not isinstance(value, str) or not value or field in _EDGE_SPACES_KEPT_AS_IS:
        return value
    if value[0] == " ":
        value = SEAL + value
    if value[-1] == " ":
        value = value + SEAL
    return value


# what citeproc-js counts as an element's decorations (its blobHasDecorations;
# quotation marks have their own rule)
_DECORATIONS = ("font-style", "font-variant", "font-weight", "text-decoration", "vertical-align")
_ENDS_IN_PUNCTUATION_THEN_FORMATTING = re.compile(f"([.,;:!?])[{CLOSERS}]+$")


def decorated(element) -> bool:
    """Whether a CSL element sets formatting of its own (``font-style``,
    ``font-weight``... even "normal"), which citeproc-js calls decorations
    (remembered on the element)."""
    found = element.__dict__.get("_decorated")
    if found is None:
        found = element.__dict__["_decorated"] = any(element.get(name) is not None for name in _DECORATIONS)
    return found


def seal_after_decorated(text, following: str, same_merges: bool):
    """citeproc-js merges punctuation ending a formatted element with the
    punctuation after it only where that punctuation is the suffix of a
    group around it; its own suffix, a delimiter, or the prefix of the next
    element stay as they are: italic "Why?" then the delimiter ". " prints
    "Why?. ", bold "??" then the prefix ": " prints "??: " (The Lancet
    "1964; ??: ??-??"). ``text`` is what the formatted element printed (it
    ends with its closing formatting marker), ``following`` what comes after
    it; ``same_merges``: a mark doubled still merges ("Why.. " -> "Why. "), as
    it does at a suffix or delimiter, not at a prefix. Returns ``text`` with
    a :data:`SEAL` at its end where the finishing pass must not merge."""
    if not following or following[0] not in ".,;:!?":
        return text
    match = _ENDS_IN_PUNCTUATION_THEN_FORMATTING.search(str(text))
    if match is None or (same_merges and match.group(1) == following[0]):
        return text
    return text + SEAL


_ONLY_PUNCTUATION = re.compile(r"[.,;:!?]+")


def mark_own_punctuation(text):
    """A value or term that prints only punctuation (IEEE's ``<text
    value="."/>``) stays whole after punctuation printed before it: citeproc-js
    merges punctuation only between affixes, delimiters and the end of a
    field, so a title "Why?" then the value "." prints "Why?.", "J. Med."
    then "." prints "J. Med..". After quotation marks the period still moves
    inside (CSL 1.0.2 ``punctuation-in-quote``, :func:`finish`)."""
    if text is not None and _ONLY_PUNCTUATION.fullmatch(str(text)):
        return String(OWN_PUNCTUATION + str(text))
    return text
