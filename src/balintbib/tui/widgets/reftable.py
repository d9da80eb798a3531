"""The reference list: a line-API table that draws only the rows on screen.

`DataTable` builds a row object per reference; at 10,000 references that is
most of a second on every search keystroke.  `RefTable` is a `ScrollView`
whose rows are a plain list of references: replacing them is O(1), and each
frame renders the few dozen visible lines from `Catalog.line` (plain strings
turned into `Segment`s, so nothing from the library is read as markup).

Keys: ↑/↓ (j/k), PgUp/PgDn, Home/End, Enter opens.  Clicking a header sorts
by that column, clicking a row moves the cursor, clicking it again opens it.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ._scroll import set_virtual_size

from ...model import Reference
from ..catalog import COLUMNS, Catalog


def fit(text: str, width: int) -> str:
    """`text` cut (with an ellipsis) or padded to exactly `width` cells."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


class RefTable(ScrollView, can_focus=True):
    """The list of references; the app owns the rows, the marks and the sort."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "open", "Open", show=False),
    ]

    COMPONENT_CLASSES = {
        "reftable--header",
        "reftable--sorted",
        "reftable--cursor",
        "reftable--marked",
        "reftable--marker",
        "reftable--year",
        "reftable--tags",
        "reftable--empty",
    }

    DEFAULT_CSS = """
    RefTable { background: $surface; overflow-x: hidden; overflow-y: scroll; }
    RefTable > .reftable--header { text-style: bold; background: $panel; color: $text; }
    RefTable > .reftable--sorted { text-style: bold underline; background: $panel; color: $accent; }
    RefTable > .reftable--cursor { background: $boost; text-style: bold; }
    RefTable:focus > .reftable--cursor { background: $accent 40%; }
    RefTable > .reftable--marked { color: $warning; text-style: bold; }
    RefTable > .reftable--marker { color: $success; }
    RefTable > .reftable--year { color: $text-muted; }
    RefTable > .reftable--tags { color: $secondary; }
    RefTable > .reftable--empty { color: $text-muted; text-style: italic; }
    """

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    class Highlighted(Message):
        """The cursor is on another reference (None: the list is empty)."""

        def __init__(self, ref: Reference | None) -> None:
            self.ref = ref
            super().__init__()

    class Opened(Message):
        """Enter (or a second click) on a reference."""

        def __init__(self, ref: Reference) -> None:
            self.ref = ref
            super().__init__()

    class SortRequested(Message):
        """A column header was clicked."""

        def __init__(self, column: str) -> None:
            self.column = column
            super().__init__()

    def __init__(self, catalog: Catalog, marks: set[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.catalog = catalog
        self.marks = marks  # lower-cased keys, shared with the app
        self.rows: list[Reference] = []
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.empty_message = "No references."
        self._last_highlighted: Reference | None = None
        self._widths: dict[int, list[tuple[str, int]]] = {}

    # -- data -------------------------------------------------------------------------
    def set_rows(self, rows: list[Reference], keep: Reference | None = None) -> None:
        """Show these references; the cursor stays on `keep` (or its key) when it is among them."""
        self.rows = rows
        index = 0
        if keep is not None:  # the same reference, or the one with its key (after a reload)
            index = next((i for i, r in enumerate(rows) if r is keep), -1)
            if index < 0:
                key = keep.key.lower()
                index = next((i for i, r in enumerate(rows) if r.key.lower() == key), 0)
        set_virtual_size(self, Size(self.scrollable_content_region.width, len(rows) + 1))
        self.set_reactive(RefTable.cursor, min(index, max(len(rows) - 1, 0)))
        self._scroll_cursor_into_view()
        self.refresh()
        self._post_highlight()

    @property
    def current(self) -> Reference | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    # -- cursor -------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        top = round(self.scroll_y)
        self._scroll_cursor_into_view()
        if round(self.scroll_y) == top:  # no scroll: repaint just the two rows
            self.refresh_row(old)
            self.refresh_row(new)
        self._post_highlight()

    def refresh_row(self, index: int) -> None:
        """Repaint one row (virtual line index + 1: the header is line 0)."""
        self.refresh_line(index + 1)

    def _post_highlight(self) -> None:
        ref = self.current
        if ref is not self._last_highlighted:
            self._last_highlighted = ref
            self.post_message(self.Highlighted(ref))

    def _body_height(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_y)
        height = self._body_height()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        if self.rows:
            self.cursor = max(0, min(index, len(self.rows) - 1))

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - self._body_height())

    def action_page_down(self) -> None:
        self.move_to(self.cursor + self._body_height())

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.rows) - 1)

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    # -- mouse ----------------------------------------------------------------------------
    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self._column_at(offset.x)
            if column is not None:
                self.post_message(self.SortRequested(column))
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self.rows):
            if index == self.cursor or event.chain > 1:
                self.post_message(self.Opened(self.rows[index]))
            self.cursor = index

    # -- layout -----------------------------------------------------------------------------
    def on_resize(self) -> None:
        set_virtual_size(self, Size(self.scrollable_content_region.width, len(self.rows) + 1))
        self._scroll_cursor_into_view()

    def column_widths(self, width: int) -> list[tuple[str, int]]:
        """(column id, cells) for a table `width` cells wide; the title takes the rest."""
        cached = self._widths.get(width)
        if cached is None:
            cached = self._widths[width] = self._compute_widths(width)
        return cached

    @staticmethod
    def _compute_widths(width: int) -> list[tuple[str, int]]:
        tags = 0 if width < 90 else (20 if width < 120 else 28)
        author = 16 if width < 60 else (21 if width < 120 else 26)
        fixed = {"mark": 1, "author": author, "year": 5, "tags": tags, "annotated": 1}
        gaps = sum(1 for c, *_ in COLUMNS if fixed.get(c, 1)) - 1
        title = max(width - sum(fixed.values()) - gaps, 10)
        return [(c, title if c == "title" else fixed[c]) for c, *_ in COLUMNS if c == "title" or fixed[c]]

    def _column_at(self, x: int) -> str | None:
        pos = 0
        for column, width in self.column_widths(self.scrollable_content_region.width):
            if pos <= x < pos + width + 1:
                return column if column != "mark" else None
            pos += width + 1
        return None

    # -- drawing ------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        index = round(self.scroll_y) + y - 1
        if not self.rows:
            if y == 1:
                style = self.get_component_rich_style("reftable--empty")
                return Strip([Segment(fit(" " + self.empty_message, width), style)], width)
            return Strip.blank(width, self.rich_style)
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        return self._row(index, width)

    def _header(self, width: int) -> Strip:
        base = self.get_component_rich_style("reftable--header")
        sorted_style = self.get_component_rich_style("reftable--sorted")
        titles = {c: h for c, h, _ in COLUMNS}
        segments = []
        for column, cells in self.column_widths(width):
            label = titles[column]
            if column == self.sort_column:
                label += "▼" if self.sort_reverse else "▲"
            style = sorted_style if column == self.sort_column else base
            segments.append(Segment(fit(label, cells), style))
            segments.append(Segment(" ", base))
        return Strip(segments, width).adjust_cell_length(width, base)

    def _row(self, index: int, width: int) -> Strip:
        ref = self.rows[index]
        line = self.catalog.line(ref)
        base = self.rich_style
        if index == self.cursor:
            base = base + self.get_component_rich_style("reftable--cursor")
        marked = ref.key.lower() in self.marks
        mark_style = base + self.get_component_rich_style("reftable--marked")
        cells = {
            "mark": ("●" if marked else " ", mark_style),
            "author": (line.author, mark_style if marked else base),
            "year": (line.year, base + self.get_component_rich_style("reftable--year")),
            "title": (line.title, mark_style if marked else base),
            "tags": (line.tags, base + self.get_component_rich_style("reftable--tags")),
            "annotated": ("✎" if line.annotated else " ", base + self.get_component_rich_style("reftable--marker")),
        }
        segments = []
        for column, cells_w in self.column_widths(width):
            text, style = cells[column]
            segments.append(Segment(fit(text, cells_w), style))
            segments.append(Segment(" ", base))
        return Strip(segments, width).adjust_cell_length(width, base)
