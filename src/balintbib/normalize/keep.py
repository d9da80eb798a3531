"""Keep a normalized library normalized after a program (a pull, a resolve) wrote it.

A sync writes new and changed entries in the canonical layout, appended to the
main file; a library whose CI runs ``normalize --check`` would then fail.  The
faces (CLI, terminal UI) ask `is_normalized` before the sync and call
`renormalize` after it: only a library that was normalized is touched, with its
own ``[normalize]`` settings from ``balintbib.toml``.
"""

from __future__ import annotations

from pathlib import Path

from ..formats.bibtex import read_file
from ..formats.encoding import EncodingError
from ..fsutil import atomic_write_bytes
from ..locking import locked
from .engine import FileResult, keep_encodings, normalize_texts
from .options import find_config, load_options


def normalized(paths: list[str]) -> list[FileResult] | None:
    """The files through `normalize` with their library's settings; None when one cannot be read."""
    if not paths:
        return None
    options, _ = load_options(find_config(Path(paths[0])))
    items, encodings = [], {}
    for p in paths:
        try:
            text, encodings[p] = read_file(Path(p))
        except (OSError, EncodingError):
            return None
        items.append((p, text))
    results = normalize_texts(items, options)
    keep_encodings(results, encodings)  # a file in another encoding is reported (B006), never converted
    return results


def is_normalized(paths: list[str]) -> bool:
    """True when `normalize --check` would pass on these files (and they read without warnings)."""
    results = normalized(paths)
    return bool(results) and not any(r.changed or r.problems for r in results)


def renormalize(paths: list[str]) -> list[FileResult]:
    """Normalize the files in place (atomically); the results of the files that changed.

    Read and written under the library's write lock (`locking`), so an edit made
    by another program meanwhile is normalized too, never undone."""
    changed = []
    with locked(paths):
        for r in normalized(paths) or []:
            if r.changed and not r.reencode:
                atomic_write_bytes(r.path, r.data())
                changed.append(r)
    return changed
