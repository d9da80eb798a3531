"""What a rendering gives: finished entries as text, escaped HTML and
Markdown, and the one-line failures of items that could not be rendered."""

from __future__ import annotations

from dataclasses import dataclass

from . import fidelity, markup

_SEAL = fidelity.SEAL
_KEEP_SPACE = fidelity.KEEP_SPACE


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


class Output:
    """The finishing passes and the three output formats of an engine
    (mixed into :class:`balintbib.cite.engine.CitationEngine`)."""

    def _finish(self, text) -> str:
        text = fidelity.finish(str(text), self.punctuation_in_quote)
        return markup.resolve_quotes(text, self.quotes).replace(_SEAL, "").replace(_KEEP_SPACE, "")

    def _entry(self, item_id: str, text: str, trim_html: bool = True) -> RenderedEntry:
        """Text, HTML and Markdown of one rendering; a bibliography entry's
        HTML keeps the spaces at its ends as citeproc-js's does (the text and
        Markdown are trimmed)."""
        return RenderedEntry(item_id, markup.to_text(text), markup.to_html(text, trim_html),
                             markup.to_markdown(text))

