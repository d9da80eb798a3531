"""normalize and dedupe: make the library consistent, find and merge duplicates."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from ..formats.bibtex import Problem, read_file
from ..formats.encoding import UTF8, describe
from ..fsutil import atomic_write_bytes, check_writable
from ..library import LibraryError
from ..locking import locked
from ..normalize import dedupe as dd
from ..normalize.engine import keep_encodings, normalize_texts
from ..normalize.lint import format_problem, problem_dict
from ..normalize.options import find_config, load_options
from . import cli
from ._common import bib_files_in, echo_json, json_option, library_option, open_library, resolve_library, saved_to

PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))


def bib_files(paths: tuple[Path, ...], library_path: Path | None) -> list[Path]:
    """The .bib files named (folders searched recursively, hidden ones skipped)."""
    roots = list(paths) or [resolve_library(library_path)]
    files: list[Path] = []
    for p in roots:
        if p.is_dir():
            files.extend(bib_files_in(p))  # none is an error: "DIR: no .bib files"
        elif p.exists():
            files.append(p)
        else:
            raise LibraryError(f"{p}: no such file or folder")
    return files


def config_for(paths: tuple[Path, ...], library_path: Path | None):
    start = paths[0] if paths else resolve_library(library_path)
    return load_options(find_config(start))


def read_all(files: list[Path]) -> tuple[list[tuple[str, str]], dict[str, str]]:
    items, encodings = [], {}
    for p in files:
        try:
            text, encodings[str(p)] = read_file(p)
        except OSError as exc:
            raise LibraryError(f"{p}: cannot read: {exc.strerror}") from None
        items.append((str(p), text))
    return items, encodings


def normalize_all(items, encodings, options, to_utf8=False):
    results = normalize_texts(items, options)
    keep_encodings(results, encodings, to_utf8)
    return results


def write_locked(files, items, results, options, json_, to_utf8=False):
    """Write the changed files under the library's lock.  A file that changed on
    disk while normalize ran (an annotate, the TUI, a sync) is normalized again
    from what is on disk now, and said so: nobody's edit is undone."""
    with locked(files):
        again, encodings = read_all(files)
        moved = [path for (path, old), (_, new) in zip(items, again) if old != new]
        if moved:
            for path in moved:
                click.echo(f"{path}: changed on disk while normalize ran; normalized again from its "
                           "current content", err=True)
            results = normalize_all(again, encodings, options, to_utf8)
            if not json_:
                for r in results:
                    for old_key, new_key, line in r.renames:
                        click.echo(f"{r.path}:{line}: renamed key '{old_key}' -> '{new_key}'", err=True)
        for r in results:
            if r.changed:
                check_writable(r.path)
        data = {r.path: r.data() for r in results if r.changed}  # every file encodes, or none is written
        for path, content in data.items():
            atomic_write_bytes(path, content)
    return results


@cli.command("normalize")
@PATHS
@library_option
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; list the files that would change and exit 1 if any would.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff instead of writing.")
@click.option("--protect-titles", is_flag=True, default=None,
              help="Brace acronyms, inner capitals and proper nouns in titles (HIV -> {HIV}).")
@click.option("--no-keys", is_flag=True, help="Keep every citation key as it is.")
@click.option("--no-sort", is_flag=True, help="Keep the entries in their order.")
@click.option("--utf8", "to_utf8", is_flag=True,
              help="Convert a file in another encoding (Windows-1252, UTF-16) to UTF-8; by default it is "
                   "written back in its own encoding.")
@click.option("--no-name-fixes", is_flag=True,
              help="Keep names as BibTeX reads them: no capitalised particle moved into the family "
                   "name ('H Van Rijn'), no trailing Jr made the Jr part.")
@json_option
def normalize_cmd(paths, library_path, check_only, show_diff, protect_titles, no_keys, no_sort, to_utf8,
                  no_name_fixes, json_):
    """Rewrite .bib files in the library's one consistent style, in place.

    Field names in lower case and fixed order, one per line, braces around
    values; DOIs, pages, months, ISSN/ISBN, names and accents normalized;
    citation keys from the key pattern (old keys kept in `ids`); entries
    sorted by key.  Nothing is dropped: duplicated fields are merged or kept
    as name-2 and reported; blocks that do not parse stay as written.
    Settings: [normalize] in balintbib.toml next to the library.

    Names BibTeX would read differently after the rewrite ("H Van Rijn" ->
    "Van Rijn, H", "William H Saufley Jr" -> "Saufley, Jr, William H") are
    printed one per line (and listed in --json); --no-name-fixes (or
    name-fixes = false) keeps them as BibTeX reads them.

    Like `black`: a second run changes nothing; --check exits 1 when a file
    would change (for CI).
    """
    options, _ = config_for(paths, library_path)
    if protect_titles:
        options.protect_titles = True
    if no_keys:
        options.keys = False
    if no_sort:
        options.sort = False
    if no_name_fixes:
        options.name_fixes = False
    files = bib_files(paths, library_path)
    items, encodings = read_all(files)
    results = normalize_all(items, encodings, options, to_utf8)
    changed = [r for r in results if r.changed]
    report = []
    for r in results:
        for p in r.problems:
            if not json_:
                click.echo(format_problem(p), err=True)
        if not check_only and not show_diff and not json_:
            for old, new, line in r.renames:
                click.echo(f"{r.path}:{line}: renamed key '{old}' -> '{new}'", err=True)
        if not check_only and not json_:
            for fix in r.name_fixes:
                click.echo(f"{r.path}:{fix.line}: {fix.field} of '{fix.key}': '{fix.old}' -> '{fix.new}' "
                           f"({fix.why}; --no-name-fixes keeps it)", err=True)
        report.append({"path": r.path, "changed": r.changed,
                       "renames": [{"old": o, "new": n, "line": ln} for o, n, ln in r.renames],
                       "name_fixes": [{"key": f.key, "field": f.field, "old": f.old, "new": f.new,
                                       "why": f.why, "line": f.line} for f in r.name_fixes],
                       "problems": [problem_dict(p) for p in r.problems], "notes": r.notes})
    if show_diff:
        for r in changed:
            click.echo("".join(difflib.unified_diff(
                r.old.splitlines(keepends=True), r.new.splitlines(keepends=True),
                fromfile=r.path, tofile=r.path)), nl=False)
    if check_only:
        if json_:
            echo_json(report)
        else:
            for r in changed:
                click.echo(f"would reformat {r.path}")
            if changed:
                click.echo(f"{len(changed)} file(s) would be reformatted, "
                           f"{len(results) - len(changed)} already normalized", err=True)
        raise SystemExit(1 if changed else 0)
    if show_diff:
        return
    if changed:
        results = write_locked(files, items, results, options, json_, to_utf8)
        changed = [r for r in results if r.changed]
    if json_:
        echo_json(report)
    else:
        click.echo(f"{len(changed)} file(s) reformatted, {len(results) - len(changed)} left unchanged", err=True)


@cli.command("dedupe")
@PATHS
@library_option
@click.option("--merge", is_flag=True, help="Merge each group into its first entry and write the files.")
@json_option
def dedupe_cmd(paths, library_path, merge, json_):
    """Show groups of duplicate references (same DOI or PMID, or the same title
    with year, volume and pages agreeing).

    --merge keeps the first entry of each group with the union of all fields:
    a different value is kept as name-2 (and reported), never dropped; the
    removed keys are kept in its `ids` field so old citations still resolve.
    Exits 1 when duplicates are shown and not merged.
    """
    lib = open_library(paths, library_path)
    groups = dd.find_duplicates(lib.references, lib.macros)
    out = []
    for n, g in enumerate(groups, 1):
        entries = [{"key": r.key, "path": lib.file_of(r), "line": lib.line_of(r),
                    "year": lib.text(r, "year"), "title": lib.text(r, "title")} for r in g.refs]
        item = {"reason": g.reason, "entries": entries, "merged": False, "conflicts": []}
        if not json_:
            click.echo(f"duplicates {n}: {g.reason}")
            for e in entries:
                click.echo(f"  {e['path']}:{e['line']}: {e['key']} ({e['year'] or '----'}) {e['title'][:70]}")
        if merge:
            result = dd.merge(g.refs)
            removed = {r.key.lower(): result.kept.key for r in result.removed}
            for r in result.removed:
                lib.remove(r)
            for r in lib.references:  # entries that crossref a removed key now point at the kept one
                target = r.fields.get("crossref", "").strip().lower()
                if target in removed:
                    r.fields["crossref"] = removed[target]
            item["merged"] = True
            item["conflicts"] = result.conflicts
            if not json_:
                click.echo(f"  merged into {result.kept.key} (removed keys kept in its ids)")
                for c in result.conflicts:
                    click.echo(f"  conflict: {c}")
        out.append(item)
    written = lib.save() if merge and groups else []
    if json_:
        echo_json(out)
    elif not groups:
        click.echo("no duplicates found", err=True)
    elif merge:
        click.echo(f"merged {len(groups)} group(s); wrote {len(written)} file(s)"
                   + (f": {saved_to(lib, written)}" if written else ""), err=True)
        left = [(item["entries"][0]["key"], c.split(" kept as ", 1)[1].split(" ", 1)[0])
                for item in out for c in item["conflicts"] if " kept as " in c]
        if left:
            click.echo(f"{len(left)} field(s) kept as a second value, to settle by hand (balintbib check "
                       f"reports them as B003): " + ", ".join(f"{k}: {f}" for k, f in left), err=True)
    if groups and not merge:
        raise SystemExit(1)
