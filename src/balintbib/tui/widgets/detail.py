"""The detail pane: the formatted citation, annotation, abstract, identifiers, tags.

Everything from the library is put into `rich.text.Text` objects as plain
text, so ``[bold]`` or ``[link=...]`` in a title stays literally on screen.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

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


def identifier_url(kind: str, value: str) -> str | None:
    pattern = LINKS.get(kind)
    if pattern is None:
        return None
    if kind == "doi":
        value = value.removeprefix("https://doi.org/").removeprefix("doi:")
    if kind == "url" and not value.startswith(("https://", "http://")):
        return None
    return pattern.format(value)


class DetailPane(VerticalScroll, can_focus=True):
    """Shows one reference; `show` is called by the app (attributes down)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "Reference"
        self.ref: Reference | None = None

    def compose(self):
        yield Static(id="detail-citation", markup=False)
        yield Static(id="detail-annotation", markup=False)
        yield Static(id="detail-abstract", markup=False)
        yield Static(id="detail-meta", markup=False)

    def show(self, ref: Reference | None, macros: dict[str, str], citation: Citation | None,
             style_label: str) -> None:
        self.ref = ref
        citation_w = self.query_one("#detail-citation", Static)
        annotation_w = self.query_one("#detail-annotation", Static)
        abstract_w = self.query_one("#detail-abstract", Static)
        meta_w = self.query_one("#detail-meta", Static)
        if ref is None:
            self.border_subtitle = ""
            citation_w.update(Text("No reference selected.", style="dim italic"))
            for w in (annotation_w, abstract_w, meta_w):
                w.update("")
            return
        self.border_subtitle = style_label
        self.show_citation(citation)

        annotation = ref.annotation
        text = Text()
        text.append("Annotation\n", style="bold")
        if annotation:
            text.append(annotation)
        else:
            text.append("No annotation yet.", style="dim italic")
        annotation_w.update(text)

        abstract = ref.text("abstract", macros)
        if abstract:
            abstract_w.update(Text.assemble(("Abstract\n", "bold"), abstract))
            abstract_w.display = True
        else:
            abstract_w.update("")
            abstract_w.display = False

        meta = Text()
        for kind, value in ref.identifiers.items():
            meta.append(f"{kind.upper():<6}", style="bold")
            url = identifier_url(kind, value)
            meta.append(value, style=Style(link=url, underline=True) if url else "")
            meta.append("\n")
        tags = ref.tags
        meta.append(f"{'Tags':<6}", style="bold")
        meta.append(", ".join(tags) if tags else "none", style="" if tags else "dim")
        meta.append("\n")
        meta.append(f"{'Key':<6}", style="bold")
        meta.append(f"{ref.key} ({ref.type})")
        meta_w.update(meta)
        self.scroll_home(animate=False)

    def show_citation(self, citation: Citation | None) -> None:
        widget = self.query_one("#detail-citation", Static)
        if citation is None:
            widget.update(Text("Formatting…", style="dim italic"))
            return
        text = Text(citation.text)
        if citation.fallback_reason:
            text.append(f"\n(plain citation: {citation.fallback_reason})", style="dim italic")
        widget.update(text)
