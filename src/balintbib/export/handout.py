"""A handout: the annotated reading list a group leader hands out.

Three steps, each usable alone:

1. `select_references` picks references by query, tags or keys;
2. `group_references` sorts them into sections (by tag, year, type, or one
   section), a reference with several tags under each of its tags;
3. `build_handout` formats every section as ONE bibliography in a CSL style
   (so numbering, sorting and year suffixes are right within the section)
   through `balintbib.cite`, and returns a `Handout`: title, introduction,
   sections of entries (the formatted reference and its annotation as
   paragraphs of `rich.Run`), and a footer.

The renderers (`html`, `markdown`, `text`, `docx`, `pdf`) only lay a
`Handout` out; none of them formats a reference.

Provenance (``export --provenance``): where a reference was cited and for what
(the ``provenance`` field) is the librarian's record, not the annotation; asked
for, it is added after the annotation as a labelled paragraph.

Themes: ``theme_labels`` maps a tag to its heading in the handout's language
(``[export.locales.<tag>.themes]`` in ``balintbib.toml``).  The introduction is
made true of the selection by `balintbib.export.intro`.

Annotations: an *annotated style* (one whose bibliography prints the CSL
``note`` variable as a block, e.g. ``apa-annotated-bibliography``) receives
the annotation as ``note`` and prints it itself; for any other style the
annotation is added as a paragraph after the reference.  Either way it
appears once.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from lxml import etree

from .. import __version__
from ..errors import BalintError
from ..formats.csljson import to_csl
from ..model import Reference
from ..query import fold, select
from .rich import Paragraph, Run, annotation_paragraphs, parse_csl_html, parse_intro
from .words import Words

DEFAULT_STYLE = "apa-annotated-bibliography"
GROUPINGS = ("tag", "year", "type", "none")
OTHER = "Other"
NO_DATE = "No date"

#: Sections of ``--group-by type``, in this order; a type not listed goes to "Other".
TYPE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Journal articles", ("article", "periodical")),
    ("Books", ("book", "mvbook", "collection", "mvcollection", "proceedings", "mvproceedings",
               "booklet", "reference", "mvreference")),
    ("Book chapters", ("incollection", "inbook", "inreference", "suppbook", "suppcollection")),
    ("Conference papers", ("inproceedings", "conference")),
    ("Theses", ("phdthesis", "mastersthesis", "thesis")),
    ("Reports", ("report", "techreport", "manual")),
    ("Web pages", ("online", "www", "electronic")),
    ("Audio and video", ("movie", "video", "audio", "music")),
)
_TYPE_SECTION = {t: title for title, types in TYPE_GROUPS for t in types}

#: Countries whose printers use US Letter; everyone else A4.
_LETTER_REGIONS = {"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "PR"}


class ExportError(BalintError):
    """A handout that cannot be made (empty selection, unknown style or tag...)."""


ProgressCallback = Callable[[int, int], None]


# -- the document model -------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One formatted reference in a section."""

    key: str
    label: str  # "1." / "[1]" for numeric styles, else ""
    reference: Paragraph
    annotation: tuple[Paragraph, ...]  # paragraphs printed after the reference
    lang: str = ""  # the work's language (BCP 47) when the library says and it differs


@dataclass(frozen=True)
class Section:
    title: str | None  # None: the handout has a single, untitled section
    anchor: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Handout:
    title: str
    summary: str  # one line under the title: how many references, how grouped
    intro: tuple[Paragraph, ...]
    sections: tuple[Section, ...]
    footer: str
    lang: str  # BCP 47, for <html lang> and the DOCX language
    paper: str  # "a4" or "letter"
    style: str  # the style spec as given
    style_title: str
    date: _dt.date
    count: int  # distinct references
    section_breaks: bool = True  # each section on a new page (print, PDF, DOCX)
    warnings: tuple[str, ...] = ()  # what the user should know (printed on stderr by the CLI)
    contents_heading: str = "Contents"
    generator: str = f"balintbib {__version__}"

    @property
    def entries(self) -> list[Entry]:
        return [e for s in self.sections for e in s.entries]


# -- styles --------------------------------------------------------------------------

@dataclass(frozen=True)
class StyleInfo:
    spec: str
    title: str
    annotated: bool  # the style prints the CSL note variable as a block
    default_locale: str | None


_CSL = "{http://purl.org/net/xbiblio/csl}"


def style_info(spec: str) -> StyleInfo:
    """Resolve a style and find out whether it prints annotations itself."""
    from ..cite import StyleError, resolve_style

    try:
        resolved = resolve_style(spec)
    except StyleError as exc:
        raise ExportError(str(exc)) from None
    annotated = _prints_note_block(str(resolved.path))
    ident = (resolved.dependent or resolved.path).stem
    annotated = annotated or "annotated" in ident.lower()
    return StyleInfo(spec, resolved.title or ident, annotated, resolved.default_locale)


@lru_cache(maxsize=64)
def _prints_note_block(path: str) -> bool:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.parse(path, parser).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        raise ExportError(f"{path}: cannot read the style: {exc}") from None
    macros = {m.get("name"): m for m in root.iter(f"{_CSL}macro")}
    note_macros: set[str] = set()
    changed = True
    while changed:  # macros that print note, directly or through other macros
        changed = False
        for name, macro in macros.items():
            if name not in note_macros and any(_prints_note(e, note_macros) for e in macro.iter()):
                note_macros.add(name)
                changed = True
    bibliography = root.find(f"{_CSL}bibliography")
    if bibliography is None:
        return False
    for el in bibliography.iter():
        if el.get("display") == "block" and any(_prints_note(d, note_macros) for d in el.iter()):
            return True
    return False


def _prints_note(el, note_macros: set[str]) -> bool:
    if el.tag == f"{_CSL}text" or el.tag == f"{_CSL}group":
        return "note" in (el.get("variable") or "").split() or el.get("macro") in note_macros
    return False


# -- selection -----------------------------------------------------------------------

def select_references(refs: Sequence[Reference], *, query: str = "", tags: Iterable[str] = (),
                      keys: Iterable[str] = (), macros: dict[str, str] | None = None) -> list[Reference]:
    """References matching the query, having ANY of the tags, among the keys (if given).

    Library order, or the order of `keys` when they are given.
    Unknown keys and tags that no reference carries are errors (a typo must
    not silently shorten a handout); so is an empty result.
    """
    keys = [k.strip() for k in keys if k.strip()]
    tags = [t.strip() for t in tags if t.strip()]
    pool = list(refs)
    if keys:
        by_key = {r.key.lower(): r for r in reversed(pool)}
        missing = [k for k in keys if k.lower() not in by_key]
        if missing:
            raise ExportError(f"no reference with the key{'s' if len(missing) > 1 else ''} "
                              f"{', '.join(missing)} in the library")
        # in the order given: styles that number by citation order (AMA, Vancouver) follow it
        pool = [by_key[k] for k in dict.fromkeys(k.lower() for k in keys)]
    if tags:
        in_use = {fold(t) for r in refs for t in r.tags}
        unknown = [t for t in tags if fold(t) not in in_use]
        if unknown:
            raise ExportError(f"no reference has the tag {', '.join(repr(t) for t in unknown)} "
                              f"(tags in use: {', '.join(sorted(in_use)) or 'none'})")
        wanted_tags = {fold(t) for t in tags}
        pool = [r for r in pool if wanted_tags & {fold(t) for t in r.tags}]
    chosen = select(pool, query, macros=macros) if query else pool  # QueryError is one line too
    if not chosen:
        what = "; ".join(x for x in (
            f"query {query!r}" if query else "",
            f"tags {', '.join(tags)}" if tags else "",
            f"keys {', '.join(keys)}" if keys else "") if x) or "the library is empty"
        raise ExportError(f"no references to export ({what})")
    return chosen


# -- grouping ------------------------------------------------------------------------

def heading_for_tag(tag: str, labels: dict[str, str] | None = None) -> str:
    """A theme's heading: its label in the handout's language when the library gives
    one, else the tag (kept in lower case, ``general practice``) with a capital."""
    if labels:
        label = {fold(k): v for k, v in labels.items()}.get(fold(tag))
        if label:
            return label
    return tag[:1].upper() + tag[1:] if tag == tag.lower() else tag


def group_references(refs: Sequence[Reference], group_by: str = "tag", *,
                     tags: Sequence[str] = (), tag_order: Sequence[str] = (),
                     macros: dict[str, str] | None = None,
                     words: Words | None = None,
                     labels: dict[str, str] | None = None) -> list[tuple[str | None, list[Reference]]]:
    """Sections as ``(title, references)``, references in library order within each.

    ``tags``: the handout's themes, in order (the only tag sections there will be);
    otherwise every tag in use, in ``tag_order`` first, then alphabetically, and
    the untagged references under "Other".
    """
    if group_by not in GROUPINGS:
        raise ExportError(f"cannot group by {group_by!r}; choose one of {', '.join(GROUPINGS)}")
    words = words or Words("en")
    if group_by == "none":
        return [(None, list(refs))]
    if group_by == "tag":
        spelled: dict[str, str] = {}
        members: dict[str, list[Reference]] = {}
        untagged: list[Reference] = []
        for ref in refs:
            seen = set()
            for tag in ref.tags:
                f = fold(tag)
                if f in seen:
                    continue
                seen.add(f)
                spelled.setdefault(f, tag)
                members.setdefault(f, []).append(ref)
            if not seen:
                untagged.append(ref)
        if tags:
            order = list(dict.fromkeys(fold(t) for t in tags))
            for t in tags:
                spelled.setdefault(fold(t), t)
            return [(heading_for_tag(spelled[f], labels), members[f]) for f in order if members.get(f)]
        rank = {fold(t): i for i, t in enumerate(tag_order)}
        for t in tag_order:
            if fold(t) in spelled:
                spelled[fold(t)] = t
        order = sorted(members, key=lambda f: (rank.get(f, len(rank)), f))
        groups = [(heading_for_tag(spelled[f], labels), members[f]) for f in order]
        if untagged:
            groups.append((words["other"], untagged))
        return groups
    if group_by == "year":
        by_year: dict[str, list[Reference]] = {}
        for ref in refs:
            m = re.match(r"\d{4}", ref.text("year", macros) or ref.text("date", macros))
            by_year.setdefault(m.group() if m else NO_DATE, []).append(ref)
        years = sorted((y for y in by_year if y != NO_DATE), reverse=True)
        if NO_DATE in by_year:
            years.append(NO_DATE)
        return [(words["no-date"] if y == NO_DATE else y, by_year[y]) for y in years]
    by_type: dict[str, list[Reference]] = {}
    for ref in refs:
        by_type.setdefault(_TYPE_SECTION.get(ref.type, OTHER), []).append(ref)
    order = [title for title, _ in TYPE_GROUPS if title in by_type]
    if OTHER in by_type:
        order.append(OTHER)
    return [(words["other"] if t == OTHER else words.type_heading(t), by_type[t]) for t in order]


# -- formatting ----------------------------------------------------------------------

#: biblatex language names -> BCP 47 (for lang attributes: hyphenation, screen readers).
LANGUAGES = {
    "english": "en", "american": "en-US", "british": "en-GB", "german": "de", "ngerman": "de",
    "austrian": "de-AT", "swissgerman": "de-CH", "french": "fr", "italian": "it", "spanish": "es",
    "portuguese": "pt", "brazil": "pt-BR", "dutch": "nl", "swedish": "sv", "danish": "da",
    "norwegian": "no", "norsk": "nb", "nynorsk": "nn", "finnish": "fi", "icelandic": "is",
    "polish": "pl", "czech": "cs", "slovak": "sk", "slovene": "sl", "hungarian": "hu",
    "croatian": "hr", "serbian": "sr", "bulgarian": "bg", "russian": "ru", "ukrainian": "uk",
    "greek": "el", "turkish": "tr", "hebrew": "he", "arabic": "ar", "persian": "fa", "farsi": "fa",
    "japanese": "ja", "chinese": "zh", "korean": "ko", "romanian": "ro", "lithuanian": "lt",
    "latvian": "lv", "estonian": "et", "catalan": "ca", "latin": "la",
}
_BCP47 = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def language_tag(value: str) -> str:
    """A ``language`` field (``russian``, ``de``, ``en-GB``) as a BCP 47 tag, or ""."""
    value = value.strip()
    if not value:
        return ""
    low = value.lower()
    if low in LANGUAGES:
        return LANGUAGES[low]
    return value if _BCP47.fullmatch(value) else ""


def default_paper(lang: str) -> str:
    region = lang.replace("_", "-").split("-")[1:2]
    return "letter" if region and region[0].upper() in _LETTER_REGIONS else "a4"


def _anchor(title: str | None, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(title or "references")).strip("-") or "section"
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    return anchor


def format_section(refs: Sequence[Reference], style: StyleInfo, *, annotated: bool = True,
                   locale: str | None = None, macros: dict[str, str] | None = None,
                   cache: dict | None = None, warnings: list[str] | None = None,
                   provenance: bool = False, words: Words | None = None) -> list[Entry]:
    """One CSL bibliography of `refs`, taken apart into entries (in the style's order).

    ``cache`` (one dict per handout) keeps each reference's CSL item and annotation,
    so that a reference listed under several tags is converted once.
    """
    from ..cite import StyleError, render_bibliography

    as_note = annotated and style.annotated
    cache = {} if cache is None else cache
    items, by_id = [], {}
    for ref in refs:
        if ("csl", id(ref)) not in cache:
            cache["csl", id(ref)] = to_csl(ref, macros, annotation_as_note=as_note)
        item = dict(cache["csl", id(ref)])
        ident, n = ref.key, 2
        while ident in by_id:  # duplicate keys (a broken library) still print both
            ident, n = f"{ref.key}-{n}", n + 1
        item["id"] = ident
        by_id[ident] = ref
        items.append(item)
    failures: list = []
    try:
        rendered = render_bibliography(items, style.spec, locale, failures)
    except StyleError as exc:
        raise ExportError(str(exc)) from None
    if items and not rendered:
        raise ExportError(f"the style {style.title!r} has no bibliography layout "
                          "(it only formats citations); choose another style")
    entries = []
    seen: set[str] = set()
    for r in rendered:
        ref = by_id.get(r.id)
        if ref is None or r.id in seen:
            continue
        seen.add(r.id)
        parts = parse_csl_html(r.html)
        reference, blocks = parts.reference, parts.blocks
        if annotated and not style.annotated:
            if blocks:  # a non-annotated style with display="block" parts: keep them inline
                joined: list[Run] = list(reference)
                for b in blocks:
                    joined.append(Run(" "))
                    joined.extend(b)
                reference, blocks = tuple(joined), ()
            if ("annotation", id(ref)) not in cache:
                cache["annotation", id(ref)] = annotation_paragraphs(ref.annotation)
            blocks = cache["annotation", id(ref)]
        if provenance:
            blocks = tuple(blocks) + _provenance_paragraphs(ref, words or Words("en"))
        entries.append(Entry(ref.key, parts.label, reference, tuple(blocks),
                             language_tag(ref.text("language", macros))))
    failed = {failure.id: failure.message for failure in failures}
    for ident, ref in by_id.items():  # the style printed nothing for it: never drop a reference
        if ident not in seen:
            if warnings is not None:
                why = failed.get(ident, "the style printed nothing for it")
                warnings.append(f"{ref.key}: {why}; listed as author, year, title")
            blocks = annotation_paragraphs(ref.annotation) if annotated else ()
            if provenance:
                blocks = tuple(blocks) + _provenance_paragraphs(ref, words or Words("en"))
            entries.append(Entry(ref.key, "", _fallback(ref, macros), blocks))
    return entries


def _provenance_paragraphs(ref: Reference, words: Words) -> tuple[Paragraph, ...]:
    """The provenance field as paragraphs, the first led by its label in italics."""
    paras = annotation_paragraphs(ref.provenance)
    if not paras:
        return ()
    first = (Run(words["provenance"] + " ", italic=True),) + tuple(paras[0])
    return (first,) + tuple(paras[1:])


def _fallback(ref: Reference, macros: dict[str, str] | None) -> Paragraph:
    people = ref.authors or ref.editors
    names = "; ".join(p.display() for p in people if not p.is_others)
    year = ref.text("year", macros) or ref.text("date", macros)[:4] or "n.d."
    return (Run(f"{names} ({year}). " if names else f"({year}). "),
            Run(ref.text("title", macros) or ref.key, italic=True), Run("."))


def build_handout(refs: Sequence[Reference], *, macros: dict[str, str] | None = None,
                  style: str = DEFAULT_STYLE, locale: str | None = None, group_by: str = "tag",
                  tags: Sequence[str] = (), tag_order: Sequence[str] = (), annotated: bool = True,
                  title: str | None = None, intro: str = "", paper: str | None = None,
                  date: _dt.date | None = None, section_breaks: bool = True,
                  progress: ProgressCallback | None = None, provenance: bool = False,
                  theme_labels: dict[str, str] | None = None, whole_library: bool = True,
                  library_count: int | None = None) -> Handout:
    """Format the (already selected) references as a handout.

    ``whole_library`` and ``library_count`` tell the introduction what the
    selection is (see `balintbib.export.intro`); ``provenance`` adds each
    reference's provenance field; ``theme_labels`` names the theme sections."""
    from .intro import IntroFacts, fill_intro

    if not refs:
        raise ExportError("no references to export")
    info = style_info(style)
    lang = locale or info.default_locale or "en-US"
    words = Words(lang)
    groups = group_references(refs, group_by, tags=tags, tag_order=tag_order, macros=macros, words=words,
                              labels=theme_labels)
    total = sum(len(members) for _, members in groups)
    done = 0
    if progress:
        progress(0, total)
    used: set[str] = set()
    sections = []
    cache: dict = {}
    warnings: list[str] = []
    for heading, members in groups:
        entries = format_section(members, info, annotated=annotated, locale=locale, macros=macros,
                                 cache=cache, warnings=warnings, provenance=provenance, words=words)
        sections.append(Section(heading, _anchor(heading, used), tuple(entries)))
        done += len(members)
        if progress:
            progress(done, total)
    date = date or _dt.date.today()
    count = len({id(r) for r in refs})
    repeated = total > count
    summary = words.count(count)
    if group_by in words["grouped"]:
        summary += ", " + words["grouped"][group_by]
    summary += "."
    if repeated:
        summary += " " + words["repeated"]
    footer = words["footer"].format(style=info.title, date=words.date(date))
    distinct = list({id(r): r for r in refs}.values())
    facts = IntroFacts(
        count=count, annotated=sum(1 for r in distinct if r.annotation.strip()),
        library_count=library_count if library_count is not None else count,
        whole_library=whole_library, annotations_shown=annotated,
        themes=tuple(h for h, _ in groups if h) if group_by == "tag" else (), lang=lang)
    return Handout(
        title=title or words["title-annotated" if annotated else "title"],
        summary=summary,
        intro=parse_intro(fill_intro(intro, facts)),
        sections=tuple(sections),
        footer=footer,
        lang=lang,
        paper=(paper or default_paper(locale or "")).lower(),
        style=style,
        style_title=info.title,
        date=date,
        count=count,
        section_breaks=section_breaks,
        warnings=tuple(dict.fromkeys(warnings)),
        contents_heading=words["contents"],
    )


from .settings import SETTINGS, find_settings, library_settings, locale_settings  # noqa: E402,F401
