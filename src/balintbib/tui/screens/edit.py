"""The edit dialog (librarians): a reference's annotation and tags.

The dialog shows the annotation as plain text, unless its BibTeX content
would not survive the trip to plain text and back (``\\emph{...}``, ``$x^2$``,
``{Balint}`` protecting case): then it shows and edits the content as written,
and says so.  Saving writes only the fields whose value the user changed, so
opening the dialog to fix a tag never rewrites the annotation.

The dialog returns an `Edit` (what was shown, what was typed); the app applies
it with `Edit.changes` and, when the save fails, reopens the dialog with the
same `Edit` and the reason, so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from ...formats.bibsafe import control_characters
from ...latex import latex_to_text, text_to_latex
from ...model import ANNOTATION_FIELD, TAGS_FIELD, Reference, split_list

#: Said in the dialog when the annotation is edited as BibTeX content.
RAW_NOTE = "This annotation holds BibTeX markup; it is shown as written."


def needs_raw(content: str) -> bool:
    """True when BibTeX content would lose something on the way to plain text and back.

    White space is compared as TeX reads it: re-wrapping lines loses nothing.
    """
    if not content:
        return False
    return " ".join(text_to_latex(latex_to_text(content)).split()) != " ".join(content.split())


def braces_balanced(content: str) -> bool:
    depth = 0
    escaped = False
    for ch in content:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@dataclass(frozen=True)
class Edit:
    """One edit of a reference: the values shown when the dialog opened, and the values typed."""

    key: str
    raw: bool  # the annotation is BibTeX content as written (else plain text)
    shown_annotation: str
    shown_tags: tuple[str, ...]
    annotation: str
    tags_text: str

    @classmethod
    def start(cls, ref: Reference) -> Edit:
        content = ref.fields.get(ANNOTATION_FIELD, "")
        raw = ANNOTATION_FIELD not in ref.expressions and needs_raw(content)
        annotation = content if raw else ref.annotation
        tags = tuple(ref.tags)
        return cls(ref.key, raw, annotation, tags, annotation, ", ".join(tags))

    @property
    def tags(self) -> list[str]:
        return split_list(self.tags_text)

    def changes(self) -> dict[str, str | None]:
        """The fields to write, as BibTeX content (None removes the field); only what was changed."""
        out: dict[str, str | None] = {}
        typed = self.annotation.strip()
        if typed != self.shown_annotation.strip():
            out[ANNOTATION_FIELD] = (typed if self.raw else text_to_latex(typed)) or None
        tags = list(dict.fromkeys(self.tags))
        if tags != list(self.shown_tags):
            out[TAGS_FIELD] = text_to_latex(", ".join(tags)) or None
        return out

    def problem(self) -> str | None:
        """Why the typed values cannot be saved, or None."""
        if self.raw and not braces_balanced(self.annotation):
            return "The annotation's braces { } do not balance: BibTeX would misread the file."
        for name, text in (("annotation", self.annotation), ("tags", self.tags_text)):
            found = control_characters(text)
            if found:  # pasted from a terminal or a PDF: never written to the library
                return (f"The {name} holds control character(s) {', '.join(found)}: "
                        "remove them to save.")
        return None


class EditScreen(ModalScreen[Edit | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, ref: Reference, title: str, cursor_blink: bool = True,
                 draft: Edit | None = None, error: str | None = None) -> None:
        super().__init__()
        self.ref = ref
        self.ref_title = title
        self.cursor_blink = cursor_blink
        self.draft = draft or Edit.start(ref)
        self.error = error

    def compose(self) -> ComposeResult:
        draft = self.draft
        with Vertical(id="edit-dialog") as box:
            box.border_title = f"Edit {self.ref.key}"
            box.border_subtitle = "Ctrl+S saves to the library file · Esc cancels"
            yield Static(Text(self.ref_title), id="edit-title")
            yield Label("Annotation")
            if draft.raw:
                yield Static(Text(RAW_NOTE), id="edit-raw-note")
            area = TextArea(draft.annotation, id="edit-annotation", soft_wrap=True)
            area.cursor_blink = self.cursor_blink
            yield area
            yield Label("Tags (comma-separated)")
            # Tab into the field and type: the keys add to the tags, they do not replace them.
            tags = Input(draft.tags_text, id="edit-tags", select_on_focus=False)
            tags.cursor_blink = self.cursor_blink
            yield tags
            yield Static(Text(self.error or "", style="bold red"), id="edit-error",
                         classes="" if self.error else "-empty")
            with Horizontal(id="edit-buttons"):
                yield Button("Save", variant="primary", id="edit-save")
                yield Button("Cancel", id="edit-cancel")

    def on_mount(self) -> None:
        area = self.query_one("#edit-annotation", TextArea)
        area.move_cursor(area.document.end)
        self.query_one("#edit-tags", Input).cursor_position = len(self.draft.tags_text)
        area.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "edit-save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        edit = replace(self.draft, annotation=self.query_one("#edit-annotation", TextArea).text,
                       tags_text=self.query_one("#edit-tags", Input).value)
        problem = edit.problem()
        if problem:
            error = self.query_one("#edit-error", Static)
            error.update(Text(problem, style="bold red"))
            error.remove_class("-empty")
            return
        self.dismiss(edit)

    def action_cancel(self) -> None:
        self.dismiss(None)
