"""format: the references as a bibliography in a CSL style."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..cite import StyleError, render_bibliography
from ..cite.styles import list_curated
from ..formats import csl_check, csljson
from ..library import LibraryError, load_references
from . import cli
from ._common import (
    bib_files_in,
    echo_json,
    json_option,
    library_option,
    locale_option,
    resolve_library,
    select_option,
    style_option,
    warn_unread,
)
from .completion import complete_tags
from ..query import select


def _csl_items(paths: tuple[Path, ...], annotated: bool = False, query: str = "",
               tags: tuple[str, ...] = ()) -> list[dict]:
    """CSL-JSON items of all inputs, in input order: .json files as they are,
    .bib files and folders through the library reader and the CSL-JSON mapping.
    For an annotated style the annotation is the CSL ``note`` it prints."""
    items: list[dict] = []
    for path in paths:
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except RecursionError:
                raise click.ClickException(f"{path}: not readable CSL-JSON (too deeply nested)") from None
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise click.ClickException(f"{path}: not readable CSL-JSON ({exc})") from None
            data = [data] if isinstance(data, dict) else data
            if not isinstance(data, list):
                raise click.ClickException(f"{path}: CSL-JSON must be a list of items")
            bad = [(n, item, found) for n, item in enumerate(data, 1) if (found := csl_check.item_problems(item))]
            for n, item, found in bad:
                click.echo(f"error: {path}: {csl_check.item_label(n, item)}: {found[0]}", err=True)
            if bad:
                raise click.ClickException(f"{path}: {len(bad)} item(s) are not CSL-JSON; nothing was formatted")
            if query or tags:
                refs = [csljson.from_csl(i) for i in data]
                chosen = {id(r) for r in select(refs, query, tags)}
                data = [i for i, r in zip(data, refs) if id(r) in chosen]
            if annotated:
                data = [dict(i, note=i["annote"]) if i.get("annote") and not i.get("note") else i for i in data]
            items.extend(data)
        else:
            if path.is_dir():
                bib_files_in(path)
            try:
                refs, macros, problems = load_references([path])
            except LibraryError as exc:
                raise click.ClickException(str(exc)) from None
            warn_unread(problems)
            if query or tags:
                refs = select(refs, query, tags, macros=macros)
            items.extend(csljson.to_csl(ref, macros, annotation_as_note=annotated) for ref in refs)
    seen: set[str] = set()
    unique = []
    for item in items:
        key = str(item.get("id"))
        if key in seen:
            continue
        seen.add(key)
        unique.append(item)
    return unique


@cli.command("format")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
@library_option
@style_option(required=True)
@locale_option
@select_option
@click.option("--tag", "-t", "tags", multiple=True, metavar="TAG", shell_complete=complete_tags,
              help="Only references with this tag (repeatable: ALL must be present, as in list).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "html", "markdown"]), default="text",
              show_default=True, help="Output format.")
@json_option
def format_cmd(paths, library_path, style, locale, query, tags, fmt, json_):
    """Print the references of PATHS (.bib, CSL-JSON .json, folders; default:
    the library) as ONE bibliography in a CSL style.

    \b
    Examples:
      balintbib format library/ --style apa
      balintbib format refs.json -S balint-journal --format html
      balintbib format -S styles/family-medicine.csl --json

    An annotated style (apa-annotated-bibliography...) prints each
    reference's annotation under it, as `export` does.
    """
    from ..export.handout import style_info

    if not paths:
        paths = (resolve_library(library_path),)
    annotated = style_info(style).annotated
    items = _csl_items(paths, annotated, query, tags)
    failures: list = []
    try:
        entries = render_bibliography(items, style, locale, failures)
    except StyleError as exc:
        raise click.ClickException(str(exc)) from None
    _print_entries(entries, fmt, annotated, json_)
    if failures:  # the others are printed; each left-out item gets one line, exit 1
        for failure in failures:
            click.echo(f"error: {failure.id}: {failure.message}", err=True)
        raise click.ClickException(f"{len(failures)} reference(s) could not be formatted "
                                   "and are missing from the output")


def _print_entries(entries, fmt: str, annotated: bool, json_: bool) -> None:
    if json_:
        echo_json([{"id": e.id, "text": e.text, "html": e.html} for e in entries])
        return
    if fmt == "html":
        click.echo('<div class="csl-bib-body">')
        for entry in entries:
            click.echo(f'  <div class="csl-entry">{entry.html}</div>')
        click.echo("</div>")
        return
    for n, entry in enumerate(entries):
        if n and fmt == "text" and annotated:
            click.echo()  # an annotation ends each entry: a blank line shows where the next begins
        click.echo(entry.markdown if fmt == "markdown" else entry.text)
        if fmt == "markdown":
            click.echo()
