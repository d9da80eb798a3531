"""Options and helpers shared by the command modules."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..config import default_library
from ..formats.encoding import UTF8, describe
from ..library import Library, LibraryError


def library_option(f):
    return click.option(
        "--library", "-l", "library_path",
        type=click.Path(path_type=Path),
        help="The library folder or .bib file (default: ./library, else the configured one).",
    )(f)


def json_option(f):
    return click.option("json_", "--json", is_flag=True, help="Print JSON instead of text.")(f)


def resolve_library(path: Path | None) -> Path:
    if path is not None:
        return path
    found = default_library()
    if found is None:
        raise click.UsageError(
            "no library: run inside a folder with ./library, pass --library, "
            "or set 'library = \"...\"' in the config file (balintbib locate)"
        )
    return found


def open_library(paths: tuple[Path, ...] | list[Path], library_path: Path | None) -> Library:
    """PATHS if given, else the library folder."""
    if paths:
        files: list[Path] = []
        for p in paths:
            if p.is_dir():
                files.extend(sorted(x for x in p.rglob("*.bib") if not any(
                    part.startswith(".") for part in x.relative_to(p).parts)))
            else:
                files.append(p)
        return Library.load_files(files, root=paths[0] if len(paths) == 1 and paths[0].is_dir() else None)
    return Library.load(resolve_library(library_path))


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


__all__ = ["library_option", "json_option", "resolve_library", "open_library", "echo_json", "warn_unread", "saved_to",
           "LibraryError"]
