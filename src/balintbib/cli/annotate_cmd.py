"""annotate: read or set one reference's annotation and tags (what the TUI's edit dialog does)."""

from __future__ import annotations

import sys

import click

from ..locking import locked
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
    changing = text is not None or tags is not None or add or remove
    if changing:
        new_text = sys.stdin.read() if text == "-" else text
        # Read, change and write under the library's lock: a normalize, a sync or
        # the TUI writing meanwhile waits for this edit, or this one for theirs.
        with locked([bf.path for bf in lib.files]):
            lib = lib.reread()
            ref = _edit(lib, key, new_text, tags, add, remove)
            written = lib.save()
        if not json_:
            click.echo(f"Saved {ref.key} to {saved_to(lib, written)}" if written else f"{ref.key}: nothing changed")
    else:
        ref = _find(lib, key)
    if json_:
        echo_json({"key": ref.key, "annotation": ref.annotation, "tags": ref.tags})
    elif not changing:
        click.echo(ref.annotation or "(no annotation)")
        click.echo(f"Tags: {', '.join(ref.tags) or '(none)'}")


def _find(lib, key):
    ref = lib.get(key)
    if ref is None:
        raise click.ClickException(f"no reference with the key {key!r} in the library")
    return ref


def _edit(lib, key, text, tags, add, remove):
    ref = _find(lib, key)
    if text is not None:
        ref.annotation = text
    new_tags = split_list(tags) if tags is not None else list(ref.tags)
    new_tags += [t for t in add if t not in new_tags]
    dropped = {t.casefold() for t in remove}
    ref.tags = [t for t in new_tags if t.casefold() not in dropped]
    return ref
