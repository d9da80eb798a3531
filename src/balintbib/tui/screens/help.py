"""The help screen: every key, what it does, and the command line that does the same."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import ACTIONS, DIALOG_KEYS, LIST_KEYS, display_keys


def help_table() -> Table:
    table = Table(box=None, expand=True, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("Key", no_wrap=True, style="bold")
    table.add_column("What it does", ratio=3)
    table.add_column("Same thing on the command line", ratio=2, style="cyan")
    for action in ACTIONS:
        table.add_row(display_keys(action.keys), Text(action.help), Text(action.cli or "—"))
    table.add_section()
    for keys, what in LIST_KEYS + DIALOG_KEYS:
        table.add_row(keys, what, "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "balintbib — keys"
            body.border_subtitle = "Esc closes · Ctrl+P lists every action by name"
            yield Static(
                Text("Browse, search and read the annotated bibliography; mark references and export "
                     "them as a reading list; librarians edit annotations and sync with the group. "
                     "Everything here is also a command: run 'balintbib --help'.\n"),
                id="help-intro",
            )
            yield Static(help_table(), id="help-keys")
            yield Static(
                Text("\nSearch: words must all match (any field); \"a phrase\"; author:balint  tag:empathy  "
                     "title:group  year:2004..2010  year:..1990  journal:  doi:  annotation:  -tag:burnout "
                     "excludes. Case and accents are ignored. The same language as 'balintbib export --select'."),
                id="help-query",
            )

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
