"""Documents that cite the library: citation clusters and Markdown documents.

    from balintbib.cite.document import cite, render_document
    out = cite(items, [{"id": "balint1964"}, {"id": "salinsky2002", "locator": "12"}], "apa")
    doc = render_document(markdown_text, items, "vancouver", source="handout.md")

:func:`cite` renders one cluster (as ``balintbib cite`` prints it);
:func:`render_document` reads a Markdown document with pandoc-style citations
(:mod:`balintbib.cite.citations`), renders every citation in document order
with one engine (numbers in order of first citation, year suffixes and
disambiguation over the cited works, note styles as footnotes), and places
the bibliography where ``::: refs`` stands or at the end. The result is a
:class:`Document` of blocks of rich-text runs that the export writers lay out
(HTML, Markdown, DOCX, PDF). Unknown keys and unreadable citations become
problems with line numbers; the key is shown in the text and nothing stops.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Sequence

from ..errors import BalintError
from .citations import Citation, find_citations
from .engine import CitationEngine, RenderedEntry, get_engine


class UnknownKeyError(BalintError):
    """A citation key the library does not have."""


@dataclass(frozen=True)
class ClusterOutput:
    text: str
    html: str
    markdown: str
    note: bool  # a note style: this is the text of a footnote


def _style_is_note(engine: CitationEngine) -> bool:
    return engine.style.root.get("class") == "note"


def _suggest(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def check_keys(items: Sequence[dict], keys: Sequence[str]) -> None:
    known = [str(item.get("id")) for item in items]
    have = set(known)
    for key in keys:
        if key not in have:
            raise UnknownKeyError(f"unknown citation key {key!r}{_suggest(key, known)}")


def _join(first: RenderedEntry, second: RenderedEntry, between: str = " ") -> RenderedEntry:
    return RenderedEntry(first.id, first.text + between + second.text,
                         first.html + between + second.html,
                         first.markdown + between + second.markdown)


def render_clusters(engine: CitationEngine, items: Sequence[dict], clusters: Sequence[list[dict]],
                    in_text: Sequence[bool] = ()) -> list[RenderedEntry]:
    """Every cluster in document order through one engine; an in-text cluster
    (pandoc's ``@key``) prints the author, then the cite with the author
    suppressed ("Kjeldmand et al. (2004, p. 12)", "Kjeldmand et al. [1]").
    In a note style a cluster is the text of its note."""
    return [inline or note for inline, note in _render(engine, items, clusters, in_text)]


def _render(engine, items, clusters, in_text) -> list[tuple[RenderedEntry | None, RenderedEntry | None]]:
    """(what goes in the text, what goes in a footnote) per cluster: in a
    note style the note, and for ``@key`` in text also the author in the text."""
    in_text = list(in_text) + [False] * (len(clusters) - len(in_text))
    note = _style_is_note(engine)
    expanded, spans, numbers = [], [], []
    for cluster, narrative in zip(clusters, in_text):
        if note:  # a note prints its author: pandoc's [-@key] has no effect in notes
            cluster = [{k: v for k, v in cite.items() if k != "suppress-author"} for cite in cluster]
        spans.append((len(expanded), narrative))
        author_only = [{**cite, "author-only": True} for cite in cluster]
        if narrative and not note:
            expanded.append(author_only)
            numbers.append(0)
            cluster = [{**cite, "suppress-author": True} for cite in cluster]
        expanded.append(list(cluster))
        # in a note style every cluster is the next footnote (for "supra note
        # 2", near-note, ibid); the author printed in the text is in no note
        numbers.append(sum(1 for n in numbers if n) + 1 if note else 0)
        if narrative and note:  # after the note, which is the first citation
            expanded.append(author_only)
            numbers.append(0)
    rendered = engine.citations(list(items), expanded, notes=numbers)
    by_id = {str(item.get("id")): item for item in items}
    out = []
    for (start, narrative), cluster in zip(spans, clusters):
        if narrative:
            author, rest = rendered[start], rendered[start + 1]
            if note:
                author, rest = rest, author
            if author.text == rest.text or author.text.strip().isdigit():
                author = _names_from_data(engine, [by_id[str(c["id"])] for c in cluster])
            if note:
                out.append((author, rest))
            else:
                out.append((_join(author, rest) if rest.text.strip() else author, None))
        else:
            out.append((None, rendered[start]) if note else (rendered[start], None))
    return out


def _names_from_data(engine, items) -> RenderedEntry:
    """The author of an in-text cite when the style's citation prints no
    names (numeric styles): family names from the data, "A and B", "A et
    al." from three on, in the style's locale ("Balint et al. [3]", as pandoc
    writes it)."""
    def term(name, default):
        try:
            value = engine.style.root.get_single_term(name)
            return str(value) if value is not None and str(value) else default
        except Exception:  # noqa: BLE001 - a locale without the term
            return default
    parts = []
    for item in items:
        names = item.get("author") or item.get("editor") or []
        family = [str(n.get("family") or n.get("literal") or "") for n in names if isinstance(n, dict)]
        family = [f for f in family if f]
        if not family:
            parts.append(str(item.get("title") or item.get("id")))
        elif len(family) == 1:
            parts.append(family[0])
        elif len(family) == 2:
            parts.append(f"{family[0]} {term('and', 'and')} {family[1]}")
        else:
            parts.append(f"{family[0]} {term('et-al', 'et al.')}")
    text = "; ".join(parts)
    html = text.replace("&", "&#38;").replace("<", "&#60;").replace(">", "&#62;")
    return RenderedEntry(",".join(str(i.get("id")) for i in items), text, html, text)


def cite(items: Sequence[dict], cluster: list[dict], style: str, locale: str | None = None,
         in_text: bool = False) -> ClusterOutput:
    """One citation cluster in a style; unknown keys raise UnknownKeyError."""
    check_keys(items, [str(c["id"]) for c in cluster])
    engine = get_engine(style, locale)
    entry = render_clusters(engine, items, [cluster], [in_text])[0]
    return ClusterOutput(entry.text, entry.html, entry.markdown, _style_is_note(engine))


def bibliography_of(items: Sequence[dict], cited: Sequence[str], style: str,
                    locale: str | None = None) -> list[RenderedEntry]:
    """The bibliography of the cited items (in order of first citation, which
    numeric styles that do not sort keep)."""
    by_id = {str(item.get("id")): item for item in items}
    chosen = [by_id[key] for key in dict.fromkeys(cited) if key in by_id]
    return get_engine(style, locale).bibliography(chosen)


# -- Markdown documents -------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """A heading (``level`` 1-6), a paragraph (level 0), the bibliography
    (kind "refs"), or a horizontal rule."""

    kind: str  # "heading", "paragraph", "refs", "rule"
    html: str = ""  # inline content as escaped HTML with <i>, <b>, <sup>, <a>
    level: int = 0


@dataclass
class Document:
    title: str
    blocks: list[Block]
    notes: list[str]  # footnotes (escaped HTML), numbered from 1
    references: list[RenderedEntry]
    numeric: bool  # the bibliography is numbered
    refs_heading: str
    problems: list[str] = field(default_factory=list)
    lang: str = "en"


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE_OPEN = re.compile(r"^:::+\s*\{?\s*#?(refs)\s*\}?\s*$")
_FENCE_CLOSE = re.compile(r"^:::+\s*$")
_RULE = re.compile(r"^(?:-\s*){3,}$|^(?:\*\s*){3,}$")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inline(text: str) -> str:
    """A small subset of Markdown inline syntax: ``**bold**``, ``*italic*``
    / ``_italic_``, ``code``, ``<https://...>`` and ``[text](url)`` links.
    Everything else is text (escaped)."""
    out = []
    pattern = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\*(.+?)\*|(?<!\w)_(.+?)_(?!\w)"
                         r"|\[([^\]]+)\]\((https?://[^)\s]+)\)|<(https?://[^>\s]+)>")
    pos = 0
    for match in pattern.finditer(text):
        out.append(_escape(text[pos:match.start()]))
        code, bold, italic, italic2, label, url, bare = match.groups()
        if code is not None:
            out.append(f"<code>{_escape(code)}</code>")
        elif bold is not None:
            out.append(f"<b>{_inline(bold)}</b>")
        elif italic is not None or italic2 is not None:
            out.append(f"<i>{_inline(italic or italic2)}</i>")
        elif label is not None:
            out.append(f'<a href="{_escape(url)}">{_inline(label)}</a>')
        else:
            out.append(f'<a href="{_escape(bare)}">{_escape(bare)}</a>')
        pos = match.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


_PLACEHOLDER = "\ue000{}\ue001"
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")


def render_document(text: str, items: Sequence[dict], style: str, locale: str | None = None,
                    source: str = "document", title: str | None = None) -> Document:
    """A Markdown document with its citations rendered (see the module doc)."""
    engine = get_engine(style, locale)
    known = {str(item.get("id")): item for item in items}
    lines = text.splitlines()
    problems: list[str] = []
    found: list[Citation] = []
    in_code = False
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code:
            continue
        for citation in find_citations(line, number):
            for problem in citation.problems:
                problems.append(f"{source}:{number}: {problem}")
            for item in citation.items:
                if item["id"] not in known:
                    problems.append(f"{source}:{number}: unknown citation key "
                                    f"{item['id']!r}{_suggest(item['id'], list(known))}")
            found.append(citation)
    good = [c for c in found if c.items and not c.problems]
    # a cluster renders the cites whose keys are known; an unknown key is shown as written after it
    renderable = [(c, [i for i in c.items if i["id"] in known]) for c in good]
    renderable = [(c, cites) for c, cites in renderable if cites]
    unknown_cites = {id(c): [i["id"] for i in c.items if i["id"] not in known] for c in good}
    cited = [i["id"] for _, cites in renderable for i in cites]
    cited_items = [known[key] for key in dict.fromkeys(cited)]
    rendered = _render(engine, cited_items, [cites for _, cites in renderable],
                       [c.in_text for c, _ in renderable]) if renderable else []
    by_citation = {id(c): r for (c, _), r in zip(renderable, rendered)}
    note = _style_is_note(engine)

    # the text of every line with citations replaced by placeholders
    replacements: list[str] = []
    notes: list[str] = []
    per_line: dict[int, list[Citation]] = {}
    for citation in found:
        per_line.setdefault(citation.line, []).append(citation)
    out_lines = []
    for number, line in enumerate(lines, 1):
        pieces, pos = [], 0
        for citation in per_line.get(number, []):
            pieces.append(line[pos:citation.start])
            found_entry = by_citation.get(id(citation))
            if found_entry is None:  # unknown key or unreadable: shown as written
                html = f'<span class="unresolved">{_escape(line[citation.start:citation.end])}</span>'
            else:
                inline_entry, note_entry = found_entry
                html = inline_entry.html if inline_entry is not None else ""
                if note_entry is not None:
                    notes.append(note_entry.html)
                    if not html and pieces:  # the note mark follows the word: no space before it
                        pieces[-1] = pieces[-1].rstrip()
                    html += (f'<sup class="note-ref"><a href="#fn{len(notes)}" id="fnref{len(notes)}">'
                             f'{len(notes)}</a></sup>')
                missing = unknown_cites.get(id(citation))
                if missing:
                    html += "".join(f' <span class="unresolved">@{_escape(key)}</span>' for key in missing)
            replacements.append(html)
            pieces.append(_PLACEHOLDER.format(len(replacements) - 1))
            pos = citation.end
        pieces.append(line[pos:])
        out_lines.append("".join(pieces))

    def inline(chunk: str) -> str:
        return _PLACEHOLDER_RE.sub(lambda m: replacements[int(m.group(1))], _inline(chunk))

    blocks: list[Block] = []
    paragraph: list[str] = []
    refs_placed = False
    in_code = False

    def flush():
        if paragraph:
            blocks.append(Block("paragraph", inline(" ".join(s.strip() for s in paragraph))))
            paragraph.clear()

    skip_fence_close = False
    for line in out_lines:
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            flush()
            in_code = not in_code
            continue
        if in_code:
            blocks.append(Block("paragraph", f"<code>{_escape(line)}</code>"))
            continue
        if _FENCE_OPEN.match(stripped):
            flush()
            if not refs_placed:
                blocks.append(Block("refs"))
                refs_placed = True
            skip_fence_close = True
            continue
        if skip_fence_close and _FENCE_CLOSE.match(stripped):
            skip_fence_close = False
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            blocks.append(Block("heading", inline(heading.group(2)), len(heading.group(1))))
        elif _RULE.match(stripped):
            flush()
            blocks.append(Block("rule"))
        elif not stripped:
            flush()
        else:
            paragraph.append(line)
    flush()
    if not refs_placed:
        blocks.append(Block("refs"))
    failures: list = []
    references = engine.bibliography(cited_items, failures) if cited_items else []
    problems.extend(f"{source}: {failure}" for failure in failures)
    doc_title = title
    if doc_title is None:
        first = next((b for b in blocks if b.kind == "heading" and b.level == 1), None)
        doc_title = re.sub(r"<[^>]+>", "", first.html) if first else source
    numeric = bool(engine.style.root.xpath(
        ".//cs:bibliography//cs:text[@variable='citation-number']",
        namespaces={"cs": "http://purl.org/net/xbiblio/csl"}))
    lang = engine.locale.split("-")[0] if engine.locale else "en"
    return Document(doc_title, blocks, notes, references, numeric, _refs_heading(engine),
                    problems, lang)


def _refs_heading(engine: CitationEngine) -> str:
    try:
        term = engine.style.root.get_single_term("references")
        text = str(term) if term is not None else ""
    except Exception:  # a locale without the term
        text = ""
    return text[:1].upper() + text[1:] if text else "References"
