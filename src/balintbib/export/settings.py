"""A library's handout settings: the ``[export]`` table of its ``balintbib.toml``.

They let a society fix its handout's title, style, introduction and the order of
its themes once, next to the library, instead of on every command line.  Per
locale (``--locale de-DE``), ``[export.locales.<tag>]`` gives the title, the
introduction and the theme headings in that language::

    [export]
    intro = "handout-intro.md"
    tag-order = ["history and theory", "empathy"]

    [export.locales.de]                # "de" serves de-DE, de-AT...; "de-DE" wins over "de"
    title = "Balint-Gruppen: eine kommentierte Leseliste"
    intro = "handout-intro.de.md"
    themes = { "history and theory" = "Geschichte und Theorie", "empathy" = "Empathie" }
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BalintError

#: Keys of the ``[export]`` table of a library's ``balintbib.toml`` and their types.
SETTINGS = {"title": str, "style": str, "locale": str, "group-by": str, "intro": str,
            "paper": str, "tag-order": list, "locales": dict}
#: Keys of one ``[export.locales.<tag>]`` table.
LOCALE_SETTINGS = {"title": str, "intro": str, "themes": dict}


def _error(message: str) -> BalintError:
    from .handout import ExportError
    return ExportError(message)


def find_settings(folder) -> "Path | None":
    """``balintbib.toml`` in the library folder or a parent folder (as the normalizer finds it)."""
    if folder is None:
        return None
    start = Path(folder).resolve()
    for d in (start, *start.parents):
        candidate = d / "balintbib.toml"
        if candidate.is_file():
            return candidate
    return None


def library_settings(folder) -> dict:
    """The ``[export]`` table of the library's ``balintbib.toml`` (may be empty).

    A relative ``intro`` path (also in a locale table) is relative to the settings file.
    """
    import tomllib

    path = find_settings(folder)
    if path is None:
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise _error(f"{path}: cannot read the settings: {exc}") from None
    table = data.get("export", {})
    if not isinstance(table, dict):
        raise _error(f"{path}: [export] must be a table")
    unknown = sorted(set(table) - set(SETTINGS))
    if unknown:
        raise _error(f"{path}: unknown setting export.{unknown[0]} (known: {', '.join(SETTINGS)})")
    out = {}
    kinds = {str: "string", list: "list", dict: "table"}
    for key, kind in SETTINGS.items():
        if key in table:
            if not isinstance(table[key], kind):
                raise _error(f"{path}: export.{key} must be a {kinds[kind]}")
            out[key] = table[key]
    if "tag-order" in out and not all(isinstance(t, str) for t in out["tag-order"]):
        raise _error(f"{path}: export.tag-order must be a list of tags")
    if "paper" in out and out["paper"].lower() not in ("a4", "letter"):
        raise _error(f"{path}: export.paper must be a4 or letter")
    from .handout import GROUPINGS
    if "group-by" in out and out["group-by"] not in GROUPINGS:
        raise _error(f"{path}: export.group-by must be one of {', '.join(GROUPINGS)}")
    if "intro" in out:
        out["intro"] = str(path.parent / out["intro"])
    locales = {}
    for tag, sub in out.get("locales", {}).items():
        where = f"{path}: export.locales.{tag}"
        if not isinstance(sub, dict):
            raise _error(f"{where} must be a table")
        bad = sorted(set(sub) - set(LOCALE_SETTINGS))
        if bad:
            raise _error(f"{where}: unknown setting {bad[0]} (known: {', '.join(LOCALE_SETTINGS)})")
        for key, kind in LOCALE_SETTINGS.items():
            if key in sub and not isinstance(sub[key], kind):
                raise _error(f"{where}.{key} must be a {kinds[kind]}")
        themes = sub.get("themes", {})
        if not all(isinstance(v, str) for v in themes.values()):
            raise _error(f"{where}.themes must map tags to headings (strings)")
        entry = dict(sub)
        if "intro" in entry:
            entry["intro"] = str(path.parent / entry["intro"])
        locales[tag.lower().replace("_", "-")] = entry
    if locales:
        out["locales"] = locales
    return out


def locale_settings(settings: dict, locale: str | None) -> dict:
    """The ``[export.locales.*]`` table for a locale: the exact tag (``de-DE``)
    first, else its language (``de``); ``{}`` when none applies."""
    if not locale:
        return {}
    tables = settings.get("locales", {})
    tag = locale.lower().replace("_", "-")
    return tables.get(tag) or tables.get(tag.split("-")[0]) or {}
