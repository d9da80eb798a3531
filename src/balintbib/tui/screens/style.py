"""The citation style picker."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..services import STYLES


class StyleScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text(("● " if sid == self.current else "  ") + label + f"  ({sid})"), id=sid)
                   for sid, label in STYLES]
        picker = OptionList(*options, id="style-list")
        picker.border_title = "Citation style"
        picker.border_subtitle = "Enter chooses · Esc cancels"
        yield picker

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        ids = [sid for sid, _ in STYLES]
        picker.highlighted = ids.index(self.current) if self.current in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
