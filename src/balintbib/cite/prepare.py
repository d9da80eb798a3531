"""Item preparation: CSL-JSON items as citeproc-py reads them.

Rich text becomes the renderer's markers, apostrophes and quotes typographic,
raw dates date-parts; Zotero's aliases and the ``key: value`` lines of
``note`` are read as citeproc-js reads them; the stored item is never
changed. (Stage 2 of :class:`balintbib.cite.engine.CitationEngine`, after
style loading.)
"""

from __future__ import annotations

import re
from functools import cached_property

from citeproc import NAMES as CITEPROC_NAMES
from citeproc import CitationItem
from citeproc.source.json import CiteProcJSON

from . import fidelity, markup


class _CiteItem(CitationItem):
    """citeproc-py's CitationItem with its hot lookups remembered (each is a
    chain of dict-attribute lookups, asked tens of times per rendered item;
    ``number`` was a list.index per call: quadratic in numeric styles;
    ``is_bad`` a list search per call: quadratic in citations)."""

    def __init__(self, key, bibliography=None, **args):
        super().__init__(key, bibliography, **args)
        # ``key`` is also an instance attribute: read without citeproc-py's
        # __getattr__ -> __getitem__ chain (the dict entry stays)
        self.__dict__["key"] = dict.__getitem__(self, "key")

    @property
    def bibliography(self):
        citation = dict.get(self, "citation")  # (speed: not through __getattr__)
        if citation is None:
            return super().bibliography
        return citation.bibliography

    def is_bad(self):
        bib = self.bibliography
        keys, length, known = bib.__dict__.get("_known", (None, 0, None))
        if keys is not bib.keys or length != len(keys):  # replaced or grown
            keys, known = bib.keys, frozenset(bib.keys)
            bib.__dict__["_known"] = (keys, len(keys), known)
        return self.key not in known

    @cached_property  # (stored in the instance: later reads cost no call)
    def reference(self):
        return self.bibliography.source[self.key]

    @property
    def number(self):
        bib = self.bibliography
        keys, numbers = bib.__dict__.get("_numbers", (None, None))
        if keys is not bib.keys:  # registration and sorting replace the list
            numbers = {key: i + 1 for i, key in enumerate(bib.keys)}
            bib.__dict__["_numbers"] = (bib.keys, numbers)
        return numbers[self.key]


_NO_TYPOGRAPHY = {"URL", "DOI", "ISBN", "ISSN", "PMID", "PMCID", "id", "type", "language",
                  "citation-label", "call-number"}
_NAME_VARS = {"author", "collection-editor", "composer", "container-author", "director",
              "editor", "editorial-director", "illustrator", "interviewer", "original-author",
              "recipient", "reviewed-author", "translator", "chair", "compiler", "contributor",
              "curator", "executive-producer", "guest", "host", "narrator", "organizer",
              "performer", "producer", "script-writer", "series-creator"}
_DATE_VARS = {"accessed", "container", "event-date", "issued", "original-date", "submitted",
              "available-date"}
_SUPPORTED_NAME_KEYS = {"family", "given", "dropping-particle", "non-dropping-particle",
                        "suffix", "literal", "comma-suffix"}
# Name parts read as rich text: quotation marks in a particle become the
# locale's quotes as in a title (citeproc-js: particle `#and# "Ulrike
# Ritzinger" #and#` prints “Ulrike Ritzinger”); a given name keeps straight
# quotes as written, as citeproc-js prints it.
_RICH_NAME_KEYS = frozenset({"family", "literal", "non-dropping-particle", "dropping-particle"})
_MONTHS = {m: i + 1 for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split())}


_ISO_SIDE = re.compile(r"(-?\d{1,4})(?:-(\d{1,2}|XX)(?:-(\d{1,2}|XX))?)?(?:T[\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?(\?)?")


def _iso_date(text: str) -> dict | None:
    """An ISO 8601 / EDTF date as citeproc-js reads a raw date: a time is
    dropped ("2001-01-03T15:00:00" is 2001-01-03), "XX" parts are unknown
    ("1999-XX" is 1999), "?" is circa ("2009-02?" prints "[2009?]" in
    Chicago), a year may be negative ("-0388" is 388 BC), and a range with
    one open end ("2006/", "/1034", "2000/..", "../2000") is its known end."""
    if "/" not in text and not re.fullmatch(r"-?\d{4}.*", text):
        return None
    sides = text.split("/") if text.count("/") == 1 else [text]
    dates, circa = [], False
    for side in sides:
        side = side.strip()
        if side in ("", ".."):
            continue
        match = _ISO_SIDE.fullmatch(side)
        if match is None or (len(match.group(1).lstrip("-")) < 4 and not side.startswith("-")):
            return None
        parts = [int(match.group(1))]
        for part in match.group(2, 3):
            if part is None or part == "XX":
                break
            parts.append(int(part))
        circa = circa or bool(match.group(4))
        dates.append(parts)
    if not dates:
        return None
    out: dict = {"date-parts": dates}
    if circa:
        out["circa"] = True
    return out


def _raw_date(raw: str) -> dict:
    """A ``raw``/``literal`` date string as date-parts when it looks like a date."""
    text = raw.strip()
    match = re.fullmatch(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?", text)
    if match:
        return {"date-parts": [[int(p) for p in match.groups() if p]]}
    iso = _iso_date(text)
    if iso is not None:
        return iso
    match = re.fullmatch(r"(\d{4})\s*[-–/]\s*(\d{4})", text)
    if match:
        return {"date-parts": [[int(match.group(1))], [int(match.group(2))]]}
    match = re.fullmatch(r"(?:(\d{1,2})\s+)?([A-Za-z]{3})[a-z]*\.?\s+(\d{4})", text)
    if match and match.group(2).lower() in _MONTHS:
        parts = [int(match.group(3)), _MONTHS[match.group(2).lower()]]
        if match.group(1):
            parts.append(int(match.group(1)))
        return {"date-parts": [parts]}
    return {"literal": text}


def _without_empty_parts(parts: list[int]) -> list[int]:
    """A month or day of 0 means "not given" (``[1996, 5, 0]`` is May 1996,
    ``[1996, 0, 5]`` is 1996): citeproc-js printed "May 0, 1996"."""
    for index in (1, 2):
        if len(parts) > index and parts[index] == 0:
            return parts[:index]
    return parts


_PARAGRAPH_FIELDS = {"note", "annote", "abstract"}  # annotations keep their paragraphs
_LINE_BREAK = re.compile(r"[ \t]*[\r\n]+[ \t]*")


def _prepare_string(key: str, value) -> str:
    text = str(value)
    text = markup.MARKER_RE.sub("", text)
    if ("\n" in text or "\r" in text) and key not in _PARAGRAPH_FIELDS:
        # a line break in a field is a space, none at its ends (ISSN "0896-3207\n")
        text = _LINE_BREAK.sub(" ", text.strip())
    if key in _NO_TYPOGRAPHY:
        return _seal_punctuation(text)  # "<23::AID-..." in a DOI stays as written
    text = fidelity.seal_quoted_punctuation(markup.data_to_markers(text))
    return _seal_punctuation(fidelity.thin_spaces(fidelity.typographic(text)))


# Punctuation written twice in one field ("??-??", "etc.,") stays as written:
# citeproc-js merges punctuation only where pieces of the rendering meet. A
# private-use character between the two keeps the finishing pass from seeing a
# pair; it is removed when the entry is finished.
_SEAL = fidelity.SEAL
_DATA_PAIR = re.compile(r"(?<=[.,;:!?])(?=[.,;:!?])")


def _seal_punctuation(text: str) -> str:
    """Seal punctuation pairs inside field data, and a run of punctuation
    that opens the field ("????", "??-??"): a group delimiter or affix
    before it stays (citeproc-js "2000:????", AMA "1991;13/14(2/1):??-??").
    A single opening mark (a cite prefix ", cited in") still merges."""
    if _DATA_PAIR.search(text):
        text = _DATA_PAIR.sub(_SEAL, text)
        if text[:1] in _OPENING_PUNCTUATION and text[1:2] == _SEAL:
            text = _SEAL + text
    return text


_OPENING_PUNCTUATION = frozenset(".,;:!?")


def _cite_affix(affix: str, value) -> str:
    """A cite's prefix or suffix, prepared like field data; a comma opening
    a suffix stays outside a closing quotation mark before it, as
    citeproc-js prints it (MLA "(Smith, “Beta Groups”, for example)"); a
    period still moves in ("“The Title.” And", affix_MovingPunctuation)."""
    text = _prepare_string(affix, value)
    if affix == "suffix" and text[:1] == ",":
        text = _SEAL + text
    return text


def _prepare_name(name: dict) -> dict:
    """A CSL-JSON name; particles and a suffix written into the family or
    given name are split off as citeproc-js does
    (:func:`.fidelity.name_parts.parse_particles`)."""
    name = fidelity.parse_particles(name)
    out = {}
    for key, value in name.items():
        if key not in _SUPPORTED_NAME_KEYS or value in (None, ""):
            continue
        if key == "comma-suffix":
            out[key] = value
            continue
        text = str(value)
        if key == "family" and len(text) > 2 and text[0] == text[-1] == '"':
            text = text[1:-1]  # a quoted family name is taken literally
        if key in _RICH_NAME_KEYS:
            # rich text in names (testers_*); quotes in particles: "#and#" from BibTeX
            text = markup.data_to_markers(text)
        out[key] = fidelity.typographic(text)
    if "family" not in out and "given" not in out and "literal" not in out:
        out["literal"] = ""
    return out


_NOTE_FIELD_LINE = re.compile(r"^([A-Za-z][-A-Za-z]*):\s*(.*)$")


def note_field_lines(item: dict) -> dict:
    """citeproc-js reads "key: value" lines of ``note`` as data, not as note
    text: a line whose key is lower case ("archive: Y", "foo: bar") or all
    capitals ("ID: 1026334639", "PMID: 123") is not printed, and a lower-case
    key that names a string variable the item lacks fills it; "Note: ..."
    style labels and "id: ..." stay text. A name variable's lines add names
    (:func:`note_field_name`), a date variable's line is a raw date
    ("reviewed-author: Hall || W.C." gives APA's "by W. C. Hall": fixture
    ``label_NameLabelThroughSubstitute``). The stored item is not changed."""
    note = item.get("note")
    if not isinstance(note, str) or ":" not in note:
        return item
    kept, found = [], {}
    for line in note.split("\n"):
        match = _NOTE_FIELD_LINE.match(line.strip())
        name = match.group(1) if match else ""
        lower = name.islower() and name != "id"
        if not match or not (lower or name.isupper()):
            kept.append(line)
            continue
        value = match.group(2).strip()
        if not (lower and value and name != "type" and item.get(name) in (None, "", [])):
            continue
        if name in _NAME_VARS:
            found.setdefault(name, []).append(note_field_name(value))
        elif name in _DATE_VARS:
            found.setdefault(name, {"raw": value})
        else:
            found.setdefault(name, value)
    if len(kept) == len(note.split("\n")):
        return item
    item = dict(item, **found)
    item["note"] = "\n".join(kept).strip()
    return item


def note_field_name(value: str) -> dict:
    """A name written in a ``note`` line as citeproc-js reads it: "Family ||
    Given" is a personal name, anything else a literal (an institution)."""
    if "||" in value:
        family, given = (part.strip() for part in value.split("||", 1))
        return {"family": family, "given": given}
    return {"literal": value}


_ALIASES = {"journalAbbreviation": "container-title-short", "shortTitle": "title-short"}


def csl_json_aliases(item: dict) -> dict:
    """The Zotero names citeproc-js accepts for two CSL variables:
    ``journalAbbreviation`` is ``container-title-short`` and ``shortTitle`` is
    ``title-short`` unless the item has those already (fixtures
    ``magic_StripPeriodsTrueShortForm``, ``bugreports_ContainerTitleShort``:
    "Am LJ" where the full journal title printed)."""
    if not any(alias in item for alias in _ALIASES):
        return item
    item = dict(item)
    for alias, variable in _ALIASES.items():
        value = item.pop(alias, None)
        if value not in (None, "") and item.get(variable) in (None, ""):
            item[variable] = value
    return item


class _Source(CiteProcJSON):
    """citeproc-py's CSL-JSON reader knows the CSL 1.0 name variables only: the
    CSL 1.0.2 ones (``guest``, ``host``, ``chair``, ``compiler``...) are read
    as names too (an item with a ``guest`` crashed MLA, which substitutes it
    for the author)."""

    def __init__(self, items):
        super().__init__(items)
        for item in items:
            extra = [f for f in _NAME_VARS if f in item and f.replace("-", "_") not in CITEPROC_NAMES]
            if extra:
                reference = self[str(item["id"]).lower()]
                for field in extra:
                    reference[field.replace("-", "_")] = self.parse_names(item[field])


def style_words(root) -> frozenset:
    """Every word of every attribute value of a parsed style: a superset of
    the variables it can print, test or sort by (:func:`prepare_item`)."""
    return frozenset(word for element in root.iter() for value in element.attrib.values()
                     for word in value.split())


def _unused(field: str, words) -> bool:
    """Whether a text field is one the style never names (``X-short`` is read
    for ``form="short"`` of ``X``, ``page`` for ``page-first``)."""
    return (field not in words and field.removesuffix("-short") not in words
            and not (field == "page" and "page-first" in words) and field != "language")


def prepare_item(item: dict, key: str, words=None) -> dict:
    """A CSL-JSON item as citeproc-py reads it, our key as its id. With the
    style's `words` (:func:`style_words`), text fields the style never names
    (an annotation, keywords) are left out: they could not print, and
    preparing them was a good part of the work (speed)."""
    item = note_field_lines(csl_json_aliases(item))
    out = {"id": key, "type": item.get("type") or "document"}
    for field, value in item.items():
        if field in ("id", "type") or value in (None, "", [], {}):
            continue
        if words is not None and field not in _NAME_VARS and field not in _DATE_VARS \
                and _unused(field, words):
            continue
        if field in _NAME_VARS:
            if isinstance(value, list):
                # an empty name ({"family": ""} from a converter) stays: it
                # prints nothing but the list is there, as in citeproc-js
                names = [_prepare_name(n) for n in value if isinstance(n, dict)]
                if names:
                    out[field] = names
            continue
        if field in _DATE_VARS:
            if isinstance(value, dict):
                if not value.get("date-parts") and (value.get("raw") or value.get("literal")):
                    date = _raw_date(str(value.get("raw") or value.get("literal")))
                    if "literal" in value:
                        date = {"literal": str(value["literal"])}
                else:
                    date = {k: v for k, v in value.items() if k in ("date-parts", "season", "circa", "literal")}
                    parts = [[int(p) for p in dp if str(p).strip().lstrip("-").isdigit()]
                             for dp in date.get("date-parts", []) if dp]
                    parts = [_without_empty_parts(p) for p in parts if p]
                    if parts:
                        date["date-parts"] = parts
                    else:
                        date.pop("date-parts", None)
                if date.get("date-parts") or date.get("literal"):
                    out[field] = date
            elif isinstance(value, str):
                out[field] = _raw_date(value)
            continue
        if isinstance(value, (dict, list)):
            continue
        out[field] = fidelity.keep_edge_spaces(field, _prepare_string(field, value))
    return out
