"""import, add, enrich: new references into the library, and missing fields filled."""

from __future__ import annotations

from pathlib import Path

import click

from .. import intake
from ..errors import BalintError
from ..formats import sources
from . import cli
from ._common import echo_json, json_option, library_option, resolve_library
from ..library import Library


def tag_option(f):
    return click.option("--tag", "-t", "tags", multiple=True,
                        help="Give the new references this tag (repeatable).")(f)


def _report(plan: intake.Plan, dry_run: bool, merge: bool) -> None:
    for item in plan.new:
        click.echo(f"+ {item.ref.key:<28} {item.source}  {item.ref.title[:70]}")
    for item in plan.duplicates:
        what = ", ".join(item.matches)
        tail = ""
        if merge and item.filled:
            tail = f"; fills {', '.join(item.filled)}"
        click.echo(f"= {item.source}: already in the library as {what} ({item.reason}){tail}")


def _finish(lib: Library, plan: intake.Plan, problems: list[str], dry_run: bool, merge: bool, json_: bool,
            what: str = "references") -> None:
    written: list[str] = []
    if not dry_run:
        written = intake.apply(lib, plan)
    if json_:
        echo_json({
            "dry_run": dry_run,
            "added": [i.to_json() for i in plan.new],
            "duplicates": [i.to_json() for i in plan.duplicates],
            "merged": sorted(plan.merges) if merge else [],
            "problems": problems,
            "written": written,
        })
    else:
        _report(plan, dry_run, merge)
        n, d = len(plan.new), len(plan.duplicates)
        merged = f"; {len(plan.merges)} existing entries filled in" if merge and plan.merges else ""
        if dry_run:
            click.echo(f"Would add {n} {what}; {d} already in the library{merged} (dry run: nothing written).")
        elif written:
            click.echo(f"Added {n} {what} to {', '.join(written)}; {d} already in the library{merged}.")
        else:
            click.echo(f"Nothing added: {d} already in the library.")
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise SystemExit(1)


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@library_option
@tag_option
@click.option("--dry-run", "-n", is_flag=True, help="Show what would be added and what is a duplicate; write nothing.")
@click.option("--merge-duplicates", is_flag=True,
              help="Fill missing fields of the existing entry from its duplicate (never overwrites a value).")
@json_option
def import_cmd(files, library_path, tags, dry_run, merge_duplicates, json_):
    """Import references from RIS, MEDLINE/.nbib, PubMed XML, EndNote XML or
    tagged (.enw), CSL-JSON or BibTeX files (the format is read from the content).

    Duplicates of entries already in the library (same DOI or PMID, or the same
    title, year and first author) are listed with the keys they match and not
    added.  New entries get keys in the library's pattern and are written
    normalized, in one atomic write.  Source fields with no BibTeX equivalent
    are kept as import-<format>-<tag> fields.  Bad records are reported as
    file:line: reason (exit 1); the good ones are still imported.
    """
    lib = Library.load(resolve_library(library_path))
    incoming: list[intake.Incoming] = []
    problems: list[str] = []
    for path in files:
        try:
            result = sources.read_file(path)
        except BalintError as exc:
            problems.append(str(exc))
            continue
        problems.extend(str(p) for p in result.problems)
        for ref, line in zip(result.references, result.lines):
            incoming.append(intake.Incoming(ref, f"{path}:{line}"))
    plan = intake.plan(lib, incoming, list(tags), merge_duplicates)
    _finish(lib, plan, problems, dry_run, merge_duplicates, json_)
