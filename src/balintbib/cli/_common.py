"""Options and helpers shared by the command modules.

One short option means one thing in every command: -l/--library, -s/--select
(a query), -S/--style, -t/--tag, -f/--format, -o/--output, -k/--keys,
-q/--quiet, -n/--dry-run; --json and --locale have no short form.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..config import default_library
from ..formats.encoding import UTF8, describe
from ..library import Library, LibraryError
from . import completion


def library_option(f):
    return click.option(
        "--library", "-l", "library_path",
        type=click.Path(path_type=Path, exists=True),
        help="The library folder or .bib file (default: the library/ of the checkout around "
             "the current folder, else the configured one).",
    )(f)


def json_option(f):
    return click.option("json_", "--json", is_flag=True, help="Print JSON instead of text.")(f)


def style_option(*, required: bool = False, help: str | None = None):
    return click.option(
        "--style", "-S", "style", required=required, metavar="STYLE",
        shell_complete=completion.complete_styles,
        help=help or "A CSL style: an ID of the official collection (apa, nlm-citation-sequence...; "
                     "vancouver, ama, mla, chicago, harvard also work), a curated style or a .csl file.")


def select_option(f):
    return click.option("--select", "-s", "query", default="", metavar="QUERY",
                        help="Only references matching this query (author:, tag:, year:2004..2010, words).")(f)


def locale_option(f):
    return click.option("--locale", default=None, metavar="LANG",
                        help="Locale for the style's terms and dates (en-GB, de; default: the style's).")(f)


def resolve_library(path: Path | None) -> Path:
    if path is not None:
        return path
    found = default_library()
    if found is None:
        raise click.UsageError(
            "no library: run inside a checkout (a folder holding library/ or balintbib.toml, "
            "or below one), pass --library, or set 'library = \"...\"' in the config file (balintbib locate)"
        )
    return found


def bib_files_in(folder: Path) -> list[Path]:
    """Every .bib file under `folder` (hidden folders skipped); none is an error."""
    files = sorted(x for x in folder.rglob("*.bib") if not any(
        part.startswith(".") for part in x.relative_to(folder).parts))
    if not files:
        raise click.ClickException(f"{folder}: no .bib files")
    return files


def open_library(paths: tuple[Path, ...] | list[Path], library_path: Path | None) -> Library:
    """PATHS if given, else the library folder.  A folder without .bib files is an error."""
    if paths:
        files: list[Path] = []
        for p in paths:
            if p.is_dir():
                files.extend(bib_files_in(p))
            else:
                files.append(p)
        return Library.load_files(files, root=paths[0] if len(paths) == 1 and paths[0].is_dir() else None)
    root = resolve_library(library_path)
    if root.is_dir():
        bib_files_in(root)
    return Library.load(root)


def saved_to(lib: Library, paths) -> str:
    """``a.bib, b.bib``; a file kept in another encoding than UTF-8 says which."""
    out = []
    for p in paths:
        enc = lib.encoding_of(p)
        out.append(p if enc == UTF8 else f"{p} (written as {describe(enc)}, its encoding)")
    return ", ".join(out)


def warn_unread(problems) -> None:
    """One warning line on stderr when some blocks could not be read (they are left out),
    and one per file read in another encoding than UTF-8."""
    for p in problems:
        if getattr(p, "code", "") == "B006":
            click.echo(f"note: {p.path}: {p.message}", err=True)
    errors = [p for p in problems if getattr(p, "severity", "error") == "error"]
    if errors:
        click.echo(f"warning: {len(errors)} problem(s) in the library; entries that could not be "
                   f"read are left out (see balintbib check). First: {errors[0]}", err=True)


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def is_tty(stream=None) -> bool:
    stream = stream or sys.stderr
    return hasattr(stream, "isatty") and stream.isatty()


def remote_name(name: str | None) -> str:
    """NAME, or the only configured remote (see `remotes.config.choose_remote`)."""
    from ..remotes.config import AmbiguousRemoteError, choose_remote

    try:
        return choose_remote(name)
    except AmbiguousRemoteError as exc:
        raise click.UsageError(str(exc)) from None


def refuse_output_over_inputs(output, inputs=(), library: Library | None = None) -> None:
    """An -o that names an input file or a file of the library is refused before anything is written."""
    if output is None or str(output) == "-":
        return
    target = Path(output).resolve()
    candidates = [(Path(p), "an input") for p in inputs]
    if library is not None:
        candidates += [(Path(bf.path), "a file of the library") for bf in library.files]
    for path, what in candidates:
        if path.resolve() == target:
            raise click.ClickException(f"{output}: refusing to write over {what}; choose another -o")


__all__ = ["library_option", "json_option", "resolve_library", "open_library", "echo_json", "warn_unread",
           "LibraryError", "style_option", "select_option", "locale_option", "remote_name",
           "refuse_output_over_inputs", "bib_files_in", "saved_to"]
