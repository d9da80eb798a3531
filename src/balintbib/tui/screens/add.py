"""The Add dialog: a DOI, PMID or PMCID (several, separated by spaces), or the
path of a file to import (RIS, MEDLINE/.nbib, PubMed or EndNote XML, .enw,
CSL-JSON, BibTeX).

Enter looks the input up and shows the preview: each new reference with the
key it will get, each duplicate with the library entry it matches.  Enter again
(on the same input) adds the new ones; Esc closes without adding.  The app
runs the lookup in a worker (`BalintApp.preview_add`) and does the write.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ...intake import Plan


def preview_text(plan: Plan, problems: list[str]) -> Text:
    out = Text()
    for item in plan.new:
        out.append("+ ", style="bold green")
        out.append(f"{item.ref.key}  ", style="bold")
        out.append(f"{item.ref.title}\n")
    for item in plan.duplicates:
        out.append("= ", style="bold yellow")
        out.append(f"{item.ref.title}\n", style="dim")
        where = f"repeats {item.earlier}" if item.earlier else "already in the library as " + ", ".join(item.matches)
        out.append(f"    {where} ({item.reason})\n", style="yellow")
    for line in problems:
        out.append(f"! {line}\n", style="bold red")
    if plan.new:
        out.append(f"\nEnter adds {len(plan.new)} reference(s); Esc cancels.", style="bold")
    elif not problems:
        out.append("\nNothing new to add.", style="bold")
    return out


class AddScreen(ModalScreen[Plan | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, cursor_blink: bool = True) -> None:
        super().__init__()
        self.cursor_blink = cursor_blink
        self.plan: Plan | None = None
        self.planned_for: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="add-dialog") as box:
            box.border_title = "Add references"
            box.border_subtitle = "Enter looks up / adds · Esc cancels"
            yield Label("DOI, PMID or PMCID (several: separated by spaces), or a file to import")
            field = Input(id="add-input", placeholder="10.1016/j.jpsychores.2014.03.005   or   ~/pubmed.nbib")
            field.cursor_blink = self.cursor_blink
            yield field
            yield Label("Tags for the new references (comma-separated)")
            tags = Input(id="add-tags")
            tags.cursor_blink = self.cursor_blink
            yield tags
            with VerticalScroll(id="add-preview-box"):
                yield Static("", id="add-preview")

    def on_mount(self) -> None:
        self.query_one("#add-input", Input).focus()

    @property
    def request(self) -> tuple[str, str]:
        return (self.query_one("#add-input", Input).value.strip(), self.query_one("#add-tags", Input).value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        request = self.request
        if not request[0]:
            return
        if self.plan is not None and self.planned_for == request and self.plan.new:
            self.dismiss(self.plan)
            return
        self.plan = None
        self.query_one("#add-preview", Static).update(Text("Looking up…", style="italic"))
        self.app.preview_add(self, request)  # type: ignore[attr-defined]

    def show_preview(self, request: tuple[str, str], plan: Plan | None, problems: list[str]) -> None:
        if request != self.request:
            return  # the input changed meanwhile: that preview is stale
        self.plan, self.planned_for = plan, request
        self.query_one("#add-preview", Static).update(preview_text(plan or Plan(), problems))

    def action_cancel(self) -> None:
        self.dismiss(None)
