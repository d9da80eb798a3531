"""annotate: read or set one reference's annotation and tags (what the TUI's edit dialog does)."""

from __future__ import annotations

import sys

import click

from ..model import split_list
from . import cli
from ._common import echo_json, json_option, library_option, open_library, saved_to


@cli.command("annotate")
@click.argument("key")
@library_option
@click.option("--text", "text", default=None, metavar="TEXT",
              help="The new annotation ('-' reads it from standard input; '' removes it).")
@click.option("--tags", "tags", default=None, metavar="T1, T2", help="Replace the tags (comma-separated).")
@click.option("--add-tag", "add", multiple=True, metavar="TAG", help="Add a tag (repeatable).")
@click.option("--remove-tag", "remove", multiple=True, metavar="TAG", help="Remove a tag (repeatable).")
@json_option
def annotate_cmd(key, library_path, text, tags, add, remove, json_):
    """Show KEY's annotation and tags, or change them (the file is rewritten
    atomically, only that entry changes).

    \b
    Examples:
      balintbib annotate balint1964doctor
      balintbib annotate balint1964doctor --text "The founding book..." --add-tag "history and theory"
      pbpaste | balintbib annotate kjeldmand2004balint --text -
    """
    lib = open_library((), library_path)
    ref = lib.get(key)
    if ref is None:
        raise click.ClickException(f"no reference with the key {key!r} in the library")
    changing = text is not None or tags is not None or add or remove
    if changing:
        if text is not None:
            ref.annotation = sys.stdin.read() if text == "-" else text
        new_tags = split_list(tags) if tags is not None else list(ref.tags)
        new_tags += [t for t in add if t not in new_tags]
        dropped = {t.casefold() for t in remove}
        ref.tags = [t for t in new_tags if t.casefold() not in dropped]
        written = lib.save()
        if not json_:
            click.echo(f"Saved {ref.key} to {saved_to(lib, written)}" if written else f"{ref.key}: nothing changed")
    if json_:
        echo_json({"key": ref.key, "annotation": ref.annotation, "tags": ref.tags})
    elif not changing:
        click.echo(ref.annotation or "(no annotation)")
        click.echo(f"Tags: {', '.join(ref.tags) or '(none)'}")
