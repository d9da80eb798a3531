"""The normalizer's settings: defaults for a medical library, overridable in
``balintbib.toml`` next to the library (table ``[normalize]``)::

    [normalize]
    keys = false                 # keep citation keys as they are
    key-pattern = "[auth:lower][year]"
    unicode = "latex"            # "utf8" (default), "latex", or "keep"
    protect-titles = true
    name-fixes = false           # names only reordered as BibTeX reads them ("H Van Rijn" kept)

    [check]
    select = ["B"]               # codes to report (prefix match); default: all but opt-in ones
    ignore = ["B102"]
    extend-select = ["B101"]     # add opt-in codes to the default set

    [check.per-key-ignore]       # codes not to report for one entry (say why in the library's README)
    lichtenstein2006integrating = ["B110"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..config import ConfigError

CONFIG_NAME = "balintbib.toml"
UNICODE_POLICIES = ("utf8", "latex", "keep")


@dataclass
class NormalizeOptions:
    keys: bool = True  # citation keys from key_pattern (entries that already fit keep theirs)
    key_pattern: str = "[auth:lower][year][veryshorttitle:lower]"
    ids: bool = True  # keep renamed keys in the entry's `ids` field (biblatex key aliases)
    sort: bool = True  # entries by key; @string/@preamble first
    doi: bool = True
    pages: bool = True
    months: bool = True
    issn: bool = True
    isbn: bool = True
    names: bool = True
    name_fixes: bool = True  # move capitalised particles and a trailing Jr (BibTeX then reads the name differently)
    unicode: str = "utf8"
    protect_titles: bool = False

    def enabled(self, rule: str) -> bool:
        value = getattr(self, rule.replace("-", "_"), True)
        if rule == "unicode":
            return value != "keep"
        return bool(value)


@dataclass
class CheckOptions:
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_key_ignore: dict[str, list[str]] = field(default_factory=dict)


def find_config(start: Path) -> Path | None:
    """``balintbib.toml`` in ``start`` (a folder or a file's folder) or a parent folder."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for d in (folder, *folder.parents):
        candidate = d / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _apply(target, table: dict, where: str):
    names = {f.name for f in fields(target)}
    for key, value in table.items():
        attr = key.replace("-", "_")
        if attr not in names:
            raise ConfigError(f"{where}: unknown setting '{key}' (known: "
                              f"{', '.join(sorted(n.replace('_', '-') for n in names))})")
        current = getattr(target, attr)
        if attr == "unicode":
            if value is False:
                value = "keep"
            value = str(value).lower().replace("-", "")
            if value == "unicode":
                value = "utf8"
            if value not in UNICODE_POLICIES:
                raise ConfigError(f"{where}: unicode must be one of {', '.join(UNICODE_POLICIES)}")
        elif isinstance(current, bool) and not isinstance(value, bool):
            raise ConfigError(f"{where}: '{key}' must be true or false")
        elif attr == "per_key_ignore":
            if not isinstance(value, dict) or not all(
                    isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()):
                raise ConfigError(f"{where}: 'per-key-ignore' must be a table of key = [codes]")
        elif attr in ("select", "ignore", "extend_select"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: '{key}' must be a list of codes")
        setattr(target, attr, value)
    return target


def load_options(config_path: Path | None) -> tuple[NormalizeOptions, CheckOptions]:
    norm, check = NormalizeOptions(), CheckOptions()
    if config_path is None:
        return norm, check
    try:
        with open(config_path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot read: {exc.strerror}") from None
    _apply(norm, data.get("normalize", {}), f"{config_path} [normalize]")
    _apply(check, data.get("check", {}), f"{config_path} [check]")
    return norm, check
