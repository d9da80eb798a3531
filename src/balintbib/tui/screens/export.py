"""The export dialog: style, format and file for the marked references."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ..services import FORMAT_EXT, FORMATS, STYLES, groupings

#: Export styles: the annotated APA first (the export default), then the detail pane's list.
EXPORT_STYLES = (("apa-annotated-bibliography", "APA 7th, annotated bibliography"),) + STYLES
GROUP_LABELS = {"tag": "By theme (tag)", "year": "By year", "type": "By kind of work", "none": "One list"}


@dataclass
class ExportRequest:
    style: str
    format: str
    path: Path
    group_by: str = "tag"


class ExportScreen(ModalScreen[ExportRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                # Enter exports from any field (a Select would otherwise open its list on Enter);
                # Space or the arrow keys open a list, and Enter in an open list picks the item.
                Binding("enter", "submit", "Export", priority=True, show=False)]

    def __init__(self, count: int, style: str, formats: list[str], folder: Path,
                 cursor_blink: bool = True) -> None:
        super().__init__()
        self.count = count
        self.style = style
        self.formats = formats
        self.folder = folder
        self.cursor_blink = cursor_blink
        self._overwrite: Path | None = None  # the existing file the user agreed to overwrite

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog") as box:
            box.border_title = "Export reading list"
            box.border_subtitle = "Enter exports · Esc cancels"
            noun = "reference" if self.count == 1 else "references"
            yield Static(Text(f"{self.count} marked {noun}, as an annotated reading list "
                              "(the same handout as 'balintbib export')."), id="export-count")
            yield Label("Citation style")
            styles = EXPORT_STYLES if self.style in dict(EXPORT_STYLES) else EXPORT_STYLES + ((self.style, self.style),)
            yield Select([(label, sid) for sid, label in styles], value=self.style, allow_blank=False,
                         id="export-style")
            yield Label("Sections")
            yield Select([(GROUP_LABELS.get(g, g), g) for g in groupings()], value="tag", allow_blank=False,
                         id="export-group")
            yield Label("Format")
            yield Select([(label, fid) for fid, label, _ in FORMATS if fid in self.formats],
                         value=self.formats[0], allow_blank=False, id="export-format")
            yield Label("File (a relative name goes in the current folder)")
            path_input = Input(f"reading-list{FORMAT_EXT[self.formats[0]]}", id="export-path")
            path_input.cursor_blink = self.cursor_blink
            yield path_input
            yield Static("", id="export-error")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            if isinstance(self.focused, Button):
                return False  # Enter on a button presses it
            if any(select.expanded for select in self.query(Select)):
                return False  # Enter in an open list picks the item
        return True

    def action_submit(self) -> None:
        self._submit()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "export-format" and isinstance(event.value, str):
            path_input = self.query_one("#export-path", Input)
            current = Path(path_input.value)
            if current.suffix in FORMAT_EXT.values():
                path_input.value = str(current.with_suffix(FORMAT_EXT[event.value]))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-ok":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        error = self.query_one("#export-error", Static)
        if not raw:
            error.update(Text("Give a file name.", style="bold red"))
            return
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = self.folder / path
        if not path.parent.is_dir():
            error.update(Text(f"No such folder: {path.parent}", style="bold red"))
            return
        if path.exists() and path != self._overwrite:
            self._overwrite = path  # asked once: Enter again (same file) overwrites it
            error.update(Text(f"{path} exists — press Enter again to overwrite it.", style="bold yellow"))
            return
        style = self.query_one("#export-style", Select).value
        fmt = self.query_one("#export-format", Select).value
        group = self.query_one("#export-group", Select).value
        self.dismiss(ExportRequest(str(style), str(fmt), path, str(group)))

    def action_cancel(self) -> None:
        self.dismiss(None)
