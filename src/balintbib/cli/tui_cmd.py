"""browse: the terminal UI (also what ``balintbib`` with no command runs)."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli
from ._common import library_option, resolve_library, style_option


@cli.command("browse")
@library_option
@click.option("--read-only", is_flag=True, help="Never write the library (members' view).")
@style_option(help="Citation style of the detail pane (default: the configured one, else apa).")
def browse_cmd(library_path: Path | None, read_only: bool, style: str | None) -> None:
    """Browse, search and read the annotated bibliography in a terminal UI.

    Mark references (Space) and export them as a reading list (x); librarians
    edit annotations (e) and sync with the group (y).  Press ? for every key.
    """
    path = resolve_library(library_path)
    if not path.exists():
        raise click.ClickException(f"{path}: no such file or folder")
    if style is not None:  # say a misspelt style now, not in every detail pane
        from ..cite.styles import StyleError, resolve_style

        try:
            resolve_style(style)
        except StyleError as exc:
            raise click.ClickException(str(exc)) from None
    from ..tui.app import BalintApp  # Textual is imported only here

    BalintApp(path=path, read_only=read_only, style=style).run()
