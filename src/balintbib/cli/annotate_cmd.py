"""annotate: read or set one reference's annotation and tags (what the TUI's edit dialog does)."""

from __future__ import annotations

import sys

import click

from .. import tags as tagmod
from ..locking import locked
from ..model import split_list
from . import cli
from ._common import echo_json, json_option, library_option, open_library, saved_to
from .completion import complete_keys, complete_tags


@cli.command("annotate")
@click.argument("key", shell_complete=complete_keys)
@library_option
@click.option("--text", "text", default=None, metavar="TEXT",
              help="The new annotation ('-' reads it from standard input; '' removes it).")
@click.option("--tags", "tags", default=None, metavar="T1, T2", help="Replace the tags (comma-separated).")
@click.option("--add-tag", "add", multiple=True, metavar="TAG", shell_complete=complete_tags,
              help="Add a tag the library already uses (repeatable).")
@click.option("--new-tag", "new", multiple=True, metavar="TAG",
              help="Add a tag the library does not use yet: a new theme (repeatable).")
@click.option("--remove-tag", "remove", multiple=True, metavar="TAG", shell_complete=complete_tags,
              help="Remove a tag (repeatable); a tag the reference does not have is an error.")
@json_option
def annotate_cmd(key, library_path, text, tags, add, new, remove, json_):
    """Show KEY's annotation and tags, or change them (the file is rewritten
    atomically, only that entry changes).

    \b
    Examples:
      balintbib annotate balint1964doctor
      balintbib annotate balint1964doctor --text "The founding book..." --add-tag "history and theory"
      balintbib annotate balint1964doctor --new-tag "primary care"
      pbpaste | balintbib annotate kjeldmand2004balint --text -

    Tags come from the library's vocabulary (balintbib tags): --add-tag and
    --tags refuse a tag no reference has yet and name the closest one, so
    that a typo does not start a new theme; --new-tag adds one on purpose.
    Nothing is written when anything is refused.
    """
    lib = open_library((), library_path)
    ref = _find(lib, key)
    changing = text is not None or tags is not None or add or new or remove
    new_text = sys.stdin.read() if text == "-" else text
    if changing:
        # Read, change and write under the library's lock: a normalize, a sync or
        # the TUI writing meanwhile waits for this edit, or this one for theirs.
        with locked([bf.path for bf in lib.files]):
            lib = lib.reread()
            ref = _find(lib, key)
            written = _edit(lib, ref, new_text, tags, add, new, remove)
        if not json_:
            click.echo(f"Saved {ref.key} to {saved_to(lib, written)}" if written else f"{ref.key}: nothing changed")
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


def _edit(lib, ref, text, tags, add, new, remove) -> list[str]:
    vocab = tagmod.vocabulary(lib.references)
    new_folded = {t.casefold() for t in new}

    def spelled(tag: str) -> str:
        """The vocabulary's spelling of a tag; an unknown one is refused unless given with --new-tag."""
        found = tagmod.known(tag, vocab)
        if found is not None or tag.casefold() in new_folded:
            return found or tag
        near = tagmod.closest(tag, vocab)
        raise click.ClickException(
            f"{tag!r} is not a tag of the library" + (f"; did you mean {near!r}?" if near else "")
            + f" (use --new-tag {tag!r} to start a new one; balintbib tags lists them)")

    current = {t.casefold() for t in ref.tags}
    missing = [t for t in remove if t.strip().casefold() not in current]
    if missing:
        raise click.ClickException(
            f"{ref.key} has no tag {', '.join(repr(t) for t in missing)} "
            f"(its tags: {', '.join(ref.tags) or 'none'}); nothing changed")
    new_tags = [spelled(t) for t in split_list(tags)] if tags is not None else list(ref.tags)
    for t in [*(spelled(t) for t in add), *new]:
        if t.strip() and t.strip().casefold() not in {x.casefold() for x in new_tags}:
            new_tags.append(t.strip())
    if text is not None:
        ref.annotation = text
    dropped = {t.strip().casefold() for t in remove}
    ref.tags = [t for t in new_tags if t.casefold() not in dropped]
    return lib.save()
