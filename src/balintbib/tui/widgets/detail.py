"""The detail pane: the formatted citation, annotation, provenance, abstract, identifiers, tags.

Everything from the library is put into `rich.text.Text` objects as plain
text, so ``[bold]`` or ``[link=...]`` in a title stays literally on screen.

The pane is a line-API `ScrollView`: showing another reference wraps one
`Text` to the pane's width and repaints the pane, without a relayout of the
screen (a `Static` per section would cost a full layout on every cursor rest).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ._scroll import set_virtual_size

from ...model import Reference
from ..services import Citation

#: How identifiers become links.
LINKS = {
    "doi": "https://doi.org/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
    "pmcid": "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/",
    "arxiv": "https://arxiv.org/abs/{}",
    "url": "{}",
}

HEADING = Style(bold=True)
DIM = Style(dim=True, italic=True)


def identifier_url(kind: str, value: str) -> str | None:
    pattern = LINKS.get(kind)
    if pattern is None:
        return None
    if kind == "doi":
        value = value.removeprefix("https://doi.org/").removeprefix("doi:")
    if kind == "url" and not value.startswith(("https://", "http://")):
        return None
    return pattern.format(value)


class DetailPane(ScrollView, can_focus=True):
    """Shows one reference; `show` is called by the app (attributes down)."""

    DEFAULT_CSS = """
    DetailPane { overflow-x: hidden; overflow-y: scroll; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "Reference"
        self.ref: Reference | None = None
        self.citation: Citation | None = None
        self._sections: list[Text] = [Text("No reference selected.", style=DIM)]
        self._strips: list[Strip] = []
        self._width = 0
        self._styled: dict[int, Strip] = {}
        self._styled_base = None

    # -- content -------------------------------------------------------------------
    @property
    def text(self) -> Text:
        """Everything the pane shows, as one `Text` (tests read `.plain` and spans)."""
        return Text("\n\n").join(self._sections)

    def show(self, ref: Reference | None, macros: dict[str, str], citation: Citation | None,
             style_label: str) -> None:
        self.ref = ref
        self.citation = citation
        if ref is None:
            self.border_subtitle = ""
            self._sections = [Text("No reference selected.", style=DIM)]
            self._layout(home=True)
            return
        self.border_subtitle = style_label
        sections = [self._citation_text(citation)]

        annotation = Text()
        annotation.append("Annotation\n", style=HEADING)
        annotation.append(ref.annotation or "No annotation yet.", style=None if ref.annotation else DIM)
        sections.append(annotation)

        provenance = ref.text("provenance", macros)
        if provenance:  # where it was cited and for what: the librarian's record, not the annotation
            sections.append(Text.assemble(("Provenance\n", HEADING), provenance))

        abstract = ref.text("abstract", macros)
        if abstract:
            sections.append(Text.assemble(("Abstract\n", HEADING), abstract))

        meta = Text()
        for kind, value in ref.identifiers.items():
            meta.append(f"{kind.upper():<6}", style=HEADING)
            url = identifier_url(kind, value)
            meta.append(value, style=Style(link=url, underline=True) if url else None)
            meta.append("\n")
        tags = ref.tags
        meta.append(f"{'Tags':<6}", style=HEADING)
        meta.append(", ".join(tags) if tags else "none", style=None if tags else DIM)
        meta.append("\n")
        meta.append(f"{'Key':<6}", style=HEADING)
        meta.append(f"{ref.key} ({ref.type})")
        sections.append(meta)
        self._sections = sections
        self._layout(home=True)

    def show_citation(self, citation: Citation | None) -> None:
        self.citation = citation
        if self.ref is not None and self._sections:
            self._sections[0] = self._citation_text(citation)
            self._layout(home=False)

    @staticmethod
    def _citation_text(citation: Citation | None) -> Text:
        if citation is None:
            return Text("Formatting…", style=DIM)
        text = Text(citation.text)
        if citation.fallback_reason:
            text.append(f"\n(plain citation: {citation.fallback_reason})", style=DIM)
        return text

    # -- drawing ----------------------------------------------------------------------
    def _layout(self, home: bool) -> None:
        width = self.scrollable_content_region.width
        self._width = width
        if width <= 0:
            self._strips = []
            return
        console = self.app.console
        options = console.options.update_width(width)
        lines = console.render_lines(self.text, options, pad=False, new_lines=False)
        self._strips = [Strip(line).simplify().extend_cell_length(width).crop(0, width) for line in lines]
        self._styled.clear()
        set_virtual_size(self, Size(width, len(self._strips)))
        if home:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width:
            self._layout(home=False)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if base != self._styled_base:
            self._styled.clear()
            self._styled_base = base
        index = round(self.scroll_y) + y
        if 0 <= index < len(self._strips) and width == self._width:
            strip = self._styled.get(index)
            if strip is None:
                strip = self._styled[index] = self._strips[index].apply_style(base)
            return strip
        return Strip([Segment(" " * width, base)], width)
