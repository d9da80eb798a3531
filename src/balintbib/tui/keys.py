"""Every action of the terminal UI, in one table.

The app's key bindings, the help screen and the command palette are all built
from `ACTIONS`, so a key cannot exist without help text and a CLI equivalent
(where there is one) is always said.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    name: str  # the App action (action_<name>)
    keys: str  # Textual key spec, comma-separated
    label: str  # short label (footer, palette)
    help: str  # one sentence for the help screen
    cli: str = ""  # the equivalent command line, if any
    footer: bool = False  # shown in the footer
    priority: bool = False  # works even while the search box has focus


ACTIONS: tuple[Action, ...] = (
    Action("focus_search", "slash", "Search", "Search as you type: words, author:, tag:, year:2004..2010, -exclude.",
           "balintbib list --select QUERY", footer=True),
    Action("focus_tags", "t", "Tags", "Go to the tag pane; Enter toggles a tag as a filter.",
           "balintbib list --tag TAG"),
    Action("focus_list", "escape", "List", "Back to the reference list (clears the search when already there).",
           "balintbib list"),
    Action("toggle_mark", "space,v", "Mark", "Mark (or unmark) the reference under the cursor and move to the next.",
           "balintbib export --keys KEY1,KEY2 ...", footer=True),
    Action("mark_all", "asterisk", "Mark shown", "Mark every reference currently shown."),
    Action("clear_marks", "U", "Unmark all", "Clear every mark."),
    Action("show_marked", "M", "Only marked", "Show only the marked references (again: show all)."),
    Action("export", "x", "Export", "Export the marked references as an annotated reading list.",
           "balintbib export --keys KEYS --style STYLE -o FILE", footer=True),
    Action("sort_next", "s", "Sort", "Sort by the next column (author, year, title, tags, annotated); or click a header."),
    Action("sort_reverse", "r", "Reverse", "Reverse the sort order."),
    Action("choose_style", "c", "Style", "Choose the citation style of the detail pane and exports.",
           "balintbib format --style STYLE", footer=True),
    Action("copy_citation", "i", "Copy citation", "Copy the in-text citation of the reference in the current style.",
           "balintbib cite KEY --style STYLE"),
    Action("copy_reference", "b", "Copy reference", "Copy the formatted reference (bibliography entry) in the current style.",
           "balintbib format --style STYLE"),
    Action("open_link", "o", "Open DOI", "Open the reference's DOI or URL in the browser.",
           "balintbib list --json (the DOI and URL fields)"),
    Action("edit", "e", "Edit", "Edit the annotation and tags (librarians; saved to the .bib file).",
           "balintbib annotate KEY --text ... --tags ...", footer=True),
    Action("add", "a", "Add", "Add references by DOI, PMID or PMCID, or import a file (RIS, MEDLINE, "
           "PubMed/EndNote XML...); duplicates are shown, Enter adds.",
           "balintbib add ID... | balintbib import FILE..."),
    Action("sync", "y", "Sync", "Pull from / push to the shared Mendeley group; list and resolve conflicts.",
           "balintbib pull NAME | push NAME | status NAME | resolve KEY", footer=True),
    Action("toggle_tags", "T", "Hide tags", "Show or hide the tag pane."),
    Action("help", "question_mark,f1", "Help", "This screen.", "balintbib --help", footer=True),
    Action("command_palette", "ctrl+p", "Commands", "The command palette: every action by name."),
    Action("quit", "q,ctrl+q", "Quit", "Leave balintbib.", footer=True),
)

#: Keys inside the list (handled by the list widget itself).
LIST_KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓  j k", "Move the cursor"),
    ("PgUp PgDn  Home End", "Page through the list"),
    ("Enter", "Open the reference in the detail pane"),
)

#: Keys inside dialogs.
DIALOG_KEYS: tuple[tuple[str, str], ...] = (
    ("Ctrl+S", "Save (edit dialog)"),
    ("Enter", "Confirm (export dialog)"),
    ("Escape", "Cancel / close"),
    ("p  P", "Pull / push (sync screen)"),
    ("o  t  e", "Keep ours / take theirs / edit (a conflict, sync screen)"),
)


def display_keys(spec: str) -> str:
    names = {"slash": "/", "space": "Space", "asterisk": "*", "question_mark": "?", "escape": "Esc",
             "f1": "F1", "ctrl+p": "Ctrl+P", "ctrl+q": "Ctrl+Q"}
    return "  ".join(names.get(k, k) for k in spec.split(","))
