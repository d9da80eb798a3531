"""What every rule shares: the registry (`rule`, `RULES`), the `RuleContext` a rule
reports to, and which fields are verbatim (never decoded, re-encoded or collapsed)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ...model import Reference
from ..options import NormalizeOptions

#: Fields whose content is verbatim (paths, identifiers, URLs): never decoded,
#: re-encoded or whitespace-collapsed.
VERBATIM_FIELDS = frozenset({
    "url", "doi", "file", "pdf", "eprint", "ids", "crossref", "xref", "xdata", "related",
    "remote-ids", "verba", "verbb", "verbc", "mendeley-groups", "groups",
})
_DUPLICATE_NAME = re.compile(r"^(.+)-\d+$")


def is_verbatim(name: str) -> bool:
    """A verbatim field, or a renamed duplicate of one (``file-2``)."""
    known = _VERBATIM.get(name)
    if known is None:
        m = _DUPLICATE_NAME.match(name) if "-" in name else None
        known = name in VERBATIM_FIELDS or bool(m and m.group(1) in VERBATIM_FIELDS)
        if len(_VERBATIM) < 4096:  # field names repeat; a file of made-up names must not grow it forever
            _VERBATIM[name] = known
    return known


_VERBATIM: dict[str, bool] = {}


#: Fields holding separated lists; duplicated ones are merged as a union.
LIST_FIELDS = frozenset({"keywords", "tags", "mendeley-tags", "groups", "ids", "mendeley-groups"})


@dataclass
class NameFix:
    """A name rewritten so that BibTeX reads it differently (said out loud by normalize)."""

    key: str
    field: str
    old: str
    new: str
    why: str
    line: int = 0


@dataclass
class RuleContext:
    options: NormalizeOptions
    notes: list[str] = field(default_factory=list)  # what changed, for --verbose / the report
    name_fixes: list[NameFix] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    name: str
    summary: str
    func: Callable[[Reference, RuleContext], None]


RULES: dict[str, Rule] = {}


def rule(name: str, summary: str):
    def register(func):
        RULES[name] = Rule(name, summary, func)
        return func
    return register


def _literal(ref: Reference, name: str) -> str | None:
    """The field's content when it is a plain literal (not a macro expression)."""
    if name in ref.expressions:
        return None
    return ref.fields.get(name)
