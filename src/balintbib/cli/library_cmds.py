"""list, check, convert, locate: the library as it is."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import config
from ..formats import bibtex, csljson
from ..fsutil import atomic_write_text
from ..library import load_references
from ..query import select
from . import cli
from ._common import echo_json, json_option, library_option, open_library, warn_unread

PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))


@cli.command("list")
@PATHS
@library_option
@click.option("--select", "-s", "query", default="", help="Only references matching this query (author:, tag:, year:2004..2010, words).")
@click.option("--tag", "tags", multiple=True, help="Only references with this tag (repeatable).")
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
        authors = ref.authors
        first = authors[0].display() if authors else (ref.editors[0].display() + " (ed.)" if ref.editors else "")
        if len(authors) > 1:
            first += " et al."
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
    problems += lint.lint_references(lib.references, lib.macros, chosen, where,
                                     opts.per_key_ignore if opts else None)
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
    refs, macros, problems = load_references(inputs)
    for p in problems:
        if p.severity == "error":
            click.echo(f"warning: {p}", err=True)
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
def locate_cmd():
    """Print where balintbib keeps its settings and data."""
    click.echo(f"config:  {config.config_file()}")
    click.echo(f"data:    {config.data_dir()}")
    click.echo(f"cache:   {config.cache_dir()}")
    click.echo(f"logs:    {config.log_dir()}")
    lib = config.default_library()
    click.echo(f"library: {lib if lib else '(none: ./library is absent and none is configured)'}")
