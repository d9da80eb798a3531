"""import, add, enrich: new references into the library, and missing fields filled."""

from __future__ import annotations

from pathlib import Path

import click

from .. import intake
from ..errors import BalintError
from ..formats import sources
from . import cli
from ._common import echo_json, json_option, library_option, resolve_library, saved_to
from ..library import Library, collector_paused


def tag_option(f):
    return click.option("--tag", "-t", "tags", multiple=True,
                        help="Give the new references this tag (repeatable).")(f)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _report(plan: intake.Plan, dry_run: bool, merge: bool) -> None:
    for item in plan.new:
        click.echo(f"+ {item.ref.key:<28} {item.source}  {item.ref.title[:70]}")
    for item in plan.duplicates:
        what = ", ".join(item.matches)
        tail = ""
        if merge and item.filled:
            tail = f"; fills {', '.join(item.filled)}"
        if item.earlier:
            click.echo(f"= {item.source}: repeats {item.earlier}, added as {what} ({item.reason})")
        else:
            click.echo(f"= {item.source}: already in the library as {what} ({item.reason}){tail}")


def _finish(lib: Library, plan: intake.Plan, problems: list[str], dry_run: bool, merge: bool, json_: bool,
            what: str = "references", inputs: str = "") -> None:
    """Report the plan (and write it unless `dry_run`).  When nothing came in at all
    (every input failed), only the problems and one summary line (`inputs`: what was
    given, e.g. ``2 files``) are printed; exit 1."""
    if problems and not plan.new and not plan.duplicates and not json_:
        for line in problems:
            click.echo(line, err=True)
        files = inputs.endswith(("file", "files"))
        click.echo(f"Nothing {'imported' if files else 'added'}: no {what} "
                   f"{'read from' if files else 'found for'} the {inputs or 'input'} given "
                   f"({_count(len(problems), 'problem')}).")
        raise SystemExit(1)
    written: list[str] = []
    if not dry_run:
        written = intake.apply(lib, plan, reanchor=False)
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
        n = len(plan.new)
        repeated = sum(1 for i in plan.duplicates if i.earlier)
        d = len(plan.duplicates) - repeated
        dups = f"{d} already in the library" + (f", {repeated} repeated within the import" if repeated else "")
        merged = f"; {len(plan.merges)} existing entries filled in" if merge and plan.merges else ""
        if dry_run:
            click.echo(f"Would add {n} {what}; {dups}{merged} (dry run: nothing written).")
        elif written:
            click.echo(f"Added {n} {what} to {saved_to(lib, written)}; {dups}{merged}.")
        else:
            click.echo(f"Nothing added: {dups}.")
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
    tagged (.enw), Web of Science, CSL-JSON or BibTeX files (the format is read
    from the content).

    Duplicates of entries already in the library (same DOI or PMID, or the same
    title, year and first author) are listed with the keys they match and not
    added.  New entries get keys in the library's pattern and are written
    normalized, in one atomic write.  Source fields with no BibTeX equivalent
    are kept as import-<format>-<tag> fields.  Bad records are reported as
    file:line: reason (exit 1); the good ones are still imported.
    """
    with collector_paused():  # many small objects, no cycles: see `collector_paused`
        _import(files, library_path, tags, dry_run, merge_duplicates, json_)


def _import(files, library_path, tags, dry_run, merge_duplicates, json_):
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
    _finish(lib, plan, problems, dry_run, merge_duplicates, json_, inputs=_count(len(files), "file"))


def lookup_options(f):
    f = click.option("--ncbi-url", default=None, help="NCBI E-utilities base URL (default: the real service; "
                     "also BALINTBIB_NCBI_URL or [lookup] ncbi-url).")(f)
    f = click.option("--crossref-url", default=None, help="Crossref API base URL (default: the real service; "
                     "also BALINTBIB_CROSSREF_URL or [lookup] crossref-url).")(f)
    return f


def _lookup(crossref_url, ncbi_url):
    from ..lookup import Lookup, LookupSettings

    return Lookup(LookupSettings.load(crossref_url, ncbi_url))


@cli.command("add")
@click.argument("identifiers", nargs=-1, required=True)
@library_option
@tag_option
@click.option("--dry-run", "-n", is_flag=True, help="Look up and show what would be added; write nothing.")
@lookup_options
@json_option
def add_cmd(identifiers, library_path, tags, dry_run, crossref_url, ncbi_url, json_):
    """Add references by DOI (or doi.org URL), PMID or PMCID.

    DOIs are looked up at Crossref, PMIDs and PMCIDs at PubMed (the abstract is
    kept).  Set your contact address in the config file ([lookup] contact =
    "you@example.org") to be a polite client.  A reference already in the
    library is reported with its key and not added.
    """
    from ..lookup import Offline, identify

    lib = Library.load(resolve_library(library_path))
    look = _lookup(crossref_url, ncbi_url)
    incoming: list[intake.Incoming] = []
    problems: list[str] = []
    for n, ident in enumerate(identifiers):
        try:
            kind, value = identify(ident)
            incoming.append(intake.Incoming(look.reference(ident), f"{kind}:{value}"))
        except Offline as exc:
            rest = len(identifiers) - n - 1
            problems.append(str(exc) + (f"; the {rest} other id(s) were not looked up" if rest else ""))
            break
        except BalintError as exc:
            problems.append(str(exc))
    plan = intake.plan(lib, incoming, list(tags))
    _finish(lib, plan, problems, dry_run, False, json_, inputs=_count(len(identifiers), "identifier"))


#: Fields `enrich` fills when they are missing (never overwritten).
ENRICH_FIELDS = ("doi", "pmid", "pmcid", "abstract", "journal", "volume", "number", "pages", "issn", "year",
                 "month")


@cli.command("enrich")
@library_option
@click.option("--select", "-s", "query", default="", help="Only the references matching this query.")
@click.option("--dry-run", "-n", is_flag=True, help="Show the fields that would be filled; write nothing.")
@lookup_options
@json_option
def enrich_cmd(library_path, query, dry_run, crossref_url, ncbi_url, json_):
    """Fill missing fields (DOI, PMID, PMCID, abstract, volume, issue, pages...)
    of existing references from PubMed and Crossref, never overwriting a value.
    An entry without DOI, PMID or PMCID is searched at Crossref by title, first
    author and year; a hit is used only when it is clearly the same work.

    The changes are shown first (as + field = value lines); --dry-run stops there.
    """
    from rapidfuzz import fuzz

    from ..normalize.dedupe import _norm_title
    from ..query import select

    lib = Library.load(resolve_library(library_path))
    options = intake.library_options(lib)
    look = _lookup(crossref_url, ncbi_url)
    refs = select(lib.references, query, (), macros=lib.macros) if query else list(lib.references)
    from ..lookup import NotFound, Offline

    problems: list[str] = []
    notes: list[str] = []
    changes: dict[str, dict[str, str]] = {}
    for ref in refs:
        if all(ref.fields.get(n) for n in ENRICH_FIELDS):
            continue
        found = []
        try:
            for ident in _enrich_ids(ref, lib):
                try:
                    found.append(look.reference(ident))
                except NotFound as exc:
                    notes.append(f"{ref.key}: {exc}")
            if not _enrich_ids(ref, lib) and ref.fields.get("title"):
                hit = look.by_title(_plain_copy(ref, lib))
                if hit is not None:
                    found.append(hit)
            if not ref.fields.get("pmid") and not ref.fields.get("pmcid"):
                doi = next((r.fields["doi"] for r in found if r.fields.get("doi")), lib.text(ref, "doi"))
                pmid = look.pmid_for_doi(doi) if doi else None
                if pmid:
                    found.append(look.reference(pmid))
        except Offline as exc:
            problems.append(f"{ref.key}: {exc}; stopped (nothing more is looked up)")
            break
        except BalintError as exc:
            problems.append(f"{ref.key}: {exc}")
            continue
        fill: dict[str, str] = {}
        mine = _norm_title(ref, lib.macros)
        for other in found:
            other = intake.prepare(other, options)
            theirs = _norm_title(other, {})
            if mine and theirs and fuzz.token_sort_ratio(mine, theirs) < 60:
                problems.append(f"{ref.key}: the record found ({other.title[:60]!r}) has another title; not used")
                continue
            for name in ENRICH_FIELDS:
                if not ref.fields.get(name) and other.fields.get(name) and name not in fill:
                    fill[name] = other.fields[name]
        if fill:
            changes[ref.key] = fill
    if json_:
        echo_json({"dry_run": dry_run, "changes": changes, "not_found": notes, "problems": problems})
    else:
        for key, fill in changes.items():
            click.echo(key)
            for name, value in fill.items():
                click.echo(f"  + {name} = {{{value[:100]}{'...' if len(value) > 100 else ''}}}")
    written: list[str] = []
    if changes and not dry_run:
        by_key = {r.key: r for r in lib.references}
        for key, fill in changes.items():
            ref = by_key[key]
            for name, value in fill.items():
                ref.fields[name] = value
                if name == "month" and value in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                                 "oct", "nov", "dec"):
                    ref.expressions.add("month")
        written = lib.save()
    if not json_:
        n = sum(len(f) for f in changes.values())
        if dry_run:
            click.echo(f"Would fill {n} fields in {len(changes)} references (dry run: nothing written).")
        else:
            click.echo(f"Filled {n} fields in {len(changes)} references" + (f" ({saved_to(lib, written)})." if written else "."))
    for line in notes:
        click.echo(f"note: {line}", err=True)
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise SystemExit(1)


def _enrich_ids(ref, lib) -> list[str]:
    out = []
    if ref.fields.get("pmid"):
        out.append(lib.text(ref, "pmid"))
    elif ref.fields.get("pmcid"):
        out.append(lib.text(ref, "pmcid"))
    if ref.fields.get("doi"):
        out.append(lib.text(ref, "doi"))
    return out


def _plain_copy(ref, lib):
    """The reference with its @string macros resolved (for a search built from its text)."""
    copy = ref.copy()
    for name in list(copy.expressions):
        copy.set_text(name, lib.text(ref, name))
    return copy
