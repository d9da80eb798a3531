"""list, check, convert, locate: the library as it is."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import config
from ..convert import unique_keys
from ..formats import bibtex, csljson
from ..fsutil import atomic_write_text
from ..library import load_references
from ..query import select
from ..display import author_cell
from . import cli
from ._common import (
    echo_json,
    json_option,
    library_option,
    open_library,
    refuse_output_over_inputs,
    select_option,
    warn_unread,
)
from .completion import complete_tags

PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))


@cli.command("list")
@PATHS
@library_option
@select_option
@click.option("--tag", "-t", "tags", multiple=True, metavar="TAG", shell_complete=complete_tags,
              help="Only references with this tag (repeatable: ALL must be present, as in a query; "
                   "export --tag takes ANY).")
@json_option
def list_cmd(paths, library_path, query, tags, json_):
    """List the references, one line each (or a JSON array of CSL-JSON items).

    The JSON keeps every field: fields CSL has no variable for are under
    custom.bibtex, and the annotation is "annote".
    """
    lib = open_library(paths, library_path)
    warn_unread(lib.problems)
    refs = select(lib.references, query, tags, macros=lib.macros)
    if json_:
        echo_json([csljson.to_csl(r, lib.macros, exact=True) for r in refs])
        return
    for ref in refs:
        first = author_cell(ref)[0]  # as the terminal UI's list names them
        marker = "✎" if ref.annotation else " "
        click.echo(f"{ref.key:<28} {marker} {lib.text(ref, 'year') or '----':<4}  {first[:30]:<30}  {lib.text(ref, 'title')}")


@cli.command("check")
@PATHS
@library_option
@click.option("--select", "select", multiple=True,
              help="Report only these codes (prefix match, repeatable or comma-separated: B1, B103, duplicate-entry).")
@click.option("--ignore", "ignore", multiple=True, help="Do not report these codes (prefix match).")
@click.option("--extend-select", "extend_select", multiple=True,
              help="Report these opt-in codes as well (B101 missing-doi, B107 unprotected-capitals).")
@click.option("--list-codes", is_flag=True, help="List every code with its name and exit.")
@json_option
def check_cmd(paths, library_path, select, ignore, extend_select, list_codes, json_):
    """Parse every file, lint every entry, and report each problem as
    path:line:col: CODE name: message.

    Exits 1 when an error or warning is reported (like ruff); info codes
    (B112 not-yet-annotated) are listed without failing.  Silence a code with
    --ignore or in balintbib.toml ([check] ignore = ["B102"]).  Files are
    never modified.
    """
    from ..normalize import lint
    from ..normalize.options import find_config, load_options

    if list_codes:
        rows = [{"code": c.code, "name": c.name, "severity": c.severity, "default": c.default,
                 "summary": c.summary} for c in lint.CODES.values()]
        if json_:
            echo_json(rows)
        else:
            for r in rows:
                opt = "" if r["default"] else " (opt-in)"
                click.echo(f"{r['code']} {r['name']:<24} {r['severity']:<8} {r['summary']}{opt}")
        return
    lib = open_library(paths, library_path)
    start = paths[0] if paths else (library_path or config.default_library())
    _, opts = load_options(find_config(Path(start))) if start else (None, None)

    def codes(values):
        return [c.strip() for v in values for c in v.split(",") if c.strip()]

    try:
        chosen = lint.selected_codes(
            codes(select) or (opts.select if opts else None),
            codes(ignore) + (opts.ignore if opts else []),
            codes(extend_select) + (opts.extend_select if opts else []),
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None

    def where(ref, field):
        line = lib.field_line(ref, field) if field else lib.line_of(ref)
        return lib.file_of(ref) or "<new>", line or 0

    problems = [p for p in lib.problems if p.code in chosen]
    # a field repeated in the file is reported by the reader already: not again as its name-2 copy
    repeated = {(p.path, p.message.split(" in '", 1)[-1].split("'", 1)[0]) for p in problems if p.code == "B003"}
    problems += [p for p in lint.lint_references(lib.references, lib.macros, chosen, where,
                                         opts.per_key_ignore if opts else None)
                 if not (p.code == "B003" and (p.path, p.message[1:].split("'", 1)[0]) in repeated)]
    problems.sort(key=lambda p: (p.path, p.line, p.col, p.code))
    if json_:
        echo_json([lint.problem_dict(p) for p in problems])
    else:
        for p in problems:
            click.echo(lint.format_problem(p))
    if lint.fails(problems):
        raise SystemExit(1)


@cli.command("convert")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--to", "fmt", type=click.Choice(["bibtex", "csl-json"]), required=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Output file, or - for stdout.")
def convert_cmd(inputs, fmt, output):
    """Convert .bib / CSL-JSON files to BibTeX or CSL-JSON (every field kept)."""
    protected = [f for p in inputs for f in (p.rglob("*.bib") if p.is_dir() else [p])]
    home = config.default_library()  # nor over the library's own files
    if home is not None and home.exists():
        protected += list(home.rglob("*.bib")) if home.is_dir() else [home]
    refuse_output_over_inputs(output, protected)
    for path in inputs:
        if path.is_file() and path.suffix.lower() not in (".bib", ".json"):
            raise click.ClickException(f"{path}: not a .bib or CSL-JSON (.json) file; nothing was written")
    refs, macros, problems = load_references(inputs, bibtex_keys=fmt == "bibtex")
    refused = [p for p in problems if p.code == "C001"]  # CSL-JSON items that are not CSL-JSON
    for p in problems:
        if p.severity == "error" and p not in refused:
            click.echo(f"warning: {p}", err=True)
    lines = [f"{p.path}: {p.message.removesuffix('; left out')}" for p in refused]
    if lines:
        for line in lines:
            click.echo(f"error: {line}", err=True)
        raise click.ClickException(f"{len(lines)} item(s) cannot be converted; nothing was written")
    for old_key, new_key in unique_keys(refs):
        click.echo(f"warning: the key {old_key!r} is already used by an earlier reference; "
                   f"this one is written as {new_key!r}", err=True)
    if fmt == "csl-json":
        text = json.dumps([csljson.to_csl(r, macros, exact=True) for r in refs], ensure_ascii=False, indent=2) + "\n"
    else:
        strings = "".join(bibtex.render_string(k, "{" + v + "}") + "\n" for k, v in macros.items())
        text = (strings + "\n" if strings else "") + "\n\n".join(
            bibtex.render_entry(r, bibtex.ordered_fields(r.fields)) for r in refs) + "\n"
    if str(output) == "-":
        click.echo(text, nl=False)
    else:
        atomic_write_text(output, text)
        click.echo(f"Wrote {len(refs)} references to {output}", err=True)


@cli.command("locate")
@json_option
def locate_cmd(json_):
    """Print where balintbib keeps its settings and data."""
    lib = config.default_library()
    if json_:
        echo_json({"config": str(config.config_file()), "data": str(config.data_dir()),
                   "cache": str(config.cache_dir()), "logs": str(config.log_dir()),
                   "library": str(lib.resolve()) if lib else None})
        return
    click.echo(f"config:  {config.config_file()}")
    click.echo(f"data:    {config.data_dir()}")
    click.echo(f"cache:   {config.cache_dir()}")
    click.echo(f"logs:    {config.log_dir()}")
    click.echo(f"library: {lib if lib else '(none: no library/ or balintbib.toml here or above, and none is configured)'}")
