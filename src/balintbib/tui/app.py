"""balintbib's terminal UI: browse, search, read, mark, export, edit, sync.

Layout: a search box on top; below it the tag pane, the reference list and
the detail pane; a status line and the footer at the bottom.

Threads: loading the library, building the search index, filtering,
formatting citations, saving, exporting and syncing each run in a Textual
worker (``@work(thread=True)``) and report back with a message from
`messages`; the UI thread only draws.  Searches are debounced
(`SEARCH_DEBOUNCE`) and each carries a generation number, so a slow answer
to an old query never overwrites a newer one.
"""

from __future__ import annotations

import time
import webbrowser
from pathlib import Path
from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from .. import config
from ..errors import BalintError
from ..library import Library, LibraryChangedError, collector_paused
from ..model import Reference
from ..query import QueryError, fold
from . import messages as msg
from . import services
from .catalog import SORTABLE, Catalog
from .commands import BalintCommands
from .keys import ACTIONS
from .screens.add import AddScreen
from .screens.edit import Edit, EditScreen
from .screens.export import ExportRequest, ExportScreen
from .screens.help import HelpScreen
from .screens.style import StyleScreen
from .screens.sync import SyncScreen
from .services import (STYLE_LABELS, STYLES, Citations, Conflict, SyncService, available_formats,
                       export_reading_list)
from .widgets.detail import DetailPane, identifier_url
from .widgets.reftable import RefTable
from .widgets.searchbox import SearchBox
from .widgets.tagpane import TagPane

#: Seconds between the first screen and the start of the search index build.
INDEX_DELAY = 0.2
#: Seconds of quiet typing before a search runs.
SEARCH_DEBOUNCE = 0.12
#: Seconds the cursor must rest on a reference before the detail pane follows it,
#: and before its citation is formatted.
DETAIL_DEBOUNCE = 0.05
CITE_DEBOUNCE = 0.1


class BalintApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere keep it
    TITLE = "balintbib"
    COMMANDS = App.COMMANDS | {BalintCommands}
    #: Below 120 columns the tag pane hides (T shows it); below 100 the detail
    #: pane goes under the list.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (120, "-wide")]
    BINDINGS = [Binding(a.keys, a.name, a.label, show=a.footer, priority=a.priority)
                for a in ACTIONS if a.name != "command_palette"]

    def __init__(self, library: Library | None = None, path: str | Path | None = None,
                 read_only: bool = False, style: str | None = None, cursor_blink: bool = True,
                 export_folder: Path | None = None) -> None:
        super().__init__()
        if library is None and path is None:
            raise ValueError("give a library or a path")
        self.library_path = Path(path) if path is not None else (library.root if library else None)
        self._initial_library = library
        self.forced_read_only = read_only
        self.read_only_reason: str | None = "loading" if library is None else None
        self.cursor_blink = cursor_blink
        self.export_folder = export_folder or Path.cwd()
        self.style_id = style or _configured_style()
        self.catalog: Catalog | None = None
        self.citations = Citations()
        self.marks: set[str] = set()
        self.query_text = ""
        self.chosen_tags: list[str] = []
        self.only_marked = False
        self.shown = 0
        self.query_error: str | None = None
        self.unread_entries = 0  # entries the reader could not read (their text stays in the file)
        self._generation = 0
        self.applied_generation = 0  # the last search whose result is on screen
        self._search_timer: Timer | None = None
        self.search_debounce = SEARCH_DEBOUNCE
        self._cite_timer: Timer | None = None
        self._detail_timer: Timer | None = None
        self.last_filter_seconds = 0.0
        self.load_seconds = 0.0
        # Sync state lives on the app so a sync goes on while you browse.
        self.sync_service: SyncService | None = None
        self.sync_running: str | None = None
        self.sync_progress: tuple[int, int] = (0, 0)
        self.sync_phase = ""  # what the running sync does now ("listing", "merging"...)
        self.sync_result: tuple[str, bool] | None = None  # how the last run ended (text, succeeded)
        self.sync_conflicts: list[Conflict] = []
        self.sync_log: list[str] = []
        #: Makes the lookup client of the Add dialog (None: from the user's [lookup] settings).
        self.lookup_factory: Callable[[], object] | None = None

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        search = SearchBox(placeholder="Search: words, author:balint, tag:empathy, year:2004..2010, -tag:burnout",
                       id="search")
        search.cursor_blink = self.cursor_blink
        search.border_title = "balintbib"
        yield search
        with Horizontal(id="main"):
            yield TagPane(id="tags")
            table = RefTable(Catalog(Library(None, [])), self.marks, id="refs")
            table.empty_message = "Loading the library…"
            yield table
            yield DetailPane(id="detail")
        yield Static(id="status")
        yield Footer()

    @property
    def table(self) -> RefTable:
        return self.query_one("#refs", RefTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    def on_mount(self) -> None:
        self.table.focus()
        self.table.border_title = "References"
        if self._initial_library is not None:
            self._library_ready(self._initial_library)
        else:
            self._load_worker(self.library_path)
        self.update_status()

    # -- loading ---------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_worker(self, path: Path) -> None:
        start = time.perf_counter()
        try:
            with collector_paused(freeze=True):  # the library lives as long as the app
                library = Library.load(path)
            self.load_seconds = time.perf_counter() - start
        except BalintError as exc:
            self.post_message(msg.LibraryFailed(str(exc)))
            return
        self.post_message(msg.LibraryLoaded(library))

    def on_library_loaded(self, message: msg.LibraryLoaded) -> None:
        self._library_ready(message.library)

    def on_library_failed(self, message: msg.LibraryFailed) -> None:
        self.table.empty_message = f"Cannot open the library: {message.error}"
        self.table.refresh()
        self.notify(message.error, title="Cannot open the library", severity="error", timeout=30)

    def _library_ready(self, library: Library) -> None:
        self.catalog = Catalog(library, read_only=self.forced_read_only)
        self.read_only_reason = self.catalog.read_only_reason()
        self.refresh_bindings()
        self.sync_service = SyncService(library.root)
        self.table.catalog = self.catalog
        self.table.empty_message = "No reference matches."
        rows = list(library.references)
        self.shown = len(rows)
        self.table.set_rows(rows)
        self.query_one(TagPane).border_subtitle = "counting…"
        where = Path(self.library_path or (library.files[0].path if library.files else "")).name
        self.query_one("#search", Input).border_title = f"balintbib — {where}"
        self._report_problems(library)
        self.update_status()
        # Index once the first frames are painted: the list is on screen before
        # the heavy work starts competing for the interpreter.
        self.set_timer(INDEX_DELAY, self._index_worker)

    def _report_problems(self, library: Library) -> None:
        """Say which entries could not be read: the first one in a notification, a count in the status line."""
        errors = [p for p in library.problems if getattr(p, "severity", "error") == "error"]
        self.unread_entries = len(errors)
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            self.notify(f"{errors[0]}{more}. Run 'balintbib check' for the list.",
                        title=f"{_entries(len(errors))} not read", severity="warning", timeout=30)

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def _index_worker(self) -> None:
        if self.catalog is not None:
            with collector_paused(freeze=True):
                self.catalog.build_index()
            self.post_message(msg.IndexReady())

    def on_index_ready(self, message: msg.IndexReady) -> None:
        self.query_one(TagPane).border_subtitle = ""
        self.update_status()
        self.refilter()  # tag counts, and whatever was typed meanwhile

    # -- search ----------------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        if self._search_timer is not None:
            self._search_timer.stop()
        if self.search_debounce > 0:
            self._search_timer = self.set_timer(self.search_debounce, self.refilter)
        else:
            self.refilter()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self.refilter()
        self.table.focus()

    def refilter(self) -> None:
        """Run the current query, tags, marked-only and sort.

        Once the index is built a search takes milliseconds and runs right
        here (a thread would only add hand-offs: the interpreter lock lets one
        run at a time); before that it waits for the index in a worker.
        """
        if self.catalog is None:
            return
        self._generation += 1
        only = set(self.marks) if self.only_marked else None
        args = (self._generation, self.query_text, list(self.chosen_tags), only,
                self.table.sort_column, self.table.sort_reverse)
        if self.catalog.indexed:
            self.on_filtered(self._search(*args))
        else:
            self._filter_worker(*args)

    def _search(self, generation: int, query: str, tags: list[str], only: set[str] | None,
                sort: str | None, reverse: bool) -> msg.Filtered:
        catalog = self.catalog
        assert catalog is not None
        start = time.perf_counter()
        try:
            rows = catalog.filter(query, tags)
        except QueryError as exc:
            return msg.Filtered(generation, [], None, str(exc))
        if only is not None:
            rows = [r for r in rows if r.key.lower() in only]
        rows = catalog.sort(rows, sort, reverse)
        counts = catalog.tag_counts(rows)
        return msg.Filtered(generation, rows, counts, None, time.perf_counter() - start)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _filter_worker(self, generation: int, query: str, tags: list[str], only: set[str] | None,
                       sort: str | None, reverse: bool) -> None:
        self.post_message(self._search(generation, query, tags, only, sort, reverse))

    def on_filtered(self, message: msg.Filtered) -> None:
        if message.generation != self._generation:
            return  # an older search finished late
        self.query_error = message.error
        self.applied_generation = message.generation
        if message.error is None:
            self.last_filter_seconds = message.seconds
            self.shown = len(message.rows)
            self.table.set_rows(message.rows, keep=self.table.current)
            self.query_one(TagPane).show(message.counts, self.chosen_tags)
        self.update_status()

    @on(TagPane.Toggled)
    def _tag_toggled(self, event: TagPane.Toggled) -> None:
        folded = [fold(t) for t in self.chosen_tags]
        if fold(event.tag) in folded:
            del self.chosen_tags[folded.index(fold(event.tag))]
        else:
            self.chosen_tags.append(event.tag)
        self.refilter()

    # -- list and detail ------------------------------------------------------------------------
    @on(RefTable.Highlighted)
    def _highlighted(self, event: RefTable.Highlighted) -> None:
        # The detail pane follows once the cursor rests: while a key repeats,
        # only the two rows that change are repainted.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        ref = event.ref
        self._detail_timer = self.set_timer(DETAIL_DEBOUNCE, lambda: self.show_detail(ref))

    @on(RefTable.Opened)
    def _opened(self, event: RefTable.Opened) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self.show_detail(event.ref)
        if not self.detail.region.width:  # the tag pane took its place (narrow terminal)
            self._show_tags(False)
        self.detail.focus()

    @on(RefTable.SortRequested)
    def _sort_requested(self, event: RefTable.SortRequested) -> None:
        table = self.table
        if table.sort_column == event.column:
            table.sort_reverse = not table.sort_reverse
        else:
            table.sort_column, table.sort_reverse = event.column, False
        self.refilter()

    def show_detail(self, ref: Reference | None) -> None:
        if self.catalog is None:
            return
        try:
            detail = self.detail
        except NoMatches:  # a timer firing while the app closes
            return
        macros = self.catalog.macros
        cached = self.citations.cached(ref, macros, self.style_id) if ref is not None else None
        detail.show(ref, macros, cached, STYLE_LABELS.get(self.style_id, self.style_id))
        if ref is not None and cached is None:
            if self._cite_timer is not None:
                self._cite_timer.stop()
            self._cite_timer = self.set_timer(CITE_DEBOUNCE, lambda: self._cite_worker(ref, self.style_id))

    @work(thread=True, exclusive=True, group="cite", exit_on_error=False)
    def _cite_worker(self, ref: Reference, style: str) -> None:
        assert self.catalog is not None
        self.post_message(msg.CitationReady(ref, self.citations.format(ref, self.catalog.macros, style)))

    def on_citation_ready(self, message: msg.CitationReady) -> None:
        try:
            detail = self.detail
        except NoMatches:  # the app is closing
            return
        if detail.ref is message.ref and message.citation.style == self.style_id:
            detail.show_citation(message.citation)

    def set_style(self, style: str) -> None:
        self.style_id = style
        self.show_detail(self.table.current)
        self.update_status()
        self.notify(f"Citation style: {STYLE_LABELS.get(style, style)}")

    # -- status ------------------------------------------------------------------------------------
    def update_status(self) -> None:
        try:
            status = self.query_one("#status", Static)
        except NoMatches:  # the app is closing
            return
        text = Text()
        if self.catalog is None:
            text.append(" Loading the library…")
            status.update(text, layout=False)
            return
        total = len(self.catalog)
        text.append(f" {self.shown} of {total} references", style="bold")
        if self.marks:
            text.append(f" · {len(self.marks)} marked", style="bold yellow")
        else:
            text.append(" · 0 marked")
        if self.only_marked:
            text.append(" (showing marked only)")
        if self.chosen_tags:
            text.append(" · tags: ")
            text.append(", ".join(self.chosen_tags))
        text.append(f" · {STYLE_LABELS.get(self.style_id, self.style_id)}")
        if self.table.sort_column:
            text.append(f" · sorted by {self.table.sort_column}{' ↓' if self.table.sort_reverse else ''}")
        if not self.catalog.indexed:
            text.append(" · indexing…", style="dim")
        if self.sync_running:
            done, all_ = self.sync_progress
            text.append(f" · {self.sync_running} {done}/{all_ or '?'}", style="bold cyan")
        elif self.sync_conflicts:
            text.append(f" · {len(self.sync_conflicts)} sync conflict(s): y", style="bold red")
        if self.unread_entries:
            text.append(f" · {_entries(self.unread_entries)} not read: see balintbib check", style="bold red")
        if self.read_only_reason:
            text.append(f" · read-only ({self.read_only_reason})", style="bold magenta")
        if self.query_error:
            text.append(f" · {self.query_error}", style="bold red")
        status.update(text, layout=False)  # one line, always: no relayout
        self.table.border_subtitle = f"{self.shown} shown · {len(self.marks)} marked"

    # -- actions ----------------------------------------------------------------------------------
    #: Actions that write the library: unavailable (dimmed in the footer) while it is read-only.
    WRITING_ACTIONS = frozenset({"edit", "sync"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITING_ACTIONS and self.read_only_reason and self.read_only_reason != "loading":
            return None  # shown, dimmed: the status line says why
        return True

    def on_key(self, event) -> None:
        """`e` or `y` while the library is read-only: the footer dims them, and the key says why."""
        if event.key not in ("e", "y") or not self.read_only_reason or self.read_only_reason == "loading":
            return
        if isinstance(self.focused, Input) or len(self.screen_stack) > 1:
            return
        what = "edit" if event.key == "e" else "sync"
        self.notify(f"Cannot {what}: the library is read-only ({self.read_only_reason}).", severity="warning")

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_tags(self) -> None:
        self._show_tags(True)
        self.query_one(TagPane).focus()

    def _show_tags(self, show: bool) -> None:
        """Show or hide the tag pane.  Below 120 columns the detail pane gives it its
        place while it is shown, so the list keeps its width (Enter on a reference
        brings the detail pane back)."""
        tags = self.query_one(TagPane)
        tags.set_class(show, "shown")
        tags.display = show
        self.query_one("#main").set_class(show, "-tags-shown")

    def action_focus_list(self) -> None:
        search = self.query_one("#search", Input)
        if self.focused is self.table and search.value:
            search.value = ""
            self.query_text = ""
            self.refilter()
        self.table.focus()

    def action_toggle_mark(self) -> None:
        ref = self.table.current
        if ref is None:
            return
        key = ref.key.lower()
        self.marks.discard(key) if key in self.marks else self.marks.add(key)
        self.table.refresh_row(self.table.cursor)
        self.table.move_to(self.table.cursor + 1)
        self.update_status()

    def action_mark_all(self) -> None:
        self.marks.update(r.key.lower() for r in self.table.rows)
        self.table.refresh()
        self.update_status()

    def action_clear_marks(self) -> None:
        self.marks.clear()
        if self.only_marked:
            self.refilter()
        self.table.refresh()
        self.update_status()

    def action_show_marked(self) -> None:
        self.only_marked = not self.only_marked
        self.refilter()

    def action_sort_next(self) -> None:
        table = self.table
        order = [None, *SORTABLE]
        table.sort_column = order[(order.index(table.sort_column) + 1) % len(order)]
        table.sort_reverse = False
        self.refilter()

    def action_sort_reverse(self) -> None:
        self.table.sort_reverse = not self.table.sort_reverse
        self.refilter()

    def action_toggle_tags(self) -> None:
        tags = self.query_one(TagPane)
        self._show_tags(not (tags.display and tags.region.width > 0))

    def action_choose_style(self) -> None:
        def chosen(style: str | None) -> None:
            if style:
                self.set_style(style)
        self.push_screen(StyleScreen(self.style_id), chosen)

    def action_open_link(self) -> None:
        ref = self.table.current
        if ref is None:
            return
        for kind, value in ref.identifiers.items():
            url = identifier_url(kind, value)
            if url:
                self.open_link(url)
                return
        self.notify("This reference has no DOI or URL.", severity="warning")

    def action_copy_citation(self) -> None:
        ref = self.table.current
        if ref is None or self.catalog is None:
            return
        try:
            with self.citations._lock:  # the engine is not meant for several threads at once
                text = services.in_text_citation(ref, self.catalog.macros, self.style_id)
        except Exception as exc:  # a style or data problem: say so, copy nothing
            self.notify(services._one_line(exc), title="No citation", severity="error")
            return
        self.copy_text(text, "Citation")

    def action_copy_reference(self) -> None:
        ref = self.table.current
        if ref is None or self.catalog is None:
            return
        citation = self.citations.format(ref, self.catalog.macros, self.style_id)
        self.copy_text(citation.text, "Reference")

    def copy_text(self, text: str, what: str) -> None:
        """Put `text` on the clipboard (OSC 52); where the terminal cannot, show
        it so that it can be selected with the mouse."""
        try:
            self.copy_to_clipboard(text)
        except Exception:  # an older Textual, or a driver that cannot
            self.notify(text, title=f"{what} (could not copy: select it here)", severity="warning",
                        timeout=30)
            return
        self.notify(text, title=f"{what} copied", timeout=8)

    def open_link(self, url: str) -> None:
        """Open `url` in a browser; when there is none, show the link and copy it to the clipboard."""
        if self.is_web:  # served in a browser: the browser opens it
            self.open_url(url)
            self.notify(f"Opening {url}")
            return
        if webbrowser.open(url):
            self.notify(f"Opening {url}")
            return
        copied = ""
        try:
            self.copy_to_clipboard(url)  # OSC 52: most terminals put it on the clipboard
            copied = " (copied to the clipboard)"
        except Exception:  # an older Textual, or a driver that cannot
            pass
        self.notify(f"{url}{copied}", title="No web browser found", severity="warning", timeout=20)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    # -- export ------------------------------------------------------------------------------------
    def marked_references(self) -> list[Reference]:
        if self.catalog is None:
            return []
        return [r for r in self.catalog.references if r.key.lower() in self.marks]

    def action_export(self) -> None:
        refs = self.marked_references()
        if not refs:
            self.notify("Mark references first (Space or v), then export them with x.", severity="warning")
            return

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self._export_worker(refs, request)
        self.push_screen(ExportScreen(len(refs), self.style_id, available_formats(), self.export_folder,
                                      cursor_blink=self.cursor_blink), chosen)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export_worker(self, refs: list[Reference], request: ExportRequest) -> None:
        assert self.catalog is not None
        try:
            library = self.catalog.library
            folder = library.root or (Path(library.files[0].path).parent if library.files else None)
            result = export_reading_list(refs, self.catalog.macros, request.style, request.format,
                                         request.path, request.group_by, folder,
                                         library_count=len(library.references))
        except BalintError as exc:
            self.post_message(msg.Exported(str(request.path), 0, str(exc)))
            return
        except Exception as exc:  # a renderer failing (fonts for PDF...): say so, keep the app
            self.post_message(msg.Exported(str(request.path), 0, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(msg.Exported(str(result.path), result.count, warnings=result.warnings))

    def on_exported(self, message: msg.Exported) -> None:
        if message.error:
            self.notify(message.error, title="Export failed", severity="error", timeout=15)
        else:
            self.notify(f"Wrote {message.count} references to {message.path}", title="Exported")
            for warning in message.warnings:
                self.notify(warning, severity="warning", timeout=10)

    # -- reloading -------------------------------------------------------------------------------
    def with_fresh_library(self, then: Callable[[], None], failed: Callable[[], None] | None = None) -> None:
        """Run `then()` on the UI thread once the library in memory is what is on disk.

        When a file changed on disk since it was read (``balintbib annotate``,
        git pull, a colleague), the library is read again first, so what the
        app writes next goes on top of that change instead of undoing it.
        When it cannot be read again, says why and runs `failed()` instead.
        """
        self._fresh_worker(then, failed)

    @work(thread=True, exclusive=False, group="fresh", exit_on_error=False)
    def _fresh_worker(self, then, failed) -> None:
        assert self.catalog is not None
        library = self.catalog.library
        try:
            fresh = self._read_again(library) if library.stale_files() else None
        except BalintError as exc:
            self.post_message(msg.LibraryFresh(None, failed, str(exc)))
            return
        self.post_message(msg.LibraryFresh(fresh, then))

    def _read_again(self, library: Library) -> Library:
        with collector_paused(freeze=True):
            return library.reread()

    def on_library_fresh(self, message: msg.LibraryFresh) -> None:
        if message.error:
            self.notify(message.error, title="Cannot read the library again", severity="error", timeout=30)
        elif message.library is not None:
            self.swap_library(message.library)
            self.notify("Reloaded: the library changed on disk.", title="Reloaded", timeout=8)
        if message.then is not None:
            message.then()

    def swap_library(self, library: Library) -> None:
        """Show a library read again from disk; marks, search, sort and cursor key stay."""
        assert self.catalog is not None
        self.catalog.reload(library)
        self.read_only_reason = self.catalog.read_only_reason()
        self.refresh_bindings()
        self._report_problems(library)
        self._index_worker()
        self.refilter()

    # -- editing -------------------------------------------------------------------------------------
    def action_edit(self) -> None:
        ref = self.table.current
        if ref is None or self.catalog is None:
            return
        if self.read_only_reason:
            self.notify(f"The library is read-only: {self.read_only_reason}.", severity="warning")
            return
        if self.sync_running:
            self.notify(f"Wait for the {self.sync_running} to finish: it is writing the library.",
                        severity="warning")
            return
        self.with_fresh_library(lambda: self.open_edit(ref.key))

    def open_edit(self, key: str, draft: Edit | None = None, error: str | None = None) -> None:
        """The edit dialog for `key` (with what was typed and why it was not saved, after a failure)."""
        assert self.catalog is not None
        ref = self.catalog.library.get(key)
        if ref is None:
            self.notify(f"{key} is no longer in the library (it changed on disk).", severity="warning",
                        timeout=15)
            return

        def done(edit: Edit | None) -> None:
            if edit is not None:
                self.apply_edit(ref, edit)
        self.push_screen(EditScreen(ref, self.catalog.line(ref).title, cursor_blink=self.cursor_blink,
                                    draft=draft, error=error), done)

    def apply_edit(self, ref: Reference, edit: Edit) -> None:
        changes = edit.changes()
        if not changes:
            self.notify("Nothing changed.")
            return
        before = (dict(ref.fields), set(ref.expressions))
        for name, content in changes.items():
            ref.set(name, content)
        self._save_worker(ref, edit, before)

    @work(thread=True, exclusive=False, group="save", exit_on_error=False)
    def _save_worker(self, ref: Reference, edit: Edit, before) -> None:
        assert self.catalog is not None
        library = self.catalog.library
        try:
            paths = library.save()
        except LibraryChangedError as exc:
            # Someone wrote the file after the dialog opened: read it again and
            # let the user save on top of it.
            try:
                fresh = self._read_again(library)
            except BalintError:
                fresh = None
            self.post_message(msg.Saved(ref, [], str(exc), edit=edit, before=before, library=fresh))
            return
        except BalintError as exc:
            self.post_message(msg.Saved(ref, [], str(exc), edit=edit, before=before))
            return
        self.post_message(msg.Saved(ref, paths))

    def on_saved(self, message: msg.Saved) -> None:
        assert self.catalog is not None
        ref = message.ref
        if message.error:
            # Put the reference back as it is on disk, and give the dialog back with what was typed.
            ref.fields, ref.expressions = message.before
            self.catalog.refresh(ref)
            error = f"Not saved: {message.error}"
            if message.library is not None:
                self.swap_library(message.library)
                error = ("The library changed on disk while you were editing; it was reloaded. "
                         "Check and press Ctrl+S to save again.")
            self.open_edit(ref.key, draft=message.edit, error=error)
            return
        self.catalog.refresh(ref)
        self.notify(f"Saved {ref.key} to {', '.join(message.paths)}", title="Saved")
        self.show_detail(self.table.current)
        self.refilter()

    # -- adding -----------------------------------------------------------------------------------------
    def action_add(self) -> None:
        if self.catalog is None:
            return
        if self.read_only_reason:
            self.notify(f"The library is read-only: {self.read_only_reason}.", severity="warning")
            return
        if self.sync_running:
            self.notify(f"Wait for the {self.sync_running} to finish: it is writing the library.",
                        severity="warning")
            return

        def done(plan) -> None:
            if plan is not None and plan.new:
                self.with_fresh_library(lambda: self._add_worker(plan))
        self.push_screen(AddScreen(cursor_blink=self.cursor_blink), done)

    def preview_add(self, screen: AddScreen, request: tuple[str, str]) -> None:
        """Look the Add dialog's input up (a worker: lookups take time) and show the preview in it."""
        self._preview_worker(screen, request)

    @work(thread=True, exclusive=True, group="add-preview", exit_on_error=False)
    def _preview_worker(self, screen: AddScreen, request: tuple[str, str]) -> None:
        from .. import intake
        from ..model import split_list

        assert self.catalog is not None
        text, tags = request
        try:
            incoming, problems = intake.gather(text, self.lookup_factory() if self.lookup_factory else None)
            plan = intake.plan(self.catalog.library, incoming, split_list(tags))
        except BalintError as exc:
            plan, problems = None, [str(exc)]
        self.call_from_thread(screen.show_preview, request, plan, problems)

    @work(thread=True, exclusive=False, group="save", exit_on_error=False)
    def _add_worker(self, plan) -> None:
        from .. import intake

        assert self.catalog is not None
        library = self.catalog.library
        # The library may have been read again since the preview: plan once more on what is on disk now.
        fresh = intake.plan(library, plan.new + plan.duplicates, [])
        try:
            paths = intake.apply(library, fresh)
        except BalintError as exc:
            self.call_from_thread(self.notify, f"Not added: {exc}", title="Add", severity="error", timeout=20)
            return
        keys = [i.ref.key for i in fresh.new]
        self.call_from_thread(self._added, keys, paths)

    def _added(self, keys: list[str], paths: list[str]) -> None:
        assert self.catalog is not None
        self.swap_library(self.catalog.library.reread())
        shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        self.notify(f"Added {shown} to {', '.join(paths)}" if keys else "Nothing new to add.", title="Added")

    # -- sync -------------------------------------------------------------------------------------------
    def action_sync(self) -> None:
        if self.catalog is None:
            return
        if not self.sync_running and self.sync_service is not None:
            try:  # conflicts left open by an earlier sync (here or on the command line)
                self.sync_conflicts = self.sync_service.open_conflicts(self.catalog.library)
            except BalintError as exc:
                self._log(f"cannot read the sync state: {exc}")
        self.push_screen(SyncScreen())

    def _sync_screen(self) -> SyncScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, SyncScreen)), None)

    def start_sync(self, direction: str) -> None:
        if self.sync_service is None or self.catalog is None:
            return
        if self.sync_running:
            self.notify(f"A {self.sync_running} is already running.", severity="warning")
            return
        reason = self.sync_service.unavailable_reason()
        if reason:
            self.notify(f"Cannot {direction}: {reason}", severity="warning")
            return
        if self.read_only_reason:
            self.notify(f"Cannot {direction}: the library is read-only ({self.read_only_reason}) "
                        "and a sync writes it.", severity="warning")
            return
        self.sync_running = direction
        self.sync_progress = (0, 0)
        self.sync_phase = ""
        self.sync_result = None
        self._log(f"{direction} started")
        self._sync_changed()
        # Never sync over a stale library: what the pull writes, or the push
        # sends, must start from what is on disk now.
        self.with_fresh_library(lambda: self._sync_worker(direction), self._sync_not_started)

    def _sync_not_started(self) -> None:
        self.post_message(msg.SyncFinished(None, "the library could not be read again; nothing was synced"))

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _sync_worker(self, direction: str) -> None:
        assert self.sync_service is not None and self.catalog is not None

        def progress(what: str, done: int, total: int) -> None:
            self.post_message(msg.SyncProgress(what, done, total))

        try:
            outcome = self.sync_service.run(direction, self.catalog.library, progress)
        except BalintError as exc:
            self.post_message(msg.SyncFinished(None, str(exc)))
            return
        except Exception as exc:  # a bug or an unexpected failure: report it, keep the app alive
            self.post_message(msg.SyncFinished(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(msg.SyncFinished(outcome))

    def on_sync_progress(self, message: msg.SyncProgress) -> None:
        self.sync_progress = (message.done, message.total)
        if message.what and message.what != self.sync_phase:  # one log line per phase; the bar counts
            self.sync_phase = message.what
            self._log(f"{message.what}…")
        self._sync_changed()

    def on_sync_finished(self, message: msg.SyncFinished) -> None:
        direction = self.sync_running or "sync"
        self.sync_running = None
        if message.error:
            self._log(f"{direction} failed: {message.error}")
            self.sync_result = (f"{direction.capitalize()} failed: {message.error}", False)
            self.notify(message.error, title=f"{direction.capitalize()} failed", severity="error", timeout=20)
        else:
            outcome = message.outcome
            assert outcome is not None
            self.sync_conflicts = outcome.conflicts
            self._log(outcome.summary)
            self.sync_result = (outcome.summary, True)
            note = f" · {len(outcome.conflicts)} conflict(s) to settle (y)" if outcome.conflicts else ""
            self.notify(outcome.summary + note, title=f"{direction.capitalize()} done")
            if outcome.library_changed and self.catalog is not None:
                self.catalog.reload(self.catalog.library)
                self._index_worker()
                self.refilter()
            if outcome.renormalized and self.catalog is not None:
                self.with_fresh_library(lambda: None)  # show the files as normalized after the pull
        self._sync_changed()

    def resolve_conflict(self, conflict: Conflict, choice: str, edited: dict[str, str] | None = None) -> None:
        # settling writes the library: on top of what is on disk now
        self.with_fresh_library(lambda: self._resolve_now(conflict, choice, edited))

    def _resolve_now(self, conflict: Conflict, choice: str, edited: dict[str, str] | None) -> None:
        assert self.sync_service is not None and self.catalog is not None
        try:
            renormalized = self.sync_service.resolve(self.catalog.library, conflict, choice, edited)
        except BalintError as exc:
            self.notify(str(exc), severity="error")
            return
        self.sync_conflicts = [c for c in self.sync_conflicts if c is not conflict]
        kept = {"ours": "our version", "theirs": "their version", "edit": "the edited version"}[choice]
        after = "the library now has the group's values" if choice == "theirs" else "it goes to the group with the next push"
        self._log(f"{conflict.key}: kept {kept} ({after})")
        self.notify(f"{conflict.key}: kept {kept}")
        self.catalog.reload(self.catalog.library)
        self._index_worker()
        self.refilter()
        self._sync_changed()
        if renormalized:
            self.with_fresh_library(lambda: None)  # show the files as normalized

    def _log(self, line: str) -> None:
        self.sync_log.append(line)
        screen = self._sync_screen()
        if screen is not None:
            screen.log_line(line)

    def _sync_changed(self) -> None:
        self.update_status()
        screen = self._sync_screen()
        if screen is not None:
            screen.refresh_state()


def _configured_style() -> str:
    try:
        style = config.load_config().get("style")
    except BalintError:
        style = None
    return style if isinstance(style, str) and style else STYLES[0][0]


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"
