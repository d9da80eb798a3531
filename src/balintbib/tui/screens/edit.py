"""The edit dialog (librarians): a reference's annotation and tags."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from ...model import Reference, split_list


@dataclass
class Edit:
    annotation: str
    tags: list[str]


class EditScreen(ModalScreen[Edit | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, ref: Reference, title: str, cursor_blink: bool = True) -> None:
        super().__init__()
        self.ref = ref
        self.ref_title = title
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-dialog") as box:
            box.border_title = f"Edit {self.ref.key}"
            box.border_subtitle = "Ctrl+S saves to the library file · Esc cancels"
            yield Static(Text(self.ref_title), id="edit-title")
            yield Label("Annotation")
            area = TextArea(self.ref.annotation, id="edit-annotation", soft_wrap=True)
            area.cursor_blink = self.cursor_blink
            yield area
            yield Label("Tags (comma-separated)")
            tags = Input(", ".join(self.ref.tags), id="edit-tags")
            tags.cursor_blink = self.cursor_blink
            yield tags
            with Horizontal(id="edit-buttons"):
                yield Button("Save", variant="primary", id="edit-save")
                yield Button("Cancel", id="edit-cancel")

    def on_mount(self) -> None:
        self.query_one("#edit-annotation", TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "edit-save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        annotation = self.query_one("#edit-annotation", TextArea).text
        tags = split_list(self.query_one("#edit-tags", Input).value)
        self.dismiss(Edit(annotation, tags))

    def action_cancel(self) -> None:
        self.dismiss(None)
