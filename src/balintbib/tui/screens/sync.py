"""The sync screen: pull/push with progress, and the conflicts to settle.

The sync itself runs in the app's worker (so it goes on while you browse);
this screen shows its progress and log, and lists conflicts with keep ours /
take theirs / edit for each.  The same operations on the command line:
``balintbib pull``, ``balintbib push``, ``balintbib status``, ``balintbib resolve``.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Label, ProgressBar, RichLog, Static, TextArea

from ..services import Conflict


class SyncScreen(Screen[None]):
    BINDINGS = [
        Binding("p", "pull", "Pull"),
        Binding("P", "push", "Push"),
        Binding("o", "ours", "Keep ours"),
        Binding("t", "theirs", "Take theirs"),
        Binding("e", "edit_conflict", "Edit"),
        Binding("escape,q", "back", "Back to the list"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="sync-body") as body:
            body.border_title = "Sync with the group library"
            yield Static(id="sync-state")
            yield ProgressBar(id="sync-progress", show_eta=False)
            yield Label("Conflicts (changed here and in the group since the last sync)")
            table = DataTable(id="sync-conflicts", cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Fields", "Ours", "Theirs")
            yield table
            yield Label("Log")
            yield RichLog(id="sync-log", markup=False, highlight=False, wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        for line in self.app.sync_log:
            self.log_line(line)
        self.refresh_state()

    # -- drawing (called by the app when sync state changes) -------------------------
    def refresh_state(self) -> None:
        app = self.app
        state = self.query_one("#sync-state", Static)
        reason = app.sync_service.unavailable_reason() if app.sync_service else "no library"
        label = app.sync_service.remote_label() if app.sync_service and not reason else None
        body = self.query_one("#sync-body")
        body.border_title = f"Sync with {label}" if label else "Sync with the group library"
        line = Text()
        done, total = app.sync_progress
        if app.sync_running:
            line.append(f"{app.sync_running.capitalize().removesuffix('e')}ing… ", style="bold")
            if app.sync_phase:
                line.append(f"{app.sync_phase} {done}/{total}. " if total else f"{app.sync_phase}. ")
            line.append("You can go back to the list: it goes on in the background.")
        else:
            if app.sync_result is not None:
                text, ok = app.sync_result
                line.append(text + "\n", style="bold green" if ok else "bold red")
            if reason:
                line.append("Sync unavailable: ", style="bold")
                line.append(reason)
            elif app.read_only_reason:
                line.append("Sync unavailable: ", style="bold")
                line.append(f"the library is read-only ({app.read_only_reason}) and a sync writes it.")
            else:
                line.append("Ready. ", style="bold")
                if label:
                    line.append(f"Remote: {label}. ")
                line.append("p pulls the group's changes, P pushes yours.")
        state.update(line)
        bar = self.query_one("#sync-progress", ProgressBar)
        if app.sync_running:  # counting, or (no total yet) the working animation
            bar.update(total=total or None, progress=done)
        else:  # idle: still; full after a run that succeeded
            bar.update(total=1, progress=1 if app.sync_result and app.sync_result[1] else 0)
        table = self.query_one("#sync-conflicts", DataTable)
        table.clear()
        for i, c in enumerate(app.sync_conflicts):
            table.add_row(Text(c.key), Text(", ".join(c.fields)), Text(_short(c.ours)), Text(_short(c.theirs)),
                          key=str(i))

    def log_line(self, text: str) -> None:
        self.query_one("#sync-log", RichLog).write(Text(text))

    # -- actions -----------------------------------------------------------------------
    def action_pull(self) -> None:
        self.app.start_sync("pull")

    def action_push(self) -> None:
        self.app.start_sync("push")

    def _current(self) -> Conflict | None:
        table = self.query_one("#sync-conflicts", DataTable)
        if not self.app.sync_conflicts or table.row_count == 0:
            self.notify("No conflict to settle.", severity="information")
            return None
        return self.app.sync_conflicts[table.cursor_row]

    def action_ours(self) -> None:
        conflict = self._current()
        if conflict:
            self.app.resolve_conflict(conflict, "ours")

    def action_theirs(self) -> None:
        conflict = self._current()
        if conflict:
            self.app.resolve_conflict(conflict, "theirs")

    def action_edit_conflict(self) -> None:
        conflict = self._current()
        if conflict and not conflict.editable:
            self.notify(f"{conflict.description}: choose o (ours) or t (theirs).", severity="warning")
        elif conflict:
            def done(edited: dict[str, str] | None) -> None:
                if edited is not None:
                    self.app.resolve_conflict(conflict, "edit", edited)
            self.app.push_screen(ConflictEditScreen(conflict), done)

    def action_back(self) -> None:
        self.app.pop_screen()


def _short(values: dict[str, str]) -> str:
    text = "; ".join(f"{k}: {v}" for k, v in values.items())
    return text if len(text) < 60 else text[:59] + "…"


class ConflictEditScreen(ModalScreen[dict | None]):
    """Edit the conflicting fields by hand, starting from ours (theirs shown above each)."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", priority=True), Binding("escape", "cancel", "Cancel")]

    def __init__(self, conflict: Conflict) -> None:
        super().__init__()
        self.conflict = conflict

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="conflict-dialog") as box:
            box.border_title = f"Settle {self.conflict.key}"
            box.border_subtitle = "Ctrl+S keeps this version · Esc cancels"
            for name in self.conflict.fields:
                yield Label(Text(f"{name} — theirs:", style="bold"))
                yield Static(Text(self.conflict.theirs.get(name, "")), classes="theirs")
                yield TextArea(self.conflict.ours.get(name, ""), id=f"field-{name}", soft_wrap=True)
            with Horizontal():
                yield Button("Save", variant="primary", id="conflict-save")
                yield Button("Cancel", id="conflict-cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "conflict-save" else self.dismiss(None)

    def action_save(self) -> None:
        self.dismiss({name: self.query_one(f"#field-{name}", TextArea).text for name in self.conflict.fields})

    def action_cancel(self) -> None:
        self.dismiss(None)
