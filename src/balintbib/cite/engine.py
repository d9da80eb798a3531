"""Render CSL-JSON items as a bibliography (or citations) in any CSL style.

    from balintbib.cite import render_bibliography
    for entry in render_bibliography(items, "apa"):
        print(entry.text)

citeproc-py does the CSL interpretation; :mod:`balintbib.cite.fidelity`
supplies corrected element classes, and this module prepares the data
(rich text, typographic apostrophes, raw dates), assigns year suffixes, and
turns the result into plain text, escaped HTML and Markdown.
Parsed styles are cached per (style file, locale); renderings are serialized
by one lock (threads may call in, they take turns).
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Iterable, Sequence

from citeproc import NAMES as CITEPROC_NAMES
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc.source import Locator
from citeproc.source.json import CiteProcJSON
from citeproc.string import String

from . import fidelity, markup
from .styles import StyleError, resolve_locale, resolve_style

__all__ = ["RenderedEntry", "RenderFailure", "render_bibliography", "render_citations",
           "StyleError", "CitationEngine", "get_engine"]

_LOG = logging.getLogger(__name__)


_RENDER_LOCK = threading.RLock()


class _CiteItem(CitationItem):
    """citeproc-py's CitationItem with its hot lookups remembered (each is a
    chain of dict-attribute lookups, asked tens of times per rendered item;
    ``number`` was a list.index per call: quadratic in numeric styles)."""

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


@dataclass(frozen=True)
class RenderedEntry:
    id: str
    text: str
    html: str
    markdown: str


@dataclass(frozen=True)
class RenderFailure:
    """An item the engine could not render (its entry is left out, the rest
    of the bibliography is rendered): the item's id and one line saying why."""
    id: str
    message: str

    def __str__(self) -> str:
        return f"{self.id}: {self.message}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"could not be formatted ({name}: {text})"[:300] if text else f"could not be formatted ({name})"


class _Style(CitationStylesStyle):
    """A style parsed with our safe parser and element classes."""

    def __init__(self, source, locale):  # noqa: D107 - replaces the base loader
        from lxml import etree
        self.parser = fidelity.make_parser()
        try:
            if isinstance(source, bytes):
                self.xml = etree.ElementTree(etree.fromstring(source, self.parser))
            else:
                self.xml = etree.parse(str(source), self.parser)
        except etree.XMLSyntaxError as exc:
            raise StyleError(f"{source if not isinstance(source, bytes) else 'style'}: "
                             f"not a valid CSL style ({exc.msg})") from None
        self.root = self.xml.getroot()
        self.root.formatter = fidelity.FORMATTER
        self.root.set_locale_list(locale)
        self.root.typeset_values()
        # Speed: lxml makes a new Python proxy for an element each time it is
        # reached unless one is alive; keeping every proxy of the style and its
        # locales alive saves that work (and keeps what the element classes
        # remember on themselves) for every rendered item.
        self._proxies = [element for tree in [self.root, *self.root.locales]
                         for element in tree.iter()]


# data preparation -------------------------------------------------------

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
        if key in ("family", "literal"):
            text = markup.data_to_markers(text)  # rich text in names (testers_*)
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


def prepare_item(item: dict, key: str) -> dict:
    """A CSL-JSON item as citeproc-py reads it, our key as its id."""
    item = note_field_lines(csl_json_aliases(item))
    out = {"id": key, "type": item.get("type") or "document"}
    for field, value in item.items():
        if field in ("id", "type") or value in (None, "", [], {}):
            continue
        if field in _NAME_VARS:
            if isinstance(value, list):
                names = [_prepare_name(n) for n in value if isinstance(n, dict)]
                names = [n for n in names if n.get("literal", True) != ""]
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


# engine -----------------------------------------------------------------

class CitationEngine:
    """One style in one locale, parsed once; renders bibliographies and citations."""

    def __init__(self, style: str | None = None, locale: str | None = None, *,
                 xml: bytes | str | None = None):
        if xml is not None:
            data = xml.encode("utf-8") if isinstance(xml, str) else xml
            self.resolved = None
            default = re.search(rb'default-locale="([^"]+)"', data[:3000])
            try:
                self.locale = resolve_locale(locale or (default.group(1).decode() if default else None))
            except StyleError:
                if locale:
                    raise
                self.locale = default.group(1).decode()  # in-style locales may still define it
            self.style = _Style(data, self.locale)
        else:
            resolved = resolve_style(style)
            self.resolved = resolved
            self.locale = resolve_locale(locale or resolved.default_locale or "en-US")
            self.style = _Style(resolved.path, self.locale)
        root = self.style.root
        self.has_bibliography = root.find("cs:bibliography", fidelity.NS) is not None
        citation = root.find("cs:citation", fidelity.NS)
        # citeproc-js makes a citation-label for items without one when the
        # style prints or sorts by it
        self.makes_labels = bool(root.xpath(".//*[contains(@variable, 'citation-label')]"))
        self.year_suffix = citation is not None and citation.get(
            "disambiguate-add-year-suffix", "false") == "true"
        self.quotes = markup.QuoteMarks(
            *(str(root.get_single_term(t) or d) for t, d in (
                ("open-quote", "\u201c"), ("close-quote", "\u201d"),
                ("open-inner-quote", "\u2018"), ("close-inner-quote", "\u2019"))))
        piq = root.get_locale_option("punctuation-in-quote")
        self.punctuation_in_quote = str(piq).lower() == "true"
        # the fidelity layer keeps per-rendering state in module globals, so
        # renderings are serialized across all engines (threads wait)
        self.lock = _RENDER_LOCK

    # -- helpers
    def _bibliography(self, items: Sequence[dict], first: Sequence[str] = (),
                      failures: list | None = None):
        keys = [f"k{i}" for i in range(len(items))]
        items = [item if "id" in item else {**item, "id": key} for item, key in zip(items, keys)]
        source = self._source(items, keys, failures)
        bib = CitationStylesBibliography(self.style, source, fidelity.FORMATTER)
        by_id = {str(item.get("id")): key for key, item in zip(keys, items)}
        order = [by_id[i] for i in dict.fromkeys(first) if i in by_id]
        order += [k for k in keys if k not in set(order)]
        for key in order:  # bib.register without its list search per item (quadratic)
            citation = Citation([_CiteItem(key)])
            citation.bibliography = bib
            if key in source:
                bib.keys.append(key)
                bib.items.append(citation.cites[0])
        return bib, keys

    def _source(self, items, keys, failures: list | None):
        """citeproc-py's reading of the prepared items, item by item: an item
        it cannot read is reported in `failures` and left out, not the whole
        bibliography.  Styles that print ``citation-label`` get citeproc-js's
        trigraph label where the item has none."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            source = _Source([])
            for item, key in zip(items, keys):
                try:
                    prepared = prepare_item(item, key)
                    if self.makes_labels:
                        prepared.setdefault("citation-label", fidelity.citation_label(item))
                    source.update(_Source([prepared]))
                except Exception as exc:  # noqa: BLE001 - one bad item, reported
                    if failures is None:
                        raise
                    failures.append(RenderFailure(str(item.get("id", key)), _one_line(exc)))
        return source

    def _finish(self, text) -> str:
        text = fidelity.finish(str(text), self.punctuation_in_quote)
        return markup.resolve_quotes(text, self.quotes).replace(_SEAL, "")

    def _entry(self, item_id: str, text: str, trim_html: bool = True) -> RenderedEntry:
        """Text, HTML and Markdown of one rendering; a bibliography entry's
        HTML keeps the spaces at its ends as citeproc-js's does (the text and
        Markdown are trimmed)."""
        return RenderedEntry(item_id, markup.to_text(text), markup.to_html(text, trim_html),
                             markup.to_markdown(text))

    # -- public
    def bibliography(self, items: Sequence[dict], failures: list | None = None,
                     ) -> list[RenderedEntry]:
        """The bibliography of `items`, in the style's order. An item that
        cannot be rendered (a data case the engine does not handle) is left
        out and reported, its id and one line, in `failures` (a list the
        caller passes; without one, as a logged warning): one bad item never
        takes the whole bibliography down."""
        if not self.has_bibliography:
            return []
        problems: list[RenderFailure] = []
        with self.lock:
            bib, keys = self._bibliography(items, failures=problems)
            ids = {key: str(item.get("id", key)) for key, item in zip(keys, items)}
            self._sort_isolated(bib, ids, problems)
            self._disambiguate(bib)
            bibliography = self.style.root.bibliography
            bibliography._previous_names = None
            out = []
            for entry in self._render_entries(bib, ids):
                if isinstance(entry, RenderFailure):
                    problems.append(entry)
                elif entry is not None:
                    out.append(entry)
        if failures is not None:
            failures.extend(problems)
        else:
            for problem in problems:
                _LOG.warning("%s", problem)
        return out

    def _sort_isolated(self, bib, ids: dict, problems: list) -> None:
        """Sort; when that fails, the items whose sort keys cannot be made are
        found (each sorted against itself, which makes every key), reported
        and left out, and the others sorted."""
        try:
            self._sort(bib)
            return
        except Exception:  # noqa: BLE001 - find the item, below
            pass
        bibliography = self.style.root.bibliography
        good = []
        for item in bib.items:
            try:
                bibliography.sort([item, item])
                good.append(item)
            except Exception as exc:  # noqa: BLE001 - one bad item, reported
                problems.append(RenderFailure(ids[item.key], _one_line(exc)))
        bib.items, bib.keys = good, [item.key for item in good]
        self._sort(bib)

    def _sort(self, bib) -> None:
        """``bib.sort()``, with the sort keys of long lists computed in
        parallel processes (each key value depends on its item only)."""
        fidelity.RENDER_STATE["spread"] = _spread
        try:
            bib.sort()
        finally:
            fidelity.RENDER_STATE["spread"] = None

    def _render_entries(self, bib, ids: dict) -> list:
        """The finished bibliography entries (None where an item renders
        nothing), in parallel processes for big bibliographies (fork: the
        workers inherit the sorted, disambiguated state; each renders and
        finishes a slice, starting one entry early so that
        subsequent-author-substitute sees its predecessor)."""
        items = bib.items
        workers = _workers(len(items))
        if workers < 2:
            return [self._render_one(ids, item) for item in items]
        size = -(-len(items) // workers)
        slices = [(max(start - 1, 0), start, min(start + size, len(items)))
                  for start in range(0, len(items), size)]
        return _in_forks(lambda lead, start, end: self._render_slice(bib, ids, lead, start, end), slices)

    def _render_slice(self, bib, ids, lead, start, end) -> list:
        self.style.root.bibliography._previous_names = None
        out = [self._render_one(ids, item) for item in bib.items[lead:end]]
        return out[start - lead:]

    def _render_one(self, ids, cite_item) -> RenderedEntry | RenderFailure | None:
        """One finished entry; None when the style prints nothing for the
        item, a RenderFailure when rendering it raised.  The entry's HTML
        keeps the spaces at its ends, as citeproc-js's does."""
        try:
            text = self.style.render_bibliography([cite_item])[0]
            return None if text is None else self._entry(ids[cite_item.key], self._finish(str(text)),
                                                         trim_html=False)
        except Exception as exc:  # noqa: BLE001 - one bad item, reported by the caller
            return RenderFailure(ids[cite_item.key], _one_line(exc))

    def _cite_text(self, bib, item) -> str:
        citation = Citation([_CiteItem(item.key)])
        citation.bibliography = bib
        return markup.strip_markers(str(self.style.render_citation(citation, [], lambda _: None)))

    def _collisions(self, bib, items, texts: dict) -> list[list]:
        """Groups of items whose citations print the same. `texts` caches each
        item's citation; callers refresh the items whose options they change."""
        missing = [item for item in items if item.key not in texts]
        workers = _workers(len(missing))
        if workers > 1:
            size = -(-len(missing) // workers)
            chunks = [(start, min(start + size, len(missing))) for start in range(0, len(missing), size)]
            shown = fidelity.RENDER_STATE["shown_names"]
            found = _in_forks(lambda a, b: [
                (self._cite_text(bib, item), shown.get(item.key) if shown is not None else None)
                for item in missing[a:b]], chunks)
            texts.update((item.key, text) for item, (text, _) in zip(missing, found))
            if shown is not None:  # the names each cite shows, for name disambiguation
                shown.update((item.key, names or []) for item, (_, names) in zip(missing, found))
        groups: dict[str, list] = {}
        for item in items:
            if item.key not in texts:
                texts[item.key] = self._cite_text(bib, item)
            groups.setdefault(texts[item.key], []).append(item)
        return [members for members in groups.values() if len(members) > 1]

    def _refresh(self, bib, items, texts: dict) -> None:
        for item in items:
            texts[item.key] = self._cite_text(bib, item)

    def _add_names_and_givennames(self, bib, groups, add_names: bool, add_given: bool, texts,
                                  rule: str = "by-cite"):
        """Steps 1-2 of CSL 1.0.2 disambiguation, interleaved as citeproc-js
        does: for n = 1, 2, … shown names, the ambiguous names of the cites
        that still clash gain initials or given names (only those names: a
        person cited alike everywhere stays as is). An item keeps the state in
        which its set of clashing cites last shrank: items no change separates
        at all keep their base form, items separated from some but not all
        others keep the step that separated them (fixtures
        ``disambiguate_AndreaEg*``, ``*BaseNameCountOnFailure*``,
        ``YearSuffixAtTwoLevels``, ``ByCite*``)."""
        overrides = fidelity.RENDER_STATE["add_names"]
        given = fidelity.RENDER_STATE["givenname"]
        unresolved = False
        for members in groups:
            most = max(len(item.reference.get("author") or item.reference.get("editor") or [])
                       for item in members)

            def clash_of(item):
                return frozenset(o.key for o in members if texts[o.key] == texts[item.key])

            clash = {item.key: clash_of(item) for item in members}
            best = {item.key: (overrides.get(item.key), dict(given.get(item.key) or {}))
                    for item in members}
            pending = list(members)
            for count in range(1, max(most, 1) + 1):
                if count > 1 and add_names:
                    for item in pending:
                        overrides[item.key] = count
                    self._refresh(bib, pending, texts)
                elif count > 1:
                    break
                if add_given:
                    changed = self._expand_given(
                        [item for item in pending if len(clash_of(item)) > 1], texts, rule)
                    self._refresh(bib, changed, texts)
                still = []
                for item in pending:
                    now = clash_of(item)
                    if len(now) < len(clash[item.key]):
                        clash[item.key] = now
                        best[item.key] = (overrides.get(item.key), dict(given.get(item.key) or {}))
                    if len(now) > 1:
                        still.append(item)
                pending = still
                if not pending:
                    break
            for item in pending:
                count, levels = best[item.key]
                if count is None:
                    overrides.pop(item.key, None)
                else:
                    overrides[item.key] = count
                if levels:
                    given[item.key] = levels
                else:
                    given.pop(item.key, None)
            if pending:
                self._refresh(bib, pending, texts)
                unresolved = True
        return self._collisions(bib, bib.items, texts) if unresolved else []

    def _expand_given(self, items, texts, rule: str) -> list:
        """Give the ambiguous names of clashing cites their initials or given
        names: a name is ambiguous when a cite printing the same shows another
        person whose name prints alike. Returns the items changed."""
        shown = fidelity.RENDER_STATE["shown_names"]
        given = fidelity.RENDER_STATE["givenname"]
        max_level = 1 if rule.endswith("-with-initials") else 2
        changed = []
        for item in items:
            others = [entry for other in items if other is not item
                      and texts[other.key] == texts[item.key] for entry in shown.get(other.key, ())
                      if not (entry[4] and rule.startswith("primary-name"))]
            levels = given.get(item.key) or {}
            before = dict(levels)
            for name, form, init_with, initialize, index in shown.get(item.key, ()):
                if index and rule.startswith("primary-name"):
                    continue
                who = fidelity.person_id(name)
                base = fidelity.name_key(name, levels.get(who, 0), form, init_with, initialize)
                rivals = [(o[0], o[1:4]) for o in others if fidelity.person_id(o[0]) != who
                          and fidelity.name_key(o[0], 0, *o[1:4]) == base]
                if rivals:
                    level = fidelity.given_level(name, (form, init_with, initialize), rivals,
                                                 max_level)
                    if level > levels.get(who, 0):
                        levels[who] = level
            if levels != before:
                given[item.key] = levels
                changed.append(item)
        return changed

    def _disambiguate_names_globally(self, bib, rule: str) -> list:
        """``givenname-disambiguation-rule`` ``all-names*`` / ``primary-name*``
        (CSL 1.0.2): every printed name that prints like another person's gets
        initials (or the full given name), in every cite, ambiguous or not;
        the ``primary-name`` rules only touch the first name of a cite, the
        ``-with-initials`` rules stop at initials (fixtures
        ``disambiguate_AllNames*``, ``PrimaryName*``, ``ToInitialOnly``).
        Returns the items changed."""
        shown = fidelity.RENDER_STATE["shown_names"]
        given = fidelity.RENDER_STATE["givenname"]
        max_level = 1 if rule.endswith("-with-initials") else 2
        by_print: dict[tuple, dict] = {}
        for entries in shown.values():
            for name, form, init_with, initialize, index in entries:
                if index and rule.startswith("primary-name"):
                    continue  # primary names are compared among themselves (APA)
                key = fidelity.name_key(name, 0, form, init_with, initialize)
                by_print.setdefault(key, {})[fidelity.person_id(name)] = (
                    name, (form, init_with, initialize))
        changed = []
        for item in bib.items:
            levels = {}
            for name, form, init_with, initialize, index in shown.get(item.key, ()):
                if index and rule.startswith("primary-name"):
                    continue
                who = fidelity.person_id(name)
                alike = by_print.get(fidelity.name_key(name, 0, form, init_with, initialize), {})
                rivals = [entry for person, entry in alike.items() if person != who]
                if rivals:
                    level = fidelity.given_level(name, (form, init_with, initialize), rivals,
                                                 max_level, partial=True)
                    if level:
                        levels[who] = max(level, levels.get(who, 0))
            if levels:
                given[item.key] = levels
                changed.append(item)
        return changed

    def _uses_disambiguate_condition(self) -> bool:
        if not hasattr(self, "_uses_disambiguate"):
            self._uses_disambiguate = bool(self.style.root.xpath(
                ".//cs:if[@disambiguate]|.//cs:else-if[@disambiguate]", namespaces=fidelity.NS))
        return self._uses_disambiguate

    def _disambiguate(self, bib) -> None:
        """Disambiguation (CSL 1.0.2 "Disambiguation"): items whose citations
        print identically first get more names (``disambiguate-add-names``,
        kept in the bibliography as citeproc-js does), then year suffixes a,
        b, c… in bibliography order (``disambiguate-add-year-suffix``;
        fixtures ``disambiguate_*``; APA "2018a/2018b", MLA "Kjeldmand, Dorte,
        Inger Holmström, et al.")."""
        fidelity.RENDER_STATE["add_names"] = {}
        fidelity.RENDER_STATE["disambiguate"] = set()
        fidelity.RENDER_STATE["givenname"] = {}
        citation = self.style.root.find("cs:citation", fidelity.NS)
        if citation is None or not any(
                citation.get(option) == "true" for option in (
                    "disambiguate-add-names", "disambiguate-add-givenname",
                    "disambiguate-add-year-suffix")) and not self._uses_disambiguate_condition():
            return
        texts: dict[str, str] = {}
        fidelity.RENDER_STATE["shown_names"] = {} \
            if citation.get("disambiguate-add-givenname") == "true" else None
        try:
            groups = self._collisions(bib, bib.items, texts)
        except Exception:  # a style that cannot cite: nothing to disambiguate
            return
        add_names = citation.get("disambiguate-add-names") == "true"
        add_given = citation.get("disambiguate-add-givenname") == "true"
        rule = citation.get("givenname-disambiguation-rule", "by-cite")
        if add_given and rule != "by-cite":
            changed = self._disambiguate_names_globally(bib, rule)
            if changed:
                self._refresh(bib, changed, texts)
                groups = self._collisions(bib, bib.items, texts)
        if add_names or add_given:
            groups = self._add_names_and_givennames(bib, groups, add_names, add_given, texts,
                                                    rule)
        fidelity.RENDER_STATE["shown_names"] = None
        if groups and self._uses_disambiguate_condition():
            flagged = fidelity.RENDER_STATE["disambiguate"]
            for members in groups:
                flagged.update(item.key for item in members)
                self._refresh(bib, members, texts)
            groups = self._collisions(bib, bib.items, texts)
        if not self.year_suffix:
            return
        for members in groups:
            if len(members) < 2:
                continue
            for index, item in enumerate(members):
                item.reference["year_suffix"] = String(_suffix(index))

    def citations(self, items: Sequence[dict], clusters: Iterable[Sequence[dict]],
                  cited_all_first: bool = False,
                  notes: Sequence[int] | None = None,
                  grouped_sort: bool = True) -> list[RenderedEntry]:
        """Render citation clusters: each cluster is a list of ``{"id", "locator",
        "label", "prefix", "suffix", "suppress-author", "author-only"}`` dicts
        (CSL-JSON citation items, as citeproc-js takes them), in document order.
        ``notes`` gives each cluster's footnote number (0: in running text;
        citeproc-js's ``noteIndex``), for the ``position`` tests and
        ``first-reference-note-number`` of note styles. A cite may also
        bring its own ``position`` (0 first, 1 subsequent, 2 ibid, 3
        ibid-with-locator) and ``near-note``, as citeproc-js accepts them.
        ``grouped_sort=False`` sorts the cites of a collapsing style by its keys
        alone, as citeproc-js's makeCitationCluster does (the CSL test suite's
        fixtures without CITATIONS); by default they are sorted in author groups
        like its processCitationCluster (Zotero, documents; fidelity/sorting.py)."""
        clusters = [list(c) for c in clusters]
        notes = list(notes) if notes is not None else [0] * len(clusters)
        with self.lock:
            fidelity.RENDER_STATE["grouped_sort"] = grouped_sort
            try:
                return self._citations(items, clusters, notes, cited_all_first)
            finally:
                fidelity.RENDER_STATE["grouped_sort"] = True

    def _citations(self, items, clusters, notes, cited_all_first) -> list[RenderedEntry]:
        cited = [str(c.get("id")) for cluster in clusters for c in cluster]
        bib, keys = self._bibliography(items, cited if not cited_all_first else ())
        by_id = {str(item.get("id")): key for key, item in zip(keys, items)}
        if self.has_bibliography:
            self._sort(bib)
        self._disambiguate(bib)
        cites_so_far: list = []
        out = []
        for cluster, note in zip(clusters, notes):
            cites = []
            for cite in cluster:
                key = by_id.get(str(cite.get("id")), f"missing-{cite.get('id')}")
                extra = {}
                locator = str(cite.get("locator") or "").strip()  # " 666": citeproc-js trims
                if locator:
                    extra["locator"] = Locator(cite.get("label", "page"), locator)
                for affix in ("prefix", "suffix"):
                    if cite.get(affix):  # cite affixes may hold rich text too
                        extra[affix] = String(_cite_affix(affix, cite[affix]))
                item = _CiteItem(key, **extra)
                for mode in ("suppress-author", "author-only"):
                    if cite.get(mode):
                        item["mode"] = mode  # (citeproc-js's cite flags)
                if cite.get("position") is not None or cite.get("near-note") is not None:
                    item["preset"] = (cite.get("position"), cite.get("near-note"))
                cites.append(item)
            citation = Citation(cites)
            citation.bibliography = bib
            citation.note = int(note or 0)
            text = self.style.render_citation(citation, cites_so_far, lambda c: None)
            out.append(self._entry(",".join(str(c.get("id")) for c in cluster),
                                   self._finish(text or "")))
        return out


PARALLEL_FROM = 400  # entries; below this, forking costs more than it saves


def _workers(count: int) -> int:
    import os
    if count < PARALLEL_FROM or os.environ.get("BALINTBIB_NO_FORK"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(cpus, 4))


def _spread(job, items: list) -> list:
    """job(items), in parallel slices for long lists (job maps each item
    independently and returns a list)."""
    workers = _workers(len(items))
    if workers < 2:
        return job(items)
    size = -(-len(items) // workers)
    chunks = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    return _in_forks(lambda a, b: job(items[a:b]), chunks)


_JOB = None


def _run_job(args):
    return _JOB(*args)


def _in_forks(job, chunks) -> list:
    """Run job(*chunk) for every chunk in forked processes; concatenated results."""
    import multiprocessing
    global _JOB
    _JOB = job
    try:
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            parts = pool.map(_run_job, chunks)
    finally:
        _JOB = None
    return [value for part in parts for value in part]


def _suffix(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = letters[rem] + out
    return out


@lru_cache(maxsize=32)
def get_engine(style: str, locale: str | None = None) -> CitationEngine:
    return CitationEngine(style, locale)


def render_bibliography(items: list[dict], style: str, locale: str | None = None,
                        failures: list | None = None) -> list[RenderedEntry]:
    """All `items` (CSL-JSON dicts) as one bibliography, in bibliography order;
    items that cannot be rendered are left out and reported in `failures`
    (:class:`RenderFailure`: id and one line)."""
    return get_engine(style, locale).bibliography(items, failures)


def render_citations(items: list[dict], clusters: list[list[dict]], style: str,
                     locale: str | None = None) -> list[RenderedEntry]:
    """Citation clusters in document order (see :meth:`CitationEngine.citations`)."""
    return get_engine(style, locale).citations(items, clusters)
