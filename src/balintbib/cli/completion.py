"""Shell completion (Click's own: bash, zsh, fish) of citation keys, styles, tags and remotes.

Each function gets what the user typed so far and returns the candidates; a
library or config that cannot be read completes nothing (never an error on
the user's prompt).
"""

from __future__ import annotations

from pathlib import Path

import click
from click.shell_completion import CompletionItem


def _library(ctx: click.Context):
    from ..config import default_library
    from ..library import Library

    path = None
    node = ctx
    while node is not None and path is None:
        path = node.params.get("library_path")
        node = node.parent
    path = Path(path) if path else default_library()
    if path is None or not path.exists():
        return None
    return Library.load(path)


def complete_keys(ctx, param, incomplete: str) -> list[CompletionItem]:
    try:
        lib = _library(ctx)
    except Exception:  # noqa: BLE001 - completion must never fail on the prompt
        return []
    if lib is None:
        return []
    low = incomplete.lower()
    return [CompletionItem(r.key, help=lib.text(r, "title")[:60]) for r in lib.references
            if r.key.lower().startswith(low)]


def complete_tags(ctx, param, incomplete: str) -> list[CompletionItem]:
    try:
        lib = _library(ctx)
    except Exception:  # noqa: BLE001
        return []
    if lib is None:
        return []
    from ..tags import vocabulary

    low = incomplete.lower()
    return [CompletionItem(tag, help=f"{n} reference(s)") for tag, n in vocabulary(lib.references).items()
            if tag.lower().startswith(low)]


def complete_styles(ctx, param, incomplete: str) -> list[CompletionItem]:
    try:
        from ..cite.styles import style_names
        names = style_names()
    except Exception:  # noqa: BLE001
        return []
    if "/" in incomplete or incomplete.endswith(".csl"):
        return [CompletionItem(incomplete, type="file")]
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def complete_remotes(ctx, param, incomplete: str) -> list[CompletionItem]:
    try:
        from ..remotes.config import load_remotes
        names = sorted(load_remotes())
    except Exception:  # noqa: BLE001
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]
