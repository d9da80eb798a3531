"""The whitespace rule: runs of white space collapsed (paragraph breaks kept), ends trimmed."""

from __future__ import annotations

import re

from ...model import Reference
from .base import _VERBATIM, RuleContext, is_verbatim, rule

_WS_RUN = re.compile(r"[ \t\r\n]+")
_PARAGRAPHS = re.compile(r"[ \t\r]*\n[ \t\r]*\n\s*")


def squash(content: str) -> str:
    """Runs of white space -> one space (as TeX reads them); blank lines kept as paragraph breaks."""
    if "\n" in content:
        return "\n\n".join(_WS_RUN.sub(" ", p) for p in _PARAGRAPHS.split(content.strip()))
    return _WS_RUN.sub(" ", content.strip())


def _no_white_space_to_fix(fields: dict[str, str]) -> bool:
    """True when no value has white space at an end, a run of it, or any but single
    spaces (the usual case, checked on all values at once): `fix_whitespace` changes nothing."""
    # A space at a value's end meets the separator ("  "); isprintable() is False for a
    # newline, tab, CR or any white space but the space.
    joined = " ".join(fields.values())
    return "  " not in joined and joined[:1] != " " and joined[-1:] != " " and joined.isprintable()


@rule("whitespace", "white space inside values collapsed (paragraph breaks kept); ends trimmed")
def fix_whitespace(ref: Reference, ctx: RuleContext) -> None:
    fields, exprs, verbatim = ref.fields, ref.expressions, _VERBATIM
    if _no_white_space_to_fix(fields):
        return
    for name, value in fields.items():
        if not value or name in exprs:
            continue
        if verbatim.get(name) or is_verbatim(name):
            stripped = value.strip()
            if stripped != value:
                fields[name] = stripped
            continue
        if value[0] == " " or value[-1] == " " or "  " in value or "\n" in value or "\t" in value or "\r" in value:
            if "%" in value and "\n" in value:
                # a bare % comments out the rest of the line in LaTeX: keep line breaks
                fields[name] = "\n".join(_WS_RUN.sub(" ", line.strip()) for line in value.strip().split("\n"))
            else:
                fields[name] = squash(value)
