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
from ._common import echo_json, json_option, library_option, resolve_library, warn_unread


def _csl_items(paths: tuple[Path, ...]) -> list[dict]:
    """CSL-JSON items of all inputs, in input order: .json files as they are,
    .bib files and folders through the library reader and the CSL-JSON mapping."""
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
            items.extend(data)
        else:
            try:
                refs, macros, problems = load_references([path])
            except LibraryError as exc:
                raise click.ClickException(str(exc)) from None
            warn_unread(problems)
            items.extend(csljson.to_csl(ref, macros) for ref in refs)
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
@click.option("--style", "-s", required=True, metavar="STYLE",
              help="A CSL style: an ID of the official collection (apa, nlm-citation-sequence…; vancouver, ama, mla, chicago, harvard also work), "
                   f"a curated style ({', '.join(list_curated()[:3])}…) or a .csl file.")
@click.option("--locale", metavar="LOCALE", help="Locale such as en-GB or de (default: the style's).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "html", "markdown"]), default="text",
              show_default=True, help="Output format.")
@json_option
def format_cmd(paths, library_path, style, locale, fmt, json_):
    """Print the references of PATHS (.bib, CSL-JSON .json, folders; default:
    the library) as ONE bibliography in a CSL style.

    \b
    Examples:
      balintbib format library/ --style apa
      balintbib format refs.json --style balint-journal --format html
      balintbib format --style styles/family-medicine.csl --json
    """
    if not paths:
        paths = (resolve_library(library_path),)
    items = _csl_items(paths)
    try:
        entries = render_bibliography(items, style, locale)
    except StyleError as exc:
        raise click.ClickException(str(exc)) from None
    if json_:
        echo_json([{"id": e.id, "text": e.text, "html": e.html} for e in entries])
        return
    if fmt == "html":
        click.echo('<div class="csl-bib-body">')
        for entry in entries:
            click.echo(f'  <div class="csl-entry">{entry.html}</div>')
        click.echo("</div>")
        return
    for entry in entries:
        click.echo(entry.markdown if fmt == "markdown" else entry.text)
        if fmt == "markdown":
            click.echo()
